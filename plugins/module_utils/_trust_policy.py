# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module trust_policy (who may assume an existing role).

Every option is checked in ``request_from_options`` before the first AWS call (the trust options by
``_trust``, shared with target_role); documents are compared by meaning (``_policy.equivalent``), so a
rerun writes nothing.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam, _org_guardrails, _policy, _policy_merge, _trust
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn, role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_SPEC
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import TrustIntent
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_lint import LintOptions, lint_options

if t.TYPE_CHECKING:
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import ConnectionSettings, OptionAdapter
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

ARGSPEC = CONNECTION_SPEC.merge(
    ArgumentSpec({
        "role_name": {"type": "str", "required": True},
        "policy": {"type": "json"},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "remove_dangling": {"type": "bool", "default": False},
    }),
    _trust.trust_spec("policy"),
    _org_guardrails.ORGANIZATION_SPEC,
)


@dataclass
class TrustPolicyRequest:
    """Validated options of module trust_policy."""

    role_name: str
    state: str
    document: dict[str, t.Any] | None
    intent: TrustIntent
    remove_dangling: bool
    lint: LintOptions = field(default_factory=LintOptions)
    organization: ConnectionSettings | None = None  # organization_aws: the guardrail lint


def request_from_options(options: OptionAdapter) -> TrustPolicyRequest:
    """Every option checked, no AWS call; raises ValidationFailure naming the option."""
    role_name = v.iam_name(options.raw("role_name"), "role_name", "role")
    state = options.raw("state") or "present"
    _trust.check_exclusive(options, "policy")
    document = None
    if options.raw("policy") is not None:
        if state == "absent":
            raise ValidationFailure("policy", "cannot be combined with state=absent; name the principals to remove instead")
        document = v.trust_document(options.raw("policy"), "policy")
    # Conditions say how principals are trusted, so they mean nothing when principals are removed.
    intent = _trust.intent_from_options(options, check_conditions=state == "present")
    return TrustPolicyRequest(role_name, state, document, intent, bool(options.raw("remove_dangling")), lint_options(options),
                              _org_guardrails.organization_settings(options))


def desired_document(p: TrustPolicyRequest, current: dict[str, t.Any], dangling: list[str], partition: str, account: str) -> dict[str, t.Any]:
    if p.document is not None:
        new = p.document
    elif p.state == "present" and p.intent.has_principals:
        new = _trust.merge_intent(current, p.intent, partition, account)
    elif p.state == "absent" and p.intent.has_principals:
        new = _policy_merge.remove_intents(current, p.intent.resolve(partition, account), partition)
        if not new.get("Statement"):
            raise ValidationFailure(
                p.intent.principal_option(),
                f"removing {p.intent.describe()} would leave role {p.role_name} with an empty trust policy, which IAM "
                "does not accept; trust another principal first or delete the role with crossaccount.aws.target_role",
            )
    else:
        new = current
    if p.remove_dangling and dangling:
        cleaned = _policy_merge.remove_dangling_principals(new)
        if not cleaned.get("Statement"):
            raise ValidationFailure(
                "remove_dangling",
                f"every principal of role {p.role_name}'s trust policy is a deleted principal; removing them would leave an empty "
                "trust policy; give the principals to trust (trusted_account_ids/trusted_principal_arns) as well",
            )
        new = cleaned
    return new


def handle(module: ModuleContext) -> dict[str, t.Any]:
    p = request_from_options(module.options)
    conn = module.connection()
    iam = conn.iam

    role = _iam.get_role(iam, p.role_name)
    # The role's ARN names the caller's account and partition (IAM is per account), which saves an
    # sts:GetCallerIdentity on every run that finds the role. Without a role (or with an ARN that cannot
    # tell) the identity is read, and the partition check still comes before the "does not exist" error.
    parsed = parse_arn(role.get("Arn") or "") if role is not None else None
    identity = {"partition": parsed.partition, "account": parsed.account} if parsed and parsed.account else conn.identity()
    partition = identity["partition"]
    _trust.check_partition(p.intent, partition, identity["account"])
    if role is None:
        raise CrossAccountError(
            f"role_name: role {p.role_name} does not exist in account {identity['account']}; create it with crossaccount.aws.target_role"
        )
    current = _policy.load(role["AssumeRolePolicyDocument"])
    dangling = _policy.find_dangling_principals(current)
    if dangling:
        module.warn(_trust.dangling_warning(p.role_name, dangling))

    new = desired_document(p, current, dangling, partition, identity["account"])
    changed = not _policy.equivalent(current, new)
    arn = role.get("Arn") or role_arn(identity["account"], p.role_name, role.get("Path", "/"), partition)
    findings = _trust.lint(module, p.lint, new, account=identity["account"], partition=partition, write_due=changed, iam=iam,
                           organization=_org_guardrails.connection_of(p.organization), role_arn=arn)

    stored = current
    if changed and not module.check_mode:
        option = "policy" if p.document is not None else "trusted_principal_arns"
        _trust.write_with_principal_wait(lambda: _iam.update_assume_role_policy(iam, p.role_name, new), new, option)
        reread = _iam.get_role(iam, p.role_name)
        stored = _policy.load(reread["AssumeRolePolicyDocument"]) if reread else new
    elif changed:
        stored = new

    result: dict[str, t.Any] = {
        "changed": changed,
        "trust_policy": stored,
        "dangling_principals": dangling,
        "findings": findings,
        "role_arn": arn,
    }
    if module.diff_mode:
        result["diff"] = {"before": current, "after": stored}
    return result
