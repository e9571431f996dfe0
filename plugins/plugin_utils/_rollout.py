# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection (controller only): the bookkeeping of the organization_access rollout, batch by batch.

Ansible runs a play with ``serial`` one batch after another, every task of the play in each batch, and ``run_once``
once per batch. What a run must do once (read the source account, check the guardrails, write the source policy,
prune) therefore happens in its first batch, and what that taught is carried to the later batches in a state the
role keeps on the first host of the play. Each batch takes three steps, all pure (values in, values out):

- ``plan``: every account of the selection read from its host's variables and checked, the batch numbered (a first
  batch, or the next one of the carried run), the source policy's form chosen by the source_policy module's own
  request builder, the accounts to prune listed;
- ``open``: what the first batch learned turned into what each account of this batch gets (write the role or not,
  verify or not, and why not);
- ``record``: each account's outcome as a ledger row, the accounts not reached yet as ``pending``, the hosts to fail,
  and the state for the next batch.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils import _source_policy
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import role_arn as build_role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _ledger

STATE_VERSION = 1
# The variables a host's account comes from, in order: the role's per-host variable (set in the inventory), then
# the hostvar of the organization_accounts inventory plugin. Role defaults are not among a host's hostvars, so the
# plan reads the plugin's hostvar itself when the role variable is not set for the host.
ACCOUNT_VARIABLES = {
    "account_id": ("organization_access_account_id", "aws_account_id"),
    "account_name": ("organization_access_account_name", "aws_account_name"),
    "access_role_arn": ("organization_access_account_role_arn", "aws_account_access_role_arn"),
    "joined_method": ("aws_account_joined_method",),
}
# Module options of source_policy -> the role variable that holds them, for the module's refusals.
POLICY_VARIABLES = {
    "name": "organization_access_policy_name",
    "users": "organization_access_users",
    "groups": "organization_access_groups",
    "roles": "organization_access_roles",
    "target_organization_id": "organization_access_organization_id",
    "target_role_name": "organization_access_role_name",
    "target_role_path": "organization_access_role_path",
}
INVITED = "INVITED"
# The CloudFormation template shipped in the role's files/ that creates the access role in an invited account.
ACCESS_ROLE_TEMPLATE = "organization-account-access-role.yml"

Json = dict[str, t.Any]


# --- plan ----------------------------------------------------------------------------------------

def _text(value: t.Any) -> str:
    return "" if value is None else str(value)


def account_of(host: str, found: t.Mapping[str, t.Any], role_name: str, role_path: str) -> Json:
    """The account of one host, checked: a 12-digit id and an access role ARN in that account."""
    raw_id = found.get("account_id")
    if raw_id in (None, ""):
        raise ValidationFailure("organization_access_account_id", f"must be the 12-digit id of the account of host {host} "
                                "(the hostvar aws_account_id of the crossaccount.aws.organization_accounts inventory)")
    account_id = v.account_id(raw_id, f"organization_access_account_id (host {host})")
    option = f"organization_access_account_role_arn (host {host})"
    access_role_arn = v.role_arn(found.get("access_role_arn"), option)
    parsed = parse_arn(access_role_arn)
    if parsed is None or parsed.account != account_id:
        raise ValidationFailure(option, f"must be the ARN of a role in account {account_id} (the hostvar aws_account_access_role_arn), "
                                f"got {v.show(access_role_arn)}")
    joined = _text(found.get("joined_method")).upper()
    return {
        "host": host,
        "account_id": account_id,
        "account_name": _text(found.get("account_name")) or account_id,
        "access_role_arn": access_role_arn,
        "role_arn": build_role_arn(account_id, role_name, role_path, partition=parsed.partition),
        "joined_method": joined if joined in ("CREATED", INVITED) else "",
    }


def batch_sizes(spec: t.Any, count: int) -> list[int]:
    """The sizes of the batches Ansible makes of ``count`` hosts for ``serial: spec`` (its own arithmetic).

    A number, a percentage of all the hosts (rounded down, at least 1) or a list of them, the last one repeated;
    0 or nothing means one batch.
    """
    items = spec if isinstance(spec, (list, tuple)) else [spec]
    if not items or count == 0:
        return [count] if count else []
    sizes = []
    left = count
    index = 0
    while left > 0:
        item = items[min(index, len(items) - 1)]
        text = _text(item).strip()
        try:
            if text.endswith("%"):
                size = int(int(text[:-1]) / 100.0 * count) or 1
            else:
                size = int(text or 0)
        except ValueError:
            raise ValidationFailure("organization_access_batch", f"must be a number, a percentage or a list of them, got {v.show(spec)}") from None
        if size <= 0:
            sizes.append(left)
            break
        sizes.append(min(size, left))
        left -= size
        index += 1
    return sizes


def sliced_awx_job(extra_vars: t.Mapping[str, t.Any]) -> str | None:
    """A sentence naming the sliced AWX/AAP job this run is a slice of, or None.

    AWX runs each slice of a sliced job template as a job of a workflow job that it creates from the job template and
    names after it, and passes ``awx_``/``tower_`` prefixed variables: ``*_job_launch_type`` is ``workflow``, and
    ``*_workflow_job_name`` equals ``*_job_template_name``. No variable carries the slice number itself.
    """
    for prefix in ("awx", "tower"):
        workflow = extra_vars.get(f"{prefix}_workflow_job_name")
        template = extra_vars.get(f"{prefix}_job_template_name")
        if (extra_vars.get(f"{prefix}_job_launch_type") == "workflow" and extra_vars.get(f"{prefix}_workflow_job_id") is not None
                and workflow and workflow == template):
            return (f"this run looks like one slice of the sliced job template {v.show(template)} "
                    f"({prefix}_workflow_job_name equals {prefix}_job_template_name)")
    return None


def _policy_problem(exc: ValidationFailure) -> ValidationFailure:
    top = re.split(r"[.\[]", exc.option, maxsplit=1)[0]
    if top == "target_role_arns":
        # The ARNs are built from the account ids, the role path and the role name; only the path can make one invalid.
        return ValidationFailure("organization_access_role_path", f"makes role ARNs the source policy refuses: {exc.msg}")
    variable = POLICY_VARIABLES.get(top)
    return ValidationFailure(variable, f"{exc.msg[len(top) + 2:]}") if variable else exc


def policy_options(form: str, role_arns: list[str], organization_id: str, role_name: str, role_path: str, policy_name: str,
                   principals: t.Mapping[str, list[str]]) -> Json:
    """The source_policy options for ``form`` (``auto`` chooses), checked by the module's own request builder.

    ``auto`` takes the exact role ARNs while the module accepts them (they fit one managed policy version), else the
    organization form. So the role refuses exactly what the module refuses, and no limit is written twice.
    """
    base: Json = {"name": policy_name, "type": "managed", "state": "present", **{kind: list(names) for kind, names in principals.items()}}
    if form in ("arns", "auto"):
        arns = {**base, "target_role_arns": role_arns}
        try:
            _source_policy.request_from_options(OptionAdapter.from_dict(arns))
            return {"form": "arns", "options": {"target_role_arns": role_arns}}
        except ValidationFailure as exc:
            if exc.option != "target_role_arns":
                raise _policy_problem(exc) from None
            why = exc.msg[len(exc.option) + 2:]
            if form == "arns":
                raise ValidationFailure("organization_access_policy_form", f"arns: the source_policy module refuses the role ARNs of the "
                                        f"{len(role_arns)} selected accounts ({why}); use organization (or auto) with "
                                        "organization_access_organization_id") from None
            if not organization_id:
                raise ValidationFailure("organization_access_organization_id", "is required: the role ARNs of the "
                                        f"{len(role_arns)} selected accounts do not fit one source policy ({why}), so the organization "
                                        "form is used") from None
    elif not organization_id:
        raise ValidationFailure("organization_access_organization_id", "is required with organization_access_policy_form=organization")
    organization = {"target_organization_id": organization_id, "target_role_name": role_name, "target_role_path": role_path}
    try:
        _source_policy.request_from_options(OptionAdapter.from_dict({**base, **organization}))
    except ValidationFailure as exc:
        raise _policy_problem(exc) from None
    return {"form": "organization", "options": organization}


def _role_parts(arn: str) -> tuple[str, str] | None:
    parsed = parse_arn(arn)
    if parsed is None or parsed.resource_type != "role":
        return None
    rest = parsed.resource[len("role"):]
    path, _sep, name = rest.rpartition("/")
    return name, path + "/"


def continues(carried: t.Any, hosts: list[str], batch_hosts: list[str], role_arn_suffix: str) -> bool:
    """Whether ``carried`` is the state of this run's earlier batches (and not of an earlier play or run)."""
    if not isinstance(carried, t.Mapping) or carried.get("version") != STATE_VERSION:
        return False
    done = set(carried.get("done") or ())
    return (carried.get("hosts") == hosts and carried.get("role") == role_arn_suffix and bool(done)
            and not done.intersection(batch_hosts) and not done.issuperset(hosts))


def _checked_accounts(selection: list[str], found: t.Mapping[str, t.Mapping[str, t.Any]], role_name: str, role_path: str) -> dict[str, Json]:
    """Every selected host's account, checked: one host per account, one partition for all."""
    accounts = {host: account_of(host, found.get(host) or {}, role_name, role_path) for host in selection}
    by_id: dict[str, str] = {}
    for host, account in accounts.items():
        other = by_id.setdefault(account["account_id"], host)
        if other != host:
            raise ValidationFailure("organization_access_account_id", f"hosts {other} and {host} are both account {account['account_id']}: "
                                    "one host per account")
    partitions = sorted({t.cast(t.Any, parse_arn(account["access_role_arn"])).partition for account in accounts.values()})
    if len(partitions) > 1:
        raise ValidationFailure("organization_access_account_role_arn", f"the access roles of the selected accounts are in more than one "
                                f"partition ({', '.join(partitions)}); an organization and its source policy live in one")
    return accounts


def _check_settings(request: t.Mapping[str, t.Any], ledger: _ledger.Ledger, slice_note: str | None) -> None:
    """The settings that the accounts, the ledger or the run (a slice, --limit) rule out."""
    report_path = request.get("report_path") or ""
    if report_path:
        mismatch = _ledger.role_mismatch(ledger, request["role_name"], request["role_path"])
        if mismatch:
            raise ValidationFailure(_ledger.PATH_OPTION, f"{report_path} {mismatch}")
    if not request.get("prune"):
        return
    if not report_path:
        raise ValidationFailure("organization_access_prune", "needs organization_access_report_path: the ledger there says which accounts "
                                "had the role and are no longer selected")
    if slice_note:
        raise ValidationFailure("organization_access_prune", f"cannot be used in a slice: {slice_note}, and each slice would take the role "
                                "away from the accounts of the other slices")
    if request.get("limit") and not request.get("hosts_pattern"):
        raise ValidationFailure("organization_access_prune", "with --limit needs organization_access_hosts (the inventory pattern of the "
                                "selection): otherwise every account outside the limit would look unselected and be pruned")


def _first_batch(request: t.Mapping[str, t.Any], accounts: t.Mapping[str, Json], ledger: _ledger.Ledger, slice_note: str | None,
                 result: Json) -> None:
    """What only the first batch does: the source policy's options and the accounts to prune."""
    selected = {account["account_id"] for account in accounts.values()}
    prune = bool(request.get("prune"))
    # Rows the ledger holds as `ok` for accounts that are no longer selected: without prune they keep their role and
    # stay in the source policy (retained); with prune they are the accounts to take it away from.
    left = {account_id: entry for account_id, entry in sorted(ledger.rows.items())
            if account_id not in selected and entry["status"] == "ok" and entry["role_arn"] and entry["access_role_arn"]}
    if request["state"] == "present":
        arns = {account["role_arn"] for account in accounts.values()} | (set() if prune else {entry["role_arn"] for entry in left.values()})
        principals = {kind: list(request.get(kind) or []) for kind in ("users", "groups", "roles")}
        chosen = policy_options(request["policy_form"], sorted(arns), request.get("organization_id") or "", request["role_name"],
                                request["role_path"], request["policy_name"], principals)
        if chosen["form"] == "arns" and slice_note:
            raise ValidationFailure("organization_access_policy_form", f"arns (the exact role ARNs) cannot be sliced: {slice_note}, and each "
                                    "slice would write the source policy for its own accounts only; use organization with "
                                    "organization_access_organization_id")
        if chosen["form"] == "arns" and request.get("limit") and not request.get("hosts_pattern"):
            raise ValidationFailure("organization_access_hosts", "is needed with --limit and the arns form of the source policy: set it to "
                                    "the inventory pattern of the play so that the policy keeps the accounts outside the limit")
        result["policy"] = chosen
        result["read_source_identity"] = not request.get("source_account_id")
    for account_id, entry in left.items() if prune else ():
        parts = _role_parts(entry["role_arn"])
        if parts is not None:
            result["prune"].append({"account_id": account_id, "account_name": entry["account_name"], "host": entry["host"],
                                    "role_arn": entry["role_arn"], "role_name": parts[0], "role_path": parts[1],
                                    "access_role_arn": entry["access_role_arn"], "joined_method": entry["joined_method"]})


def plan(request: t.Mapping[str, t.Any], found: t.Mapping[str, t.Mapping[str, t.Any]], ledger: _ledger.Ledger, extra_vars: t.Mapping[str, t.Any]) -> Json:
    """Check the accounts of the selection and plan this batch; raises ValidationFailure naming the role variable.

    ``request`` holds the role's settings (see the access_ledger module), ``found`` each host's account as read from
    its variables, ``ledger`` the ledger in the report path, ``extra_vars`` the variables AWX passes to a job.
    """
    hosts: list[str] = list(request["hosts"])
    batch_hosts: list[str] = list(request["batch_hosts"])
    selection: list[str] = list(dict.fromkeys([*request["selection"], *hosts]))
    accounts = _checked_accounts(selection, found, request["role_name"], request["role_path"])
    slice_note = sliced_awx_job(extra_vars)
    _check_settings(request, ledger, slice_note)
    carried = request.get("carried")
    first = not continues(carried, hosts, batch_hosts, f"{request['role_path']}{request['role_name']}")
    result: Json = {
        "changed": False,
        "first": first,
        "batch": 1 if first else int(t.cast(t.Mapping[str, t.Any], carried)["batch"]) + 1,
        "state": request["state"],
        "accounts": {host: accounts[host] for host in batch_hosts if host in accounts},
        "run_accounts": {host: accounts[host] for host in hosts if host in accounts},
        "selected_account_ids": sorted(account["account_id"] for account in accounts.values()),
        "policy": {},
        "prune": [],
        "read_source_identity": False,
        "carried": None if first else dict(t.cast(t.Mapping[str, t.Any], carried)),
    }
    if first:
        _first_batch(request, accounts, ledger, slice_note, result)
    return result


# --- open ----------------------------------------------------------------------------------------

def failure_text(result: t.Any) -> str:
    """The error of a failed task as one line, without the wrapping ansible-core adds around a failed lookup or template."""
    text = _text(result.get("msg") if isinstance(result, t.Mapping) else result) or "failed"
    text = re.sub(r"\s+", " ", text).strip()
    # ansible-core 2.17/2.18 wrap a lookup's error as "... original message: TEXT"; 2.19+ prefix "Task failed: ...: The lookup
    # plugin 'NAME' failed: TEXT" or "Task failed: Action failed: TEXT".
    if "original message: " in text:
        text = text.rsplit("original message: ", 1)[1]
    lookup = re.search(r"The lookup plugin '[^']*' failed: ", text)
    if lookup:
        text = text[lookup.end():]
    text = re.sub(r"^(Task failed: )?(Action failed: )?", "", text)
    return text or "failed"


def _ran(result: t.Any) -> bool:
    return isinstance(result, t.Mapping) and not result.get("skipped")


def _failed(result: t.Any) -> bool:
    return isinstance(result, t.Mapping) and bool(result.get("failed"))


def open_batch(planned: t.Mapping[str, t.Any], identity: t.Any, guardrails: t.Any, policy: t.Any, pruned: t.Any,
               source_account_id: str, verify: bool, check_mode: bool = False) -> Json:
    """What each account of this batch gets, from the first batch's source-account work (or the state carrying it).

    Each entry also names the account (id, access role, role ARN) for the member_access task of its host.
    """
    carried = planned.get("carried")
    if planned["first"]:
        source = source_account_id
        if not source and _ran(identity) and not _failed(identity):
            source = _text((identity.get("identity") or {}).get("account"))
        blocked: dict[str, str] = {}
        if _ran(guardrails):
            for entry in guardrails.get("accounts") or []:
                if isinstance(entry, t.Mapping) and entry.get("status") == "blocked":
                    blocked[_text(entry.get("account_id"))] = _text(entry.get("reason")) or "a service or resource control policy denies the access"
        outcome = {
            "form": (planned.get("policy") or {}).get("form", ""),
            "error": f"source policy: {failure_text(policy)}" if _failed(policy) else "",
            "changed": bool(_ran(policy) and policy.get("changed")),
            "arn": _text(((policy or {}).get("policy") or {}).get("arn")) if _ran(policy) and not _failed(policy) else "",
        }
        prune_rows = _prune_outcomes(planned, pruned)
    else:
        carried = t.cast(t.Mapping[str, t.Any], carried)
        source = _text(carried.get("source_account_id"))
        blocked = dict(carried.get("blocked") or {})
        outcome = dict(carried.get("policy") or {})
        prune_rows = {}
    present = planned["state"] == "present"
    # In check mode a source policy that would change is not there yet to allow the probe.
    probe = present and verify and not (check_mode and outcome.get("changed"))
    accounts: Json = {}
    for host, account in planned["accounts"].items():
        names = {key: account[key] for key in ("account_id", "access_role_arn", "role_arn")}
        if present and account["account_id"] in blocked:
            accounts[host] = {**names, "write": False, "verify": False, "why": "blocked"}
        elif present and outcome.get("error"):
            # Without the source policy the access cannot work: nothing is written in the accounts.
            accounts[host] = {**names, "write": False, "verify": False, "why": "policy"}
        else:
            accounts[host] = {**names, "write": True, "verify": probe, "why": ""}
    return {
        "changed": False,
        "accounts": accounts,
        "source_account_ids": [source] if present and source else [],
        "blocked": blocked,
        "policy": outcome,
        "pruned": prune_rows,
    }


def _prune_outcomes(planned: t.Mapping[str, t.Any], pruned: t.Any) -> dict[str, Json]:
    """The prune loop's item results by account id: None for a removed role, else the error."""
    outcomes: dict[str, Json] = {}
    results = pruned.get("results") if isinstance(pruned, t.Mapping) else None
    for item in results or []:
        if not isinstance(item, t.Mapping) or not isinstance(item.get("item"), t.Mapping):
            continue
        account = _text(item["item"].get("account_id"))
        # A member_access item: the removal's own result, or the item's when the task failed before it.
        step = item.get("role") if isinstance(item.get("role"), t.Mapping) else item
        outcomes[account] = {"error": f"prune: {failure_text(step)}" if _failed(step) else "", "changed": bool(item.get("changed"))}
    return outcomes


# --- record --------------------------------------------------------------------------------------

def _access_hint(account: t.Mapping[str, t.Any], error: str, template_path: str) -> str:
    """For an invited account whose access role could not be assumed: why, and how to create it."""
    if account.get("joined_method") != INVITED or not error.startswith("sts:AssumeRole"):
        return ""
    name = _text(account.get("access_role_arn")).rsplit("/", 1)[-1]
    return (f" (account {account['account_id']} joined the organization by invitation: it has {name} only if someone created it; "
            f"create it in that account with the CloudFormation template {template_path})")


def account_row(account: t.Mapping[str, t.Any], opened: t.Mapping[str, t.Any], role: t.Any, probe: t.Any, batch: int, state: str,
                template_path: str, previous: t.Mapping[str, t.Any] | None) -> _ledger.Row:
    """The ledger row of one account of this batch."""
    host = account["host"]
    gets = opened["accounts"].get(host) or {"write": False, "why": ""}
    known_arn = _text((previous or {}).get("role_arn"))
    fields: Json = {key: account[key] for key in ("account_id", "account_name", "host", "access_role_arn", "joined_method")}
    fields.update(batch=batch, role_arn="", verified=False, error="", changed=False)
    if gets.get("why") == "blocked":
        fields.update(role_arn=known_arn, error=opened["blocked"].get(account["account_id"], ""), status="blocked")
        return _ledger.row(**fields)
    errors = []
    if state == "present" and opened["policy"].get("error"):
        errors.append(opened["policy"]["error"])
    if _failed(role):
        text = failure_text(role)
        errors.append(f"role: {text}{_access_hint(account, text, template_path)}")
    elif _ran(role):
        fields["changed"] = bool(role.get("changed"))
        if state == "present":
            fields["role_arn"] = _text((role.get("role") or {}).get("arn"))
    if _failed(probe):
        errors.append(f"verify: {failure_text(probe)}")
    elif _ran(probe):
        fields["verified"] = probe.get("verified") is True
    if errors:
        if not fields["role_arn"] and gets.get("why") == "policy":
            fields["role_arn"] = known_arn
        fields.update(status="failed", error="; ".join(errors))
    else:
        fields["status"] = "ok" if state == "present" else "removed"
    return _ledger.row(**fields)


def record(planned: t.Mapping[str, t.Any], opened: t.Mapping[str, t.Any], results: t.Mapping[str, t.Mapping[str, t.Any]],
           request: t.Mapping[str, t.Any], ledger: _ledger.Ledger) -> Json:
    """The rows of this run so far (this batch, the earlier ones, pending, pruned) and the state for the next batch.

    ``results`` holds each batch host's registered ``role`` and ``probe`` results; ``ledger`` the rows before this run
    (what is known of the accounts that were not reached).
    """
    everyone: t.Mapping[str, t.Mapping[str, t.Any]] = planned["run_accounts"]
    carried = planned.get("carried") or {}
    batch = int(planned["batch"])
    state = planned["state"]
    run_rows: dict[str, _ledger.Row] = {key: _ledger.row(**value) for key, value in (carried.get("rows") or {}).items()}
    for host, account in planned["accounts"].items():
        outcome = results.get(host) or {}
        run_rows[account["account_id"]] = account_row(account, opened, outcome.get("role"), outcome.get("probe"), batch, state,
                                                      request["access_role_template"], ledger.rows.get(account["account_id"]))
    for account_id, outcome in (opened.get("pruned") or {}).items():
        before = ledger.rows.get(account_id)
        if before is None:
            continue
        if outcome["error"]:
            run_rows[account_id] = _ledger.row(**{**before, "error": outcome["error"], "changed": False})
        else:
            run_rows[account_id] = _ledger.row(**{
                **before, "status": "removed", "role_arn": "", "verified": False, "error": "", "batch": batch, "changed": outcome["changed"]})
    hosts: list[str] = list(request["hosts"])
    done = [*(carried.get("done") or []), *planned["accounts"]]
    sizes = batch_sizes(request.get("batch_spec"), len(hosts)) if request.get("batch_spec") not in (None, "") else []
    scheduled: dict[str, int] = {}
    start = 0
    for number, size in enumerate(sizes, start=1):
        for host in hosts[start:start + size]:
            scheduled[host] = number
        start += size
    fail: dict[str, str] = {}
    failed_hosts = 0
    for host, account in planned["accounts"].items():
        entry = run_rows[account["account_id"]]
        if entry["status"] in ("failed", "blocked"):
            failed_hosts += 1
            prefix = "blocked: " if entry["status"] == "blocked" else ""
            fail[host] = f"account {entry['account_id']} ({entry['account_name']}): {prefix}{entry['error']}"
    if not request.get("fail_on_error"):
        fail, failed_hosts = {}, 0
    stops = rollout_stops(failed_hosts, len(planned["accounts"]), request.get("max_fail_percentage"))
    # The accounts this run has not reached yet are written `pending` when the rollout stops after this batch (or has
    # never reached them before): a run that goes on to the end leaves their rows alone until it reaches them, so a
    # rerun in waves that changes nothing rewrites nothing.
    pending: dict[str, _ledger.Row] = {}
    reached = set(done)
    for host in (host for host in hosts if host not in reached):
        account = everyone.get(host)
        if account is None:
            continue
        before = ledger.rows.get(account["account_id"])
        if before is not None and not stops:
            continue
        pending[account["account_id"]] = _ledger.row(
            **{key: account[key] for key in ("account_id", "account_name", "host", "access_role_arn", "joined_method")},
            status="pending", role_arn=_text((before or {}).get("role_arn")), batch=scheduled.get(host), changed=False)
    next_state = {
        "version": STATE_VERSION,
        "hosts": hosts,
        "role": f"{request['role_path']}{request['role_name']}",
        "done": done,
        "batch": batch,
        "source_account_id": (opened.get("source_account_ids") or [""])[0],
        "blocked": opened.get("blocked") or {},
        "policy": opened.get("policy") or {},
        "rows": run_rows,
    }
    return {"rows": run_rows, "pending": pending, "fail": fail, "stops": stops, "state": next_state}


def rollout_stops(failed: int, batch_size: int, max_fail_percentage: t.Any) -> bool:
    """Whether Ansible ends the play after a batch in which ``failed`` of ``batch_size`` hosts failed.

    It does when every host of the batch failed, and when the failed hosts are more than ``max_fail_percentage`` percent
    of the batch (the play's max_fail_percentage, checked after each task; the role fails hosts only in its last task).
    """
    if failed == 0 or batch_size == 0:
        return False
    if failed >= batch_size:
        return True
    if max_fail_percentage in (None, ""):
        return False
    try:
        limit = float(_text(max_fail_percentage).rstrip("%"))
    except ValueError:
        return False
    return failed / batch_size > limit / 100.0
