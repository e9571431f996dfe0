# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of crossaccount.aws.access_ledger: the organization_access rollout's bookkeeping, on the controller.

It always runs here, whatever the task's connection: it reads other hosts' variables (only the controller has
them) and writes the ledger, a local report. The logic is in plugin_utils/_rollout.py (plan, open, record) and
plugin_utils/_ledger.py (rows, files); this file only reads the hosts' variables and turns failures into results.
"""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _ledger, _rollout

_LIST = {"type": "list", "elements": "str", "default": []}
ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "step": {"type": "str", "required": True, "choices": ["plan", "open", "record"]},
    # plan and record
    "hosts": _LIST,
    "report_path": {"type": "str", "default": ""},
    "role_name": {"type": "str", "default": ""},
    "role_path": {"type": "str", "default": "/"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    # plan
    "batch_hosts": _LIST,
    "selection": _LIST,
    "hosts_pattern": {"type": "bool", "default": False},
    "policy_name": {"type": "str", "default": ""},
    "policy_form": {"type": "str", "default": "auto", "choices": ["auto", "arns", "organization"]},
    "organization_id": {"type": "str", "default": ""},
    "users": _LIST,
    "groups": _LIST,
    "roles": _LIST,
    "source_account_id": {"type": "str", "default": ""},
    "prune": {"type": "bool", "default": False},
    "carried": {"type": "raw"},
    # open
    "plan": {"type": "dict"},
    "identity": {"type": "raw"},
    "guardrails": {"type": "raw"},
    "policy": {"type": "raw"},
    "pruned": {"type": "raw"},
    "verify": {"type": "bool", "default": True},
    # record
    "batch": {"type": "dict"},
    "results": {"type": "dict", "default": {}},
    "batch_spec": {"type": "raw"},
    "fail_on_error": {"type": "bool", "default": True},
    "max_fail_percentage": {"type": "raw"},
    "access_role_template": {"type": "str", "default": _rollout.ACCESS_ROLE_TEMPLATE},
}
_REQUIRED = {"plan": ("hosts", "batch_hosts", "role_name"), "open": ("plan",), "record": ("plan", "batch", "hosts", "role_name")}


def _plain(value: t.Any) -> t.Any:
    """A host variable as plain Python data (ansible-core may hand out lazy or tagged containers)."""
    if isinstance(value, t.Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False
    # No module is sent anywhere: the task's connection is never used.
    _requires_connection = False
    TRANSFERS_FILES = False

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        _spec, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        missing = [name for name in _REQUIRED[args["step"]] if not args.get(name)]
        if missing:
            return {**result, "failed": True, "msg": f"step={args['step']} needs {', '.join(missing)}"}
        try:
            if args["step"] == "plan":
                result.update(self._plan(args, task_vars))
            elif args["step"] == "open":
                result.update(_rollout.open_batch(args["plan"], args["identity"], args["guardrails"], args["policy"], args["pruned"],
                                                  args["source_account_id"], args["verify"],
                                                  check_mode=bool(self._play_context.check_mode)))
            else:
                result.update(self._record(args, task_vars))
        except CrossAccountError as exc:
            return {**result, "failed": True, "msg": exc.msg}
        except OSError as exc:
            return {**result, "failed": True, "msg": f"{_ledger.PATH_OPTION}: {exc.strerror or exc}: {exc.filename or args['report_path']}"}
        return result

    def _host_vars(self, task_vars: t.Mapping[str, t.Any], host: str, names: t.Iterable[str]) -> t.Any:
        """The first of ``names`` that is set (not empty) among ``host``'s variables, or None."""
        hostvars = task_vars.get("hostvars")
        if hostvars is None or host not in hostvars:
            return None
        values = hostvars[host]
        for name in names:
            if name in values:
                value = values[name]
                if value not in (None, ""):
                    return _plain(value)
        return None

    def _registered(self, task_vars: t.Mapping[str, t.Any], host: str, names: t.Mapping[str, str]) -> dict[str, t.Any]:
        """A host's registered results by kind, each named ``VARIABLE`` or ``VARIABLE.KEY`` (a part of a result).

        Each variable is read once: reading another host's variable templates all of it, the costliest part of the step.
        """
        read: dict[str, t.Any] = {}
        found: dict[str, t.Any] = {}
        for kind, path in names.items():
            variable, _dot, key = path.partition(".")
            if variable not in read:
                read[variable] = self._host_vars(task_vars, host, [variable])
            value = read[variable]
            found[kind] = (value.get(key) if isinstance(value, dict) else None) if key else value
        return found

    def _accounts(self, task_vars: t.Mapping[str, t.Any], hosts: t.Iterable[str]) -> dict[str, dict[str, t.Any]]:
        return {host: {field: self._host_vars(task_vars, host, names) for field, names in _rollout.ACCOUNT_VARIABLES.items()}
                for host in hosts}

    def _plan(self, args: dict[str, t.Any], task_vars: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        request = dict(args, limit=task_vars.get("ansible_limit"))
        selection = list(dict.fromkeys([*args["selection"], *args["hosts"]]))
        ledger = _ledger.read(args["report_path"]) if args["report_path"] else _ledger.Ledger({}, {})
        extra = {key: task_vars.get(key) for key in _awx_variables()}
        return _rollout.plan(request, self._accounts(task_vars, selection), ledger, extra)

    def _record(self, args: dict[str, t.Any], task_vars: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        planned, opened = args["plan"], args["batch"]
        names = args["results"]
        results = {host: self._registered(task_vars, host, names) for host in planned["accounts"]}
        path = args["report_path"]
        ledger = _ledger.read(path) if path else _ledger.Ledger({}, {})
        recorded = _rollout.record(planned, opened, results, args, ledger)
        updates = {**recorded["rows"], **recorded["pending"]}
        selected = planned["selected_account_ids"]
        meta = {"role_name": args["role_name"], "role_path": args["role_path"], "policy_name": args["policy_name"],
                "policy_form": (opened.get("policy") or {}).get("form", "") if args["state"] == "present" else "", "state": args["state"]}
        changed: list[str] = []
        rows_changed = False
        if path:
            written = _ledger.write(path, meta, updates, selected, check_mode=bool(self._play_context.check_mode))
            rows, changed, rows_changed = written.rows, written.changed, written.rows_changed
        else:
            rows = _ledger.merge({}, updates)
        report = [_ledger.fact_row(value) for value in rows.values()]
        counts = _ledger.summary(report)
        retry, _unlisted = _ledger.retry_hosts(report)
        mine = _ledger.summary(recorded["rows"].values())
        line = (f"batch {planned['batch']}: {len(planned['accounts'])} accounts; this run so far: "
                + ", ".join(f"{mine[status]} {status}" for status in _ledger.STATUSES if mine[status]))
        if recorded["stops"] and recorded["pending"]:
            line += f"; the rollout stops here, {len(recorded['pending'])} accounts pending (see {_ledger.RETRY_FILE})"
        return {
            "changed": rows_changed,
            "report": report,
            "summary": counts,
            "retained": _ledger.retained(rows, selected),
            "retry": retry,
            "files": changed,
            "fail": recorded["fail"],
            "role_arns": {host: recorded["rows"][account["account_id"]]["role_arn"] for host, account in planned["accounts"].items()},
            "state": recorded["state"],
            "msg": line,
        }


def _awx_variables() -> list[str]:
    return [f"{prefix}_{name}" for prefix in ("awx", "tower")
            for name in ("job_launch_type", "workflow_job_id", "workflow_job_name", "job_template_name")]
