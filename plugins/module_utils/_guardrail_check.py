# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module guardrail_check (the SCP/RCP pre-flight of a rollout).

Read-only, with the connection of the management account or a delegated administrator: for each target account,
would the service control policies of the source principals' accounts let them call ``sts:AssumeRole`` (and
TagSession / SetSourceIdentity when asked for) on the role, and would the resource control policies of the
target account let it be assumed? An account is ``blocked`` only when a policy certainly denies; statements that
deny only for values this check cannot know (the source IP, a principal tag, ...) are listed as ``uncertain``.

The reads are shared by every account (``_organization_reader``): from eight accounts on the organization is read
top down, so the cost grows with the number of OUs and policies, not with the number of accounts.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.crossaccount.aws.plugins.module_utils import _guardrails
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_organizations as v_org
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import role_arn, root_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_SPEC
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from ansible_collections.crossaccount.aws.plugins.module_utils._org_guardrails import evaluate_request, uncertain_sentence
from ansible_collections.crossaccount.aws.plugins.module_utils._organization_reader import OrganizationReader, readable, reader_for
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import trust_actions

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

ARGSPEC = CONNECTION_SPEC.merge(ArgumentSpec({
    "source_principals": {"type": "list", "elements": "str", "required": True},
    "account_ids": {"type": "list", "elements": "str", "required": True},
    "role_name": {"type": "str", "required": True},
    "role_path": {"type": "str", "default": "/"},
    "external_id": {"type": "str"},
    "allow_session_tags": {"type": "bool", "default": False},
    "allow_source_identity": {"type": "bool", "default": False},
    "fail_on_blocked": {"type": "bool", "default": False},
}))


@dataclass(frozen=True)
class GuardrailCheckRequest:
    """Validated options of module guardrail_check."""

    source_principals: tuple[str, ...]
    account_ids: tuple[str, ...]
    role_name: str
    role_path: str = "/"
    external_id: str | None = None
    allow_session_tags: bool = False
    allow_source_identity: bool = False
    fail_on_blocked: bool = False

    @property
    def actions(self) -> list[str]:
        return trust_actions(self.allow_session_tags, self.allow_source_identity)


def request_from_options(options: OptionAdapter) -> GuardrailCheckRequest:
    """Every option checked, no AWS call."""
    accounts = v.account_ids(options.get("account_ids"), "account_ids")
    external_id = options.get("external_id")
    return GuardrailCheckRequest(
        source_principals=tuple(v_org.source_principals(options.get("source_principals"), "source_principals")),
        account_ids=tuple(accounts),
        role_name=v.iam_name(options.get("role_name"), "role_name", "role"),
        role_path=v.iam_path(options.get("role_path", "/"), "role_path"),
        external_id=v_session.external_id(external_id, "external_id") if external_id is not None else None,
        allow_session_tags=bool(options.get("allow_session_tags", False)),
        allow_source_identity=bool(options.get("allow_source_identity", False)),
        fail_on_blocked=bool(options.get("fail_on_blocked", False)),
    )


def _request_keys(request: GuardrailCheckRequest) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """(known, absent, present-with-unknown-value) keys of the AssumeRole calls the rollout will make."""
    known: dict[str, list[str]] = {}
    absent = []
    if request.external_id is not None:
        known["sts:ExternalId"] = [request.external_id]
    else:
        absent.append("sts:ExternalId")
    if not request.allow_session_tags:
        absent.extend(("aws:RequestTag/", "aws:TagKeys"))
    if not request.allow_source_identity:
        absent.append("sts:SourceIdentity")
    return known, absent, ["sts:RoleSessionName"]


def _principal(value: str, partition: str) -> str:
    return root_arn(value, partition) if value.isdigit() else value


def check_account(reader: OrganizationReader, request: GuardrailCheckRequest, account_id: str) -> dict[str, t.Any]:
    """One row: the first source principal a guardrail blocks on this account's role, or allowed."""
    arn = role_arn(account_id, request.role_name, request.role_path, reader.partition)
    known, absent, present = _request_keys(request)
    uncertain: list[tuple[_guardrails.Denial, _guardrails.Probe]] = []
    for value in request.source_principals:
        principal = _principal(value, reader.partition)
        verdict = evaluate_request(reader, principal, arn, request.actions, known, absent, present)
        uncertain.extend(verdict.uncertain)
        if verdict.denial is not None:
            who = principal if not principal.endswith(":root") else f"principals of account {principal.split(':')[4]}"
            return {"account_id": account_id, "role_arn": arn, "status": "blocked", "blocked_by": verdict.denial.as_dict(),
                    "reason": verdict.denial.sentence(who), "uncertain": []}
    return {"account_id": account_id, "role_arn": arn, "status": "allowed", "blocked_by": None, "reason": None,
            "uncertain": [uncertain_sentence([item]) for item in uncertain]}


def preflight(reader: OrganizationReader, request: GuardrailCheckRequest) -> list[dict[str, t.Any]]:
    """A row per account, in the order given."""
    accounts = list(request.account_ids)
    # The source principals' accounts need their SCP levels too: read them with the rest.
    sources = [p if p.isdigit() else p.split(":")[4] for p in request.source_principals]
    reader.prefetch(list(dict.fromkeys(accounts + sources)))
    return [check_account(reader, request, account) for account in accounts]


def handle(module: ModuleContext) -> dict[str, t.Any]:
    request = request_from_options(module.options)
    reader = reader_for(module.connection())
    try:
        rows = preflight(reader, request)
    except CrossAccountError as exc:
        raise readable(exc) from None
    blocked = [row["account_id"] for row in rows if row["status"] == "blocked"]
    result: dict[str, t.Any] = {
        "changed": False,
        "accounts": rows,
        "blocked": blocked,
        "allowed": [row["account_id"] for row in rows if row["status"] == "allowed"],
        "organization_calls": reader.calls,
    }
    if blocked and request.fail_on_blocked:
        shown = ", ".join(blocked[:10]) + (f" and {len(blocked) - 10} more" if len(blocked) > 10 else "")
        first = next(row for row in rows if row["status"] == "blocked")
        raise CrossAccountError(f"guardrails block {len(blocked)} of {len(rows)} accounts ({shown}): {first['reason']}", **result)
    return result
