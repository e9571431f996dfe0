# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: organization guardrails (SCPs, RCPs) as the modules use them.

The option ``organization_aws`` (one ArgumentSpec, documented by the ``crossaccount.aws.organization`` doc
fragment) and what each module does with it: the verify_access diagnosis of a denied AssumeRole
(``explain_denial``), the ``guardrail_denies`` lint finding of target_role / trust_policy / trust_report
(``lint_findings``), trust_report's per-statement verdict (``statement_verdicts``) and the pre-flight of
guardrail_check (``preflight``). The reads are ``_organization_reader``'s, cached per connection; the
evaluation and the sentences are ``_guardrails``' (pure).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _guardrails, _policy
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC,
    AwsConnection,
    ConnectionSettings,
    OptionAdapter,
    normalize_connection_dict,
    settings_from,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._diagnosis import request_context
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from ansible_collections.crossaccount.aws.plugins.module_utils._organization_reader import OrganizationReader, readable, reader_for
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import trust_actions

OPTION = "organization_aws"
# Sub-options (not a plain dict) so Ansible masks secret_key/session_token on their own, as for target_aws.
ORGANIZATION_SPEC = ArgumentSpec({OPTION: {"type": "dict", "options": CONNECTION_ARGSPEC}})
GUARDRAIL_DENIES = "guardrail_denies"


def organization_settings(options: OptionAdapter) -> ConnectionSettings | None:
    """The validated ``organization_aws`` connection, or None when it is not given (no AWS call)."""
    raw = options.get(OPTION)
    if not raw:
        return None
    return settings_from(OptionAdapter.from_dict(normalize_connection_dict(raw, OPTION)), f"{OPTION}.")


def connection_of(settings: ConnectionSettings | None) -> AwsConnection | None:
    return AwsConnection(settings) if settings is not None else None


def _denial_of(levels: list[_guardrails.Level] | None, policy_type: str, probe: _guardrails.Probe) -> _guardrails.Verdict:
    return _guardrails.Verdict() if levels is None else _guardrails.evaluate(levels, policy_type, probe)


# ---------------------------------------------------------------------------------------------------------
# One request by a known principal (verify_access, the pre-flight)
# ---------------------------------------------------------------------------------------------------------


@dataclass
class RequestVerdict:
    """The guardrail verdict on one request of a known principal, for every action it needs."""

    denial: _guardrails.Denial | None = None
    probe: _guardrails.Probe | None = None
    uncertain: list[tuple[_guardrails.Denial, _guardrails.Probe]] = field(default_factory=list)


def evaluate_request(reader: OrganizationReader, caller_arn: str, role_arn: str, actions: t.Sequence[str],
                     request: t.Mapping[str, t.Any], request_absent: t.Iterable[str] = (),
                     request_present: t.Iterable[str] = ()) -> RequestVerdict:
    """SCPs of the caller's account and RCPs of the role's account on ``actions`` (sts:AssumeRole first).

    The caller's SCPs come first, as in AWS's evaluation; the first definite denial is the verdict.
    """
    caller = parse_arn(caller_arn)
    role = parse_arn(role_arn)
    caller_account = caller.account if caller is not None and caller.account.isdigit() else None
    role_account = role.account if role is not None else ""
    management = reader.management_account
    caller_place = reader.place(caller_account) if caller_account else None
    role_place = reader.place(role_account)
    # An account root stands for any principal of the account (the pre-flight's source accounts).
    principal = None if caller_arn.endswith(":root") else caller_arn
    caller_principal = _guardrails.principal_of(principal)[0] if principal else None
    check_scp = _guardrails.scp_applies(caller_account, caller_principal, management, bool(caller_place and caller_place.member))
    check_rcp = _guardrails.rcp_applies(role_account, role_arn, management, role_place.member)
    scp_levels = reader.levels(t.cast(str, caller_account), _guardrails.SCP) if check_scp else None
    rcp_levels = reader.levels(role_account, _guardrails.RCP) if check_rcp else None
    verdict = RequestVerdict()
    for action in actions:
        probe = _guardrails.iam_probe(
            action, role_arn, account=caller_account, principal_arn=principal, principal_place=caller_place,
            role_place=role_place, request=request, request_absent=request_absent, request_present=request_present,
            who=principal or f"principals of account {caller_account}")
        for levels, policy_type in ((scp_levels, _guardrails.SCP), (rcp_levels, _guardrails.RCP)):
            result = _denial_of(levels, policy_type, probe)
            verdict.uncertain.extend((denial, probe) for denial in result.uncertain)
            if result.denial is not None and verdict.denial is None:
                verdict.denial, verdict.probe = result.denial, probe
    return verdict


def _advice(denial: _guardrails.Denial) -> str:
    if not denial.explicit:
        return ""
    if denial.policy_type == _guardrails.SCP:
        return "; change or detach that policy, or move the caller's account out from under it"
    return "; change that policy (for example exempt these callers in its conditions) or detach it"


def uncertain_sentence(items: t.Sequence[tuple[_guardrails.Denial, _guardrails.Probe]]) -> str:
    """What may deny, and on which keys this check cannot see."""
    shown = []
    for denial, probe in items[:3]:
        where = f"{denial.policy.label} at {_guardrails.target_kind(denial.target_id)} {denial.target_id}" if denial.policy else (
            f"the {_guardrails.KIND_NAMES[denial.policy_type]}s at {_guardrails.target_kind(denial.target_id)} {denial.target_id}")
        shown.append(f"{where} (statement {denial.statement}, {_guardrails.key_states(denial, probe)})" if denial.statement else where)
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    return "; ".join(shown) + more


def explain_denial(message: str, caller_arn: str, role_arn: str, actions: t.Sequence[str], request: t.Mapping[str, t.Any],
                   request_absent: t.Iterable[str], organization: AwsConnection | None, report: t.Any) -> bool:
    """Diagnosis sentences for a denied sts:AssumeRole; True when a guardrail explains it.

    Without ``organization`` only AWS's message can tell (which kind of policy, and with a 2026 message its ARN);
    with it the policies on the caller's and the role's paths are read and evaluated, and the one that denies named.
    """
    hint = _guardrails.denial_from_message(message)
    hint_sentence = hint.sentence(caller_arn) if hint is not None else None
    if organization is None:
        if hint is None or hint_sentence is None:
            return False
        report.check(f"guardrail:{hint.policy_type}", False, hint_sentence)
        report.reasons.append(f"{hint_sentence} (AWS's error says so); pass {OPTION} (the management account or a delegated "
                              "administrator) to name the policy, where it is attached and the statement")
        return True
    try:
        reader = reader_for(organization)
        verdict = evaluate_request(reader, caller_arn, role_arn, actions, request, request_absent)
    except CrossAccountError as exc:
        report.notes.append(f"the organization's policies could not be read, so the guardrails were not evaluated: {readable(exc, OPTION).msg}")
        if hint_sentence is None:
            return False
        report.reasons.append(f"{hint_sentence} (AWS's error says so)")
        return True
    if verdict.denial is not None:
        denial = verdict.denial
        sentence = denial.sentence(caller_arn)
        if verdict.probe is not None and denial.keys:
            sentence += f" (its conditions hold: {_guardrails.key_states(denial, verdict.probe)})"
        report.check(f"guardrail:{denial.policy_type}", False, sentence)
        report.reasons.append(sentence + _advice(denial))
        return True
    if hint_sentence is not None:
        found = f"; these may: {uncertain_sentence(verdict.uncertain)}" if verdict.uncertain else ""
        report.reasons.append(f"{hint_sentence} (AWS's error says so), but none of the policies read with {OPTION} certainly "
                              f"denies it{found}")
        return True
    report.check("guardrails", True, "no service or resource control policy denies the request" + (
        f" for certain (these may: {uncertain_sentence(verdict.uncertain)})" if verdict.uncertain else ""))
    return False


# ---------------------------------------------------------------------------------------------------------
# The paths a trust policy opens (lint, trust_report)
# ---------------------------------------------------------------------------------------------------------


def _places(reader: OrganizationReader, document: t.Mapping[str, t.Any]) -> dict[str, _guardrails.Place]:
    return {account: reader.place(account) for account in _guardrails.trusted_accounts(document)}


def statement_denials(reader: OrganizationReader, document: t.Any, role_arn: str) -> dict[int, tuple[_guardrails.Denial, _guardrails.Probe]]:
    """Allow statement index -> the first RCP denial of a caller it admits (statements with none are left out)."""
    loaded = _policy.as_doc(document)
    parsed = parse_arn(role_arn)
    account = parsed.account if parsed is not None else ""
    role_place = reader.place(account)
    if not _guardrails.rcp_applies(account, role_arn, reader.management_account, role_place.member):
        return {}
    levels = reader.levels(account, _guardrails.RCP)
    if levels is None:
        return {}
    places = _places(reader, loaded)
    found: dict[int, tuple[_guardrails.Denial, _guardrails.Probe]] = {}
    for index, statement in enumerate(_policy.statements_of(loaded)):
        for probe in _guardrails.trust_probes(statement, role_arn, role_place, places):
            verdict = _guardrails.evaluate(levels, _guardrails.RCP, probe)
            if verdict.denial is not None:
                found[index] = (verdict.denial, probe)
                break
    return found


def finding_message(statement: t.Mapping[str, t.Any], index: int, denial: _guardrails.Denial, probe: _guardrails.Probe) -> str:
    states = f" ({_guardrails.key_states(denial, probe)})" if denial.keys else ""
    return (f"{_policy.statement_label(statement, index)} trusts {probe.who}, but {denial.sentence('them')}{states}: "
            "the role cannot be assumed that way; exempt these callers in the policy or drop the statement")


def lint_findings(organization: AwsConnection, document: t.Any, role_arn: str) -> list[dict[str, t.Any]]:
    """``guardrail_denies`` (error) for every statement whose callers an RCP of the role's account denies."""
    try:
        denials = statement_denials(reader_for(organization), document, role_arn)
    except CrossAccountError as exc:
        raise readable(exc, OPTION) from None
    statements = _policy.statements_of(_policy.as_doc(document))
    return [{"severity": "error", "code": GUARDRAIL_DENIES, "statement": index,
             "message": finding_message(statements[index], index, denial, probe)} for index, (denial, probe) in sorted(denials.items())]


def statement_verdicts(organization: AwsConnection, document: t.Any, role_arn: str) -> dict[int, dict[str, t.Any]]:
    """trust_report's ``guardrail`` per Allow statement: ``{status: allowed|denied, policy}`` (policy null when allowed)."""
    try:
        denials = statement_denials(reader_for(organization), document, role_arn)
    except CrossAccountError as exc:
        raise readable(exc, OPTION) from None
    verdicts: dict[int, dict[str, t.Any]] = {}
    for index, statement in enumerate(_policy.statements_of(_policy.as_doc(document))):
        if statement.get("Effect") != "Allow":
            continue
        if index in denials:
            denial, probe = denials[index]
            verdicts[index] = {"status": "denied", "policy": denial.as_dict(), "reason": finding_message(statement, index, denial, probe)}
        else:
            verdicts[index] = {"status": "allowed", "policy": None, "reason": None}
    return verdicts


def explain_assume_denial(message: str, request: t.Any, caller_arn: str, organization: AwsConnection | None, report: t.Any) -> bool:
    """explain_denial() for a denied sts:AssumeRole request (an ``_sts_request.AssumeRoleRequest``) of ``caller_arn``."""
    context = request_context(request, caller_arn)
    absent = [key for key, missing in (
        ("sts:ExternalId", request.external_id is None),
        ("sts:SourceIdentity", request.source_identity is None),
        ("aws:TagKeys", not request.session_tags),
        ("aws:RequestTag/", not request.session_tags),
        # Long-term keys without MFA carry no aws:MultiFactorAuthPresent; request_context() sets it otherwise.
        ("aws:MultiFactorAuthPresent", "aws:MultiFactorAuthPresent" not in context),
    ) if missing]
    actions = trust_actions(bool(request.session_tags or request.transitive_tag_keys), request.source_identity is not None)
    return explain_denial(message, caller_arn, request.role_arn, actions, context, absent, organization, report)
