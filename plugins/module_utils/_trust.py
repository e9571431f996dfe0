# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the trust side that target_role and trust_policy share.

The trust options (one ArgumentSpec, documented by the ``crossaccount.aws.trust_intents`` doc fragment),
their validation into the one model ``_policy_build.TrustIntent`` (before any AWS call), the checks of a
whole trust document given instead, the lint of the document a role will have (before any write), and the
trust-policy write that rides out IAM's propagation of a principal created a moment ago.

Adding a trust option touches TrustIntent (and its statement in ``_policy_build``), ``trust_spec`` with
``intent_from_options`` here, and the doc fragment.
"""

from __future__ import annotations

import os
import re
import time
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam, _org_guardrails, _policy, _policy_build, _policy_lint, _policy_merge
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_organizations as v_org
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_trust as v_trust
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import PARTITION_PATTERN, parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import TrustIntent

if t.TYPE_CHECKING:
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection, OptionAdapter
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

TRUST_BOOL_OPTIONS = ("require_mfa", "allow_session_tags", "allow_source_identity")
# Options whose conditions only AWS principals can meet (a service or an OIDC token never sends them).
_AWS_PRINCIPAL_OPTIONS = ("trusted_account_ids", "trusted_principal_arns", "trusted_org_id", "trusted_org_paths", "trusted_principal_patterns")

# Every statement-level trust option (TrustIntent's fields, as options).
_INTENT_ARGSPEC: dict[str, dict[str, t.Any]] = {
    "trusted_account_ids": {"type": "list", "elements": "str"},
    "trusted_principal_arns": {"type": "list", "elements": "str"},
    "external_id": {"type": "str"},
    "require_mfa": {"type": "bool", "default": False},
    "allow_session_tags": {"type": "bool", "default": False},
    "allow_source_identity": {"type": "bool", "default": False},
    "trusted_org_id": {"type": "str"},
    "trusted_org_paths": {"type": "list", "elements": "str"},
    "trusted_principal_patterns": {"type": "list", "elements": "str"},
    "trusted_services": {"type": "list", "elements": "str"},
    "source_account": {"type": "str"},
    "source_arn": {"type": "str"},
    "trusted_oidc": {"type": "dict", "options": {
        "provider": {"type": "str", "required": True},
        "audience": {"type": "raw"},
        "subjects": {"type": "list", "elements": "str"},
    }},
}
TRUST_INTENT_OPTIONS = tuple(_INTENT_ARGSPEC)
# A whole document excludes every intent option. ansible-core checks the ones that have no default; a
# boolean has one (false), and an explicit false next to a document is harmless, so check_exclusive()
# refuses only a true one.
_EXCLUSIVE_BY_ARGSPEC = tuple(name for name, option in _INTENT_ARGSPEC.items() if "default" not in option)


def trust_spec(document_option: str) -> ArgumentSpec:
    """The trust options and the lint options, with ``document_option`` (a whole document) exclusive with the trust options."""
    intent = ArgumentSpec(_INTENT_ARGSPEC, mutually_exclusive=tuple((document_option, name) for name in _EXCLUSIVE_BY_ARGSPEC))
    return intent.merge(_policy_lint.LINT_SPEC)


# A user or role created in another account a moment ago is not yet known to the IAM endpoint
# that stores the trust policy; AWS answers MalformedPolicyDocument "Invalid principal" until it
# propagates (usually seconds). The wait is bounded and option-free; tests shorten it with the
# environment variable, which is read on the host that runs the module.
PRINCIPAL_WAIT_ENV = "CROSSACCOUNT_AWS_PRINCIPAL_WAIT"
PRINCIPAL_WAIT_SECONDS = 30.0
_PRINCIPAL_WAIT_FIRST_DELAY = 1.0
_PRINCIPAL_WAIT_MAX_DELAY = 8.0

_ARN_IN_TEXT_RE = re.compile(rf"arn:(?:{PARTITION_PATTERN}):(?:iam|sts)::[0-9]{{12}}:[\x21-\x7e]+?(?=[\"',}}\]\s]|$)")


# --------------------------------------------------------------------------------------------
# Options -> TrustIntent (no AWS call)
# --------------------------------------------------------------------------------------------

def intent_from_options(options: OptionAdapter, check_conditions: bool = True) -> TrustIntent:
    """Statement-level trust options; conditions without a principal to apply them to are refused.

    ``check_conditions`` is False for state=absent, where conditions mean nothing (principals are
    removed whatever their conditions) and OIDC needs only its provider.
    """
    external_id = options.raw("external_id")
    org_id = v_org.organization_id(options.raw("trusted_org_id"), "trusted_org_id") if options.raw("trusted_org_id") is not None else None
    oidc_provider, audiences, subjects = v_trust.trusted_oidc(options.raw("trusted_oidc"), "trusted_oidc", present=check_conditions)
    source_account = options.raw("source_account")
    source_arn = options.raw("source_arn")
    intent = TrustIntent(
        account_ids=tuple(v.account_ids(options.raw("trusted_account_ids"), "trusted_account_ids")),
        principal_arns=tuple(v.principal_arns(options.raw("trusted_principal_arns"), "trusted_principal_arns")),
        external_id=v_session.external_id(external_id, "external_id") if external_id is not None else None,
        require_mfa=bool(options.raw("require_mfa")),
        allow_session_tags=bool(options.raw("allow_session_tags")),
        allow_source_identity=bool(options.raw("allow_source_identity")),
        org_id=org_id,
        org_paths=tuple(v_org.organization_paths(options.raw("trusted_org_paths"), "trusted_org_paths", org_id)),
        principal_patterns=tuple(v_trust.principal_patterns(options.raw("trusted_principal_patterns"), "trusted_principal_patterns")),
        services=tuple(v_trust.service_principals(options.raw("trusted_services"), "trusted_services")),
        source_account=v.account_id(source_account, "source_account") if source_account is not None else None,
        source_arn=v_trust.source_arn(source_arn, "source_arn") if source_arn is not None else None,
        oidc_provider=oidc_provider,
        oidc_audiences=audiences,
        oidc_subjects=subjects,
    )
    for option in ("source_account", "source_arn"):
        if options.raw(option) is not None and not intent.services:
            raise ValidationFailure(option, "applies to trusted_services (the confused-deputy guard of a service principal); give trusted_services as well")
    if check_conditions and not intent.has_principals:
        for option in ("external_id",) + TRUST_BOOL_OPTIONS:
            if options.raw(option):
                raise ValidationFailure(option, "applies to the principals being trusted; give trusted_account_ids or trusted_principal_arns as well")
    if check_conditions and intent.has_principals and not any(options.raw(o) for o in _AWS_PRINCIPAL_OPTIONS):
        for option in ("external_id", "require_mfa"):
            if options.raw(option):
                raise ValidationFailure(
                    option, "applies to AWS principals (trusted_account_ids, trusted_principal_arns, trusted_org_id, trusted_org_paths, "
                    "trusted_principal_patterns); a service or an OIDC token never sends it, so the role could not be assumed")
    return intent


def check_exclusive(options: OptionAdapter, document_option: str) -> None:
    """A whole document and statement-level intent cannot both be given (only true booleans conflict)."""
    if options.raw(document_option) is None:
        return
    for option in TRUST_INTENT_OPTIONS:
        value = options.raw(option)
        if value not in (None, False, []):
            raise ValidationFailure(document_option, f"is mutually exclusive with {option}; give a whole document or the trust options, not both")


def check_partition(intent: TrustIntent, partition: str, account: str | None = None) -> None:
    """ARNs of the intent must be in the caller's partition; an OIDC provider ARN in the role's account."""
    for option, values in (("trusted_principal_arns", intent.principal_arns), ("trusted_principal_patterns", intent.principal_patterns),
                           ("source_arn", [intent.source_arn] if intent.source_arn else [])):
        for index, value in enumerate(values):
            name = option if option == "source_arn" else f"{option}[{index}]"
            if not value.startswith(f"arn:{partition}:"):
                raise ValidationFailure(name, f"must be in partition {partition} (the caller's), got {v.show(value)}")
    provider = intent.oidc_provider
    if provider and provider.startswith("arn:"):
        parsed = parse_arn(provider)
        if parsed is not None and (parsed.partition != partition or (account and parsed.account != account)):
            raise ValidationFailure(
                "trusted_oidc.provider", f"must be a provider of the role's account {account} in partition {partition} "
                f"(AssumeRoleWithWebIdentity looks the provider up there), got {v.show(provider)}")


# --------------------------------------------------------------------------------------------
# The document a role will have: built, linted, written
# --------------------------------------------------------------------------------------------

def build_from_intent(intent: TrustIntent, partition: str, account: str) -> dict[str, t.Any]:
    return _policy_build.build_trust(intent.resolve(partition, account), partition)


def merge_intent(current: t.Mapping[str, t.Any], intent: TrustIntent, partition: str, account: str) -> dict[str, t.Any]:
    return _policy_merge.merge_intents(current, intent.resolve(partition, account), partition)


def lint(module: ModuleContext, lint_opts: _policy_lint.LintOptions, document: t.Mapping[str, t.Any] | None, *, account: str, partition: str,
         write_due: bool, iam: t.Any, what: str = "trust policy", organization: AwsConnection | None = None,
         role_arn: str | None = None) -> list[dict[str, t.Any]]:
    """Findings about the document the role will have, before any write.

    The size quota is read (iam:GetAccountSummary) only when a write is due, so a rerun that changes
    nothing makes no extra call. With ``organization`` (organization_aws) the RCPs of the role's account are
    read and evaluated against every path the document trusts (``guardrail_denies``). ``error`` fails here,
    naming the findings; ``warn`` turns every finding into a warning.
    """
    if lint_opts.mode == "off" or not document:
        return []
    findings = _policy_lint.lint_trust(document, own_account_id=account, known_account_ids=lint_opts.known_account_ids, partition=partition)
    if write_due:
        quota = _iam.get_account_summary(iam).get("AssumeRolePolicySizeQuota")
        findings.extend(_policy_lint.lint_size(document, int(quota) if quota is not None else None, what))
    if organization is not None and role_arn:
        findings.extend(_org_guardrails.lint_findings(organization, document, role_arn))
    errors = _policy_lint.error_findings(findings)
    if lint_opts.mode == "error" and errors:
        named = "; ".join(f"{f['code']}" + (f" (statement {f['statement']})" if f["statement"] is not None else "") + f": {f['message']}"
                          for f in errors)
        raise CrossAccountError(f"lint: the {what} has {len(errors)} error finding(s), nothing was written: {named}", findings=findings)
    if lint_opts.mode == "warn":
        for finding in findings:
            module.warn(f"lint {finding['severity']} {finding['code']}: {finding['message']}")
    return findings


def principal_wait_seconds() -> float:
    raw = os.environ.get(PRINCIPAL_WAIT_ENV)
    if raw is None or not raw.strip():
        return PRINCIPAL_WAIT_SECONDS
    try:
        return max(0.0, float(raw))
    except ValueError:
        return PRINCIPAL_WAIT_SECONDS


def _unknown_principals(exc: CrossAccountError, document: t.Mapping[str, t.Any]) -> list[str]:
    named = _ARN_IN_TEXT_RE.findall(exc.msg)
    if named:
        return list(dict.fromkeys(named))
    # Only user and role ARNs can be unknown; account roots and services always resolve.
    found = []
    for principal in _policy.trust_principals(document):
        parsed = parse_arn(principal)
        if parsed is not None and parsed.resource_type in ("user", "role", "assumed-role"):
            found.append(principal)
    return found


def write_with_principal_wait(call: t.Callable[[], t.Any], document: t.Mapping[str, t.Any], option: str) -> t.Any:
    """Run a CreateRole/UpdateAssumeRolePolicy call, riding out "Invalid principal" for a bounded time."""
    budget = principal_wait_seconds()
    deadline = time.monotonic() + budget
    delay = _PRINCIPAL_WAIT_FIRST_DELAY
    while True:
        try:
            return call()
        except CrossAccountError as exc:
            if exc.code != "MalformedPolicyDocument" or "invalid principal" not in exc.msg.lower():
                raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                unknown = _unknown_principals(exc, document)
                who = ", ".join(unknown) if unknown else "a principal of the trust policy"
                raise CrossAccountError(
                    f"{exc.msg} (IAM does not know {who}; waited {budget:g} s for it to propagate; "
                    f"check {option}: the user or role must exist)",
                    operation=exc.operation,
                    code=exc.code,
                ) from exc
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, _PRINCIPAL_WAIT_MAX_DELAY)


def dangling_warning(role_name: str, dangling: list[str]) -> str:
    return (
        f"the trust policy of role {role_name} names {', '.join(dangling)}: AWS put these unique ids in place of users "
        "or roles that were deleted, and they can never match again; remove them with remove_dangling=true"
    )
