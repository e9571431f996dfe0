# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: why sts:AssumeRole was denied (the diagnosis of verify_access).

A denied sts:AssumeRole says nothing about why. When it happens, verify_access gathers the facts
the credentials at hand can read -- the role and its trust policy (with ``target_aws``, or with
the caller's own credentials when the role is in the caller's account) and the caller's identity
policies -- and this file evaluates them with the collection's policy engine, so the failure names the
side that denied and the condition that failed.
"""

from __future__ import annotations

import datetime
import typing as t
from dataclasses import dataclass

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam, _policy, _policy_eval, _sts_request
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn, role_arn_from_assumed_role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection

# A role younger than this may not have reached every IAM/STS endpoint yet (AWS documents
# "usually seconds, sometimes minutes"); beyond it, propagation is no longer a likely reason.
PROPAGATION_WINDOW = 300


class Report:
    """Checks and diagnosis sentences collected while verifying; turned into the module result."""

    def __init__(self) -> None:
        self.checks: list[dict[str, t.Any]] = []
        self.reasons: list[str] = []  # why it failed, most important first
        self.notes: list[str] = []  # facts that help but do not explain the failure
        self.identity: dict[str, str] | None = None

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append({"name": name, "ok": ok, "detail": detail})
        return ok

    @property
    def diagnosis(self) -> list[str]:
        return list(dict.fromkeys(self.reasons + self.notes))

    def fail(self, fallback: str, error: CrossAccountError | None = None) -> CrossAccountError:
        sentences = self.diagnosis
        main = sentences[0] if sentences else fallback
        msg = main if error is None or error.msg in main else f"{main} ({error.msg})"
        return CrossAccountError(
            msg,
            operation=error.operation if error else None,
            code=error.code if error else None,
            verified=False,
            identity=self.identity or {},
            checks=self.checks,
            diagnosis=sentences or [fallback],
        )


def public_identity(identity: t.Mapping[str, str]) -> dict[str, str]:
    return {"account": identity["account"], "arn": identity["arn"], "user_id": identity["user_id"]}


def role_name_of(role_arn: str) -> str:
    parsed = parse_arn(role_arn)
    return parsed.resource_name if parsed else role_arn


def role_account_of(role_arn: str) -> str:
    parsed = parse_arn(role_arn)
    return parsed.account if parsed else ""


def _caller_kind(caller_arn: str) -> tuple[str, str]:
    """("user" | "role" | "root" | "other", name) for a GetCallerIdentity ARN."""
    parsed = parse_arn(caller_arn)
    if parsed is None:
        return "other", ""
    if parsed.service == "iam" and parsed.resource_type == "user":
        return "user", parsed.resource_name
    if parsed.service == "iam" and parsed.resource == "root":
        return "root", ""
    role = role_arn_from_assumed_role_arn(caller_arn)
    if role:
        return "role", role_name_of(role)
    return "other", ""


def request_context(request: _sts_request.AssumeRoleRequest, caller_arn: str) -> dict[str, t.Any]:
    """The condition keys the AssumeRole request carries, as IAM would see them."""
    ctx: dict[str, t.Any] = {"sts:RoleSessionName": request.session_name}
    if request.external_id is not None:
        ctx["sts:ExternalId"] = request.external_id
    if request.mfa_serial is not None:
        ctx["aws:MultiFactorAuthPresent"] = "true"
    elif _caller_kind(caller_arn)[0] == "role":
        # Temporary credentials always carry the key; without MFA in this request assume the session had none.
        ctx["aws:MultiFactorAuthPresent"] = "false"
    if request.source_identity is not None:
        ctx["sts:SourceIdentity"] = request.source_identity
    for tag in request.session_tags:
        ctx[f"aws:RequestTag/{tag['Key']}"] = tag["Value"]
    if request.session_tags:
        ctx["aws:TagKeys"] = [tag["Key"] for tag in request.session_tags]
    return ctx


def _actions(request: _sts_request.AssumeRoleRequest) -> list[str]:
    actions = [_policy.ASSUME_ROLE]
    if request.session_tags or request.transitive_tag_keys:
        actions.append(_policy.TAG_SESSION)
    if request.source_identity is not None:
        actions.append(_policy.SET_SOURCE_IDENTITY)
    return actions


def caller_policies(conn: AwsConnection, caller_arn: str) -> dict[str, t.Any] | None:
    """The caller's identity policies by name (managed ARN, or user/group/role inline name); None for root."""
    kind, name = _caller_kind(caller_arn)
    client = conn.iam
    docs: dict[str, t.Any] = {}

    def managed(arns: t.Iterable[str]) -> None:
        for arn in arns:
            found = _iam.get_policy(client, arn)
            if found is None:
                continue
            version = _iam.get_policy_version(client, arn, found["DefaultVersionId"])
            if version is not None:
                docs[arn] = version["Document"]

    if kind == "user":
        managed(_iam.list_attached_user_policies(client, name))
        for policy_name in _iam.list_user_policies(client, name):
            docs[f"user inline policy {policy_name}"] = _iam.get_user_policy(client, name, policy_name)
        for group in _iam.list_groups_for_user(client, name):
            managed(_iam.list_attached_group_policies(client, group))
            for policy_name in _iam.list_group_policies(client, group):
                docs[f"group {group} inline policy {policy_name}"] = _iam.get_group_policy(client, group, policy_name)
    elif kind == "role":
        managed(_iam.list_attached_role_policies(client, name))
        for policy_name in _iam.list_role_policies(client, name):
            docs[f"role inline policy {policy_name}"] = _iam.get_role_policy(client, name, policy_name)
    elif kind == "root":
        return None
    else:
        raise CrossAccountError(f"cannot read the identity policies of {caller_arn}")
    return {key: value for key, value in docs.items() if value is not None}


@dataclass
class RoleFacts:
    role: dict[str, t.Any] | None = None
    missing: bool = False
    unreadable: str | None = None  # why the role could not be read


def read_role(role_arn: str, caller_account: str, source: AwsConnection, target: AwsConnection | None, report: Report) -> RoleFacts:
    """GetRole with whichever credentials can read the role's account."""
    account = role_account_of(role_arn)
    name = role_name_of(role_arn)
    reader = target
    if reader is None and account == caller_account:
        reader = source
    if reader is None:
        return RoleFacts(unreadable=f"pass target_aws (credentials of account {account} that may call iam:GetRole) to check the role and its trust policy")
    try:
        reader_account = reader.account_id
    except CrossAccountError as exc:
        report.check("target_identity", False, exc.msg)
        return RoleFacts(unreadable=f"target_aws does not work, so the role was not read: {exc.msg}")
    if reader_account != account:
        return RoleFacts(unreadable=f"target_aws is account {reader_account}, but role {name} is in account {account}, so the role was not read")
    try:
        role = _iam.get_role(reader.iam, name)
    except CrossAccountError as exc:
        report.check("read_role", False, exc.msg)
        return RoleFacts(unreadable=f"role {name} could not be read: {exc.msg}")
    if role is None:
        report.check("read_role", False, f"iam:GetRole: role {name} does not exist in account {account}")
        return RoleFacts(missing=True)
    report.check("read_role", True, f"role {role['Arn']} exists")
    return RoleFacts(role=role)


def _trust_sentences(decision: _policy_eval.TrustDecision, request: _sts_request.AssumeRoleRequest, name: str, principal: str,
                     caller_account: str) -> list[str]:
    if decision.allowed:
        return []
    if not decision.matched_principal:
        return [f"the trust policy of role {name} does not name account {caller_account} or principal {principal}; "
                f"trust one of them (crossaccount.aws.trust_policy) to let this caller assume the role"]
    if not decision.failed_conditions:
        return [f"the trust policy of role {name} denies the caller: {decision.reason}"]
    sentences = []
    for failure in decision.failed_conditions:
        low = failure.lower()
        if "sts:externalid" in low:
            if request.external_id is None:
                sentences.append(f"the trust policy of role {name} requires an external id (sts:ExternalId) and none was given; set external_id")
            else:
                sentences.append(f"the external id given does not match the sts:ExternalId that the trust policy of role {name} requires")
        elif "aws:multifactorauth" in low:
            sentences.append(f"the trust policy of role {name} requires MFA (aws:MultiFactorAuthPresent); "
                             "set mfa_serial_number and mfa_token, or use credentials of an MFA-authenticated session")
        else:
            sentences.append(f"the trust policy of role {name} admits the caller only under a condition that does not hold: {failure}")
    return sentences


def _identity_sentences(decision: _policy_eval.Decision, action: str, role_arn: str) -> list[str]:
    if decision.allowed:
        return []
    if decision.effect == "deny":
        return [f"the caller's identity policies explicitly deny {action} on {role_arn}: {decision.reason}"]
    return [f"the caller's identity policies do not allow {action} on {role_arn}; "
            f"attach a policy granting it in the source account (crossaccount.aws.source_policy)"]


def _age_seconds(created: t.Any) -> float | None:
    if not isinstance(created, datetime.datetime):
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.UTC)
    return float((datetime.datetime.now(datetime.UTC) - created).total_seconds())


def diagnose_denied(source: AwsConnection, target: AwsConnection | None, request: _sts_request.AssumeRoleRequest, caller: t.Mapping[str, str],
                    report: Report, waited: float | None = None) -> bool:
    """Add reasons for an AccessDenied to ``report``; True when a definite (non-propagation) reason was found."""
    role_arn = request.role_arn
    name = role_name_of(role_arn)
    account = role_account_of(role_arn)
    caller_arn = caller["arn"]
    caller_account = caller["account"]
    principal = role_arn_from_assumed_role_arn(caller_arn) or caller_arn
    ctx = request_context(request, caller_arn)
    facts = read_role(role_arn, caller_account, source, target, report)
    if facts.missing:
        report.reasons.append(f"role {name} does not exist in account {account}; check role_arn or create the role (crossaccount.aws.target_role)")
        return True
    if facts.unreadable:
        report.notes.append(facts.unreadable)
    trust_names_caller_exactly = False
    if facts.role is not None:
        role = facts.role
        if role.get("Arn") and role["Arn"] != role_arn:
            report.reasons.append(f"role_arn {role_arn} does not match the role's ARN {role['Arn']} (check the path)")
        try:
            trust_doc = _policy.load(role.get("AssumeRolePolicyDocument") or {})
        except ValueError as exc:
            report.notes.append(f"the trust policy of role {name} could not be read: {exc}")
            trust_doc = None
        if trust_doc is not None:
            trust_names_caller_exactly = principal in _policy.trust_principals(trust_doc)
            for action in _actions(request):
                decision = _policy_eval.evaluate_trust(trust_doc, caller_arn=caller_arn, caller_account=caller_account, context=ctx, action=action)
                sentences = _trust_sentences(decision, request, name, principal, caller_account)
                if action != _policy.ASSUME_ROLE and sentences:
                    sentences = [f"{s} (for {action})" for s in sentences]
                report.check(f"trust_policy:{action}", decision.allowed, decision.reason)
                report.reasons.extend(sentences)
        max_duration = int(role.get("MaxSessionDuration") or 3600)
        if request.duration_seconds and request.duration_seconds > max_duration:
            report.reasons.append(_duration_sentence(request.duration_seconds, name, max_duration))
    # The caller's own policies matter across accounts, and in the same account unless the trust policy names the caller itself.
    if caller_account != account or not trust_names_caller_exactly:
        try:
            docs = caller_policies(source, caller_arn)
        except CrossAccountError as exc:
            report.notes.append(f"the caller cannot read its own identity policies ({exc.msg}), so whether they allow "
                                f"sts:AssumeRole on {role_arn} was not checked")
            docs = None
        if docs is not None:
            for action in _actions(request):
                allowed = _policy_eval.evaluate_identity_policies(docs, action, role_arn, ctx)
                report.check(f"identity_policy:{action}", allowed.allowed, allowed.reason)
                report.reasons.extend(_identity_sentences(allowed, action, role_arn))
    if report.reasons:
        return True
    age = _age_seconds(facts.role.get("CreateDate")) if facts.role is not None else None
    if age is not None and age < PROPAGATION_WINDOW:
        waited_text = f" after waiting {round(waited)} s" if waited is not None else ""
        report.notes.insert(0, f"role {name} was created {int(age)} s ago and its trust policy and the caller's policies allow the request: "
                               f"it is most likely still propagating through IAM; it was still denied{waited_text}, retry with a larger wait_timeout")
    elif facts.role is not None:
        report.notes.insert(0, f"the trust policy of role {name} and the caller's identity policies allow the request as far as this check "
                               "can tell; the denial comes from something it cannot see: a trust policy changed in the last minutes "
                               "(still propagating), a permissions boundary, a service control policy or a session policy of the caller")
    else:
        report.notes.insert(0, f"sts:AssumeRole on {role_arn} was denied and the caller's side does not explain it; "
                               "the role may be missing, may not trust the caller, or may still be propagating")
    return False


def _duration_sentence(duration: int, name: str, max_duration: int | None) -> str:
    limit = f" ({max_duration} s)" if max_duration else ""
    return (f"duration_seconds {duration} is above the MaxSessionDuration of role {name}{limit}; ask for less or raise the role's "
            "max_session_duration (crossaccount.aws.target_role)")


def diagnose_validation(error: CrossAccountError, source: AwsConnection, target: AwsConnection | None, request: _sts_request.AssumeRoleRequest,
                        caller: t.Mapping[str, str], report: Report) -> None:
    text = error.msg.lower()
    name = role_name_of(request.role_arn)
    if "chaining" in text or "1 hour" in text:
        report.reasons.append(f"duration_seconds {request.duration_seconds} is above the 1-hour cap for role chaining: the caller "
                              f"{caller['arn']} is itself an assumed-role session")
        return
    if "maxsessionduration" in text or "durationseconds" in text:
        facts = read_role(request.role_arn, caller["account"], source, target, report)
        max_duration = int(facts.role.get("MaxSessionDuration") or 3600) if facts.role else None
        report.reasons.append(_duration_sentence(int(request.duration_seconds or 3600), name, max_duration))
        return
    report.reasons.append(f"STS rejected the request: {error.msg}")
