# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module trust_policy, and the trust helpers target_role shares.

Everything a user can get wrong is checked in ``validate_intent`` / ``request_from_options`` before the
first AWS call; documents are compared by meaning (``_policy.equivalent``) so a rerun writes nothing.
"""

from __future__ import annotations

import os
import re
import time
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam, _policy
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn, role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure

if t.TYPE_CHECKING:
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule

TRUST_BOOL_OPTIONS = ("require_mfa", "allow_session_tags", "allow_source_identity")
TRUST_INTENT_OPTIONS = ("trusted_account_ids", "trusted_principal_arns", "external_id") + TRUST_BOOL_OPTIONS

# A user or role created in another account a moment ago is not yet known to the IAM endpoint
# that stores the trust policy; AWS answers MalformedPolicyDocument "Invalid principal" until it
# propagates (usually seconds). The wait is bounded and option-free; tests shorten it with the
# environment variable, which is read on the host that runs the module.
PRINCIPAL_WAIT_ENV = "CROSSACCOUNT_AWS_PRINCIPAL_WAIT"
PRINCIPAL_WAIT_SECONDS = 30.0
_PRINCIPAL_WAIT_FIRST_DELAY = 1.0
_PRINCIPAL_WAIT_MAX_DELAY = 8.0

# Trust policies are limited to 2048 characters by default and 4096 after a quota increase.
TRUST_POLICY_SIZE_MAX = 4096

_ARN_IN_TEXT_RE = re.compile(r"arn:aws[a-z-]*:(?:iam|sts)::[0-9]{12}:[\x21-\x7e]+?(?=[\"',}\]\s]|$)")


@dataclass
class TrustIntent:
    """Validated statement-level trust options (principals as written, before partition checks)."""

    account_ids: list[str] = field(default_factory=list)
    principal_arns: list[str] = field(default_factory=list)
    external_id: str | None = None
    require_mfa: bool = False
    allow_session_tags: bool = False
    allow_source_identity: bool = False

    @property
    def has_principals(self) -> bool:
        return bool(self.account_ids or self.principal_arns)

    def principal_option(self) -> str:
        return "trusted_principal_arns" if self.principal_arns and not self.account_ids else "trusted_account_ids"


def validate_intent(options: OptionAdapter, check_conditions: bool = True) -> TrustIntent:
    """Statement-level trust options; conditions without a principal to apply them to are refused."""
    external_id = options.raw("external_id")
    intent = TrustIntent(
        account_ids=v.account_ids(options.raw("trusted_account_ids"), "trusted_account_ids"),
        principal_arns=list(dict.fromkeys(
            v.principal_arn(item, f"trusted_principal_arns[{index}]")
            for index, item in enumerate(_list(options.raw("trusted_principal_arns"), "trusted_principal_arns"))
        )),
        external_id=v.external_id(external_id, "external_id") if external_id is not None else None,
        require_mfa=bool(options.raw("require_mfa")),
        allow_session_tags=bool(options.raw("allow_session_tags")),
        allow_source_identity=bool(options.raw("allow_source_identity")),
    )
    if check_conditions and not intent.has_principals:
        for option in ("external_id",) + TRUST_BOOL_OPTIONS:
            if options.raw(option):
                raise ValidationFailure(option, "applies to the principals being trusted; give trusted_account_ids or trusted_principal_arns as well")
    return intent


def _list(value: t.Any, option: str) -> list[t.Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailure(option, f"must be a list, got {v.show(value)}")
    return value


def check_exclusive(options: OptionAdapter, document_option: str) -> None:
    """A whole document and statement-level intent cannot both be given (only true booleans conflict)."""
    if options.raw(document_option) is None:
        return
    for option in TRUST_INTENT_OPTIONS:
        value = options.raw(option)
        if value not in (None, False, []):
            raise ValidationFailure(document_option, f"is mutually exclusive with {option}; give a whole document or the trust options, not both")


def validate_document(value: t.Any, option: str) -> dict[str, t.Any]:
    """A whole trust policy: a policy document whose Allow statements name a Principal."""
    document = v.policy_document(value, option, max_size=TRUST_POLICY_SIZE_MAX)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    for index, statement in enumerate(statements):
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise ValidationFailure(option, f"Statement[{index}] must name a Principal; a trust policy says who may assume the role")
        if "Resource" in statement or "NotResource" in statement:
            raise ValidationFailure(option, f"Statement[{index}] must not have a Resource; trust policies apply to the role itself")
    return document


def check_partition(intent: TrustIntent, partition: str) -> None:
    for index, value in enumerate(intent.principal_arns):
        parsed = parse_arn(value)
        if parsed is not None and parsed.partition != partition:
            raise ValidationFailure(
                f"trusted_principal_arns[{index}]", f"must be in partition {partition} (the caller's), got {v.show(value)}"
            )


def principals(intent: TrustIntent) -> list[str]:
    """Account ids as given plus ARNs; _policy normalises ids to root ARNs of the partition."""
    return list(intent.account_ids) + list(intent.principal_arns)


def build_from_intent(intent: TrustIntent, partition: str) -> dict[str, t.Any]:
    return _policy.build_trust_policy(
        trusted_account_ids=intent.account_ids,
        trusted_principal_arns=intent.principal_arns,
        external_id=intent.external_id,
        require_mfa=intent.require_mfa,
        allow_session_tags=intent.allow_session_tags,
        allow_source_identity=intent.allow_source_identity,
        partition=partition,
    )


def merge_intent(current: t.Mapping[str, t.Any], intent: TrustIntent, partition: str) -> dict[str, t.Any]:
    return _policy.merge_trust(
        current,
        principals=principals(intent),
        external_id=intent.external_id,
        require_mfa=intent.require_mfa,
        allow_session_tags=intent.allow_session_tags,
        allow_source_identity=intent.allow_source_identity,
        partition=partition,
    )


def refuse_wildcard(document: t.Mapping[str, t.Any], option: str) -> None:
    """A document given by the user must not open the role to everyone.

    Only documents from options are refused: a wildcard already stored by someone else is warned
    about by lint(), since refusing would block every unrelated edit of that role.
    """
    if _policy.has_unconditioned_wildcard(document):
        raise ValidationFailure(
            option,
            'trusts Principal "*" without any condition, so any AWS principal in any account could assume the role; '
            "add a condition (for example aws:PrincipalOrgID or sts:ExternalId) or name the principals",
        )


def lint(module: CrossAccountModule, document: t.Mapping[str, t.Any], account_id: str) -> None:
    """Lint findings (foreign account without external id or MFA, stored wildcards) become warnings."""
    for finding in _policy.lint_trust(document, own_account_id=account_id):
        module.warn(finding["message"])


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


# --- module trust_policy ---


@dataclass
class TrustPolicyRequest:
    """Validated options of module trust_policy."""

    role_name: str
    state: str
    document: dict[str, t.Any] | None
    intent: TrustIntent
    remove_dangling: bool


def request_from_options(options: OptionAdapter) -> TrustPolicyRequest:
    """Every option checked, no AWS call; raises ValidationFailure naming the option."""
    role_name = v.iam_name(options.raw("role_name"), "role_name", "role")
    state = options.raw("state") or "present"
    check_exclusive(options, "policy")
    document = None
    if options.raw("policy") is not None:
        if state == "absent":
            raise ValidationFailure("policy", "cannot be combined with state=absent; name the principals to remove instead")
        document = validate_document(options.raw("policy"), "policy")
        refuse_wildcard(document, "policy")
    # Conditions say how principals are trusted, so they mean nothing when principals are removed.
    intent = validate_intent(options, check_conditions=state == "present")
    return TrustPolicyRequest(role_name, state, document, intent, bool(options.raw("remove_dangling")))


def desired_document(p: TrustPolicyRequest, current: dict[str, t.Any], dangling: list[str], partition: str) -> dict[str, t.Any]:
    if p.document is not None:
        new = p.document
    elif p.state == "present" and p.intent.has_principals:
        new = merge_intent(current, p.intent, partition)
    elif p.state == "absent" and p.intent.has_principals:
        new = _policy.remove_trust_principals(current, principals(p.intent), partition=partition)
        if not new.get("Statement"):
            raise ValidationFailure(
                p.intent.principal_option(),
                f"removing {', '.join(principals(p.intent))} would leave role {p.role_name} with an empty trust policy, which IAM "
                "does not accept; trust another principal first or delete the role with crossaccount.aws.target_role",
            )
    else:
        new = current
    if p.remove_dangling and dangling:
        cleaned = _policy.remove_dangling_principals(new)
        if not cleaned.get("Statement"):
            raise ValidationFailure(
                "remove_dangling",
                f"every principal of role {p.role_name}'s trust policy is a deleted principal; removing them would leave an empty "
                "trust policy; give the principals to trust (trusted_account_ids/trusted_principal_arns) as well",
            )
        new = cleaned
    return new


def handle(module: CrossAccountModule) -> dict[str, t.Any]:
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
    check_partition(p.intent, partition)
    if role is None:
        raise CrossAccountError(
            f"role_name: role {p.role_name} does not exist in account {identity['account']}; create it with crossaccount.aws.target_role"
        )
    current = _policy.load(role["AssumeRolePolicyDocument"])
    dangling = _policy.find_dangling_principals(current)
    if dangling:
        module.warn(dangling_warning(p.role_name, dangling))

    new = desired_document(p, current, dangling, partition)
    lint(module, new, identity["account"])

    changed = not _policy.equivalent(current, new)
    stored = current
    if changed and not module.check_mode:
        option = "policy" if p.document is not None else "trusted_principal_arns"
        write_with_principal_wait(lambda: _iam.update_assume_role_policy(iam, p.role_name, new), new, option)
        reread = _iam.get_role(iam, p.role_name)
        stored = _policy.load(reread["AssumeRolePolicyDocument"]) if reread else new
    elif changed:
        stored = new

    result: dict[str, t.Any] = {
        "changed": changed,
        "trust_policy": stored,
        "dangling_principals": dangling,
        "role_arn": role.get("Arn") or role_arn(identity["account"], p.role_name, role.get("Path", "/"), partition),
    }
    if module.diff_mode:
        result["diff"] = {"before": current, "after": stored}
    return result
