# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module target_role.

The flow is: validate every option (no AWS call) -> read the role -> partition and account (from
the role's ARN, or sts:GetCallerIdentity when there is no role yet) -> resolve managed policy names
by computed ARN -> compare attribute by attribute -> write only what differs, one API per attribute.
Every step is safe to repeat, so a rerun after a partial failure converges, and a rerun with nothing
to do makes no write call and only three reads (GetRole, ListAttachedRolePolicies, ListRolePolicies,
plus GetRolePolicy per inline policy).
"""

from __future__ import annotations

import copy
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam, _org_guardrails, _policy, _trust
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import aws_managed_policy_arn, parse_arn, policy_arn, role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_SPEC
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import TrustIntent
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_lint import LintOptions, lint_options

if t.TYPE_CHECKING:
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import ConnectionSettings, OptionAdapter
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

ARGSPEC = CONNECTION_SPEC.merge(
    ArgumentSpec({
        "name": {"type": "str", "required": True},
        "path": {"type": "str", "default": "/"},
        "description": {"type": "str"},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "trust_policy": {"type": "json"},
        "managed_policies": {"type": "list", "elements": "str"},
        "inline_policies": {"type": "dict"},
        "purge_policies": {"type": "bool", "default": True},
        "max_session_duration": {"type": "int"},
        "permissions_boundary": {"type": "str"},
        "tags": {"type": "dict"},
        "purge_tags": {"type": "bool", "default": True},
    }),
    _trust.trust_spec("trust_policy"),
    _org_guardrails.ORGANIZATION_SPEC,
)

# Attributes in the order they are reported in the diff.
DIFF_KEYS = (
    "name", "path", "description", "trust_policy", "managed_policies", "inline_policies",
    "max_session_duration", "permissions_boundary", "tags",
)


@dataclass
class TargetRoleRequest:
    """Validated options of module target_role."""

    name: str
    path: str
    state: str
    description: str | None
    trust_document: dict[str, t.Any] | None
    intent: TrustIntent
    managed: list[str] | None  # names or ARNs as validated, resolved later
    inline: dict[str, dict[str, t.Any]] | None
    purge_policies: bool
    max_session_duration: int | None
    boundary: str | None  # "" removes
    tags: dict[str, str] | None
    purge_tags: bool
    lint: LintOptions = field(default_factory=LintOptions)
    organization: ConnectionSettings | None = None  # organization_aws: the guardrail lint

    @property
    def trust_option(self) -> str:
        return "trust_policy" if self.trust_document is not None else self.intent.principal_option()

    @property
    def has_trust(self) -> bool:
        return self.trust_document is not None or self.intent.has_principals


def request_from_options(options: OptionAdapter) -> TargetRoleRequest:
    """Every option checked, no AWS call: a typo costs nothing and never leaves a half-applied change."""
    name = v.iam_name(options.raw("name"), "name", "role")
    path = v.iam_path(options.raw("path") or "/", "path")
    state = options.raw("state") or "present"
    _trust.check_exclusive(options, "trust_policy")
    trust_document = None
    if options.raw("trust_policy") is not None:
        trust_document = v.trust_document(options.raw("trust_policy"), "trust_policy")
    intent = _trust.intent_from_options(options)
    managed = v.managed_policy_refs(options.raw("managed_policies"), "managed_policies") if options.raw("managed_policies") is not None else None
    duration = options.raw("max_session_duration")
    boundary = options.raw("permissions_boundary")
    if boundary:
        boundary = v.policy_arn(boundary, "permissions_boundary")
    tags = v.tags(options.raw("tags"), "tags") if options.raw("tags") is not None else None
    return TargetRoleRequest(
        name=name,
        path=path,
        state=state,
        description=v.role_description(options.raw("description"), "description") if options.raw("description") is not None else None,
        trust_document=trust_document,
        intent=intent,
        managed=managed,
        inline=v.inline_policies(options.raw("inline_policies"), "inline_policies") if options.raw("inline_policies") is not None else None,
        purge_policies=options.raw("purge_policies") is not False,
        max_session_duration=v_session.max_session_duration(duration, "max_session_duration") if duration is not None else None,
        boundary=boundary,
        tags=tags,
        purge_tags=options.raw("purge_tags") is not False,
        lint=lint_options(options),
        organization=_org_guardrails.organization_settings(options),
    )


def _check_arn_partitions(p: TargetRoleRequest, partition: str, account: str) -> None:
    _trust.check_partition(p.intent, partition, account)
    for index, ref in enumerate(p.managed or []):
        parsed = parse_arn(ref)
        if parsed is not None and parsed.partition != partition:
            raise ValidationFailure(f"managed_policies[{index}]", f"must be in partition {partition} (the caller's), got {v.show(ref)}")
    if p.boundary:
        parsed = parse_arn(p.boundary)
        if parsed is not None and parsed.partition != partition:
            raise ValidationFailure("permissions_boundary", f"must be in partition {partition} (the caller's), got {v.show(p.boundary)}")


# --- reading ---


def _role_dict(role: t.Mapping[str, t.Any], managed: list[str], inline: dict[str, t.Any], tags: dict[str, str]) -> dict[str, t.Any]:
    boundary = role.get("PermissionsBoundary") or {}
    created = role.get("CreateDate")
    isoformat = getattr(created, "isoformat", None)
    return {
        "arn": role.get("Arn"),
        "name": role.get("RoleName"),
        "role_id": role.get("RoleId"),
        "path": role.get("Path", "/"),
        "description": role.get("Description"),
        "trust_policy": _policy.load(role["AssumeRolePolicyDocument"]) if role.get("AssumeRolePolicyDocument") else None,
        "managed_policies": sorted(managed),
        "inline_policies": inline,
        "max_session_duration": int(role["MaxSessionDuration"]) if role.get("MaxSessionDuration") is not None else None,
        "permissions_boundary": boundary.get("PermissionsBoundaryArn"),
        "tags": tags,
        "create_date": isoformat() if callable(isoformat) else created,
    }


def read_role(iam: t.Any, name: str) -> dict[str, t.Any] | None:
    """The role with everything target_role manages, or None when it does not exist."""
    role = _iam.get_role(iam, name)
    if role is None:
        return None
    managed = _iam.list_attached_role_policies(iam, name)
    inline = {}
    for policy_name in _iam.list_role_policies(iam, name):
        document = _iam.get_role_policy(iam, name, policy_name)
        if document is not None:  # deleted between list and get: not there any more
            inline[policy_name] = _policy.load(document)
    # GetRole answers with every tag of the role (a role holds at most 50, and GetRole does not page
    # them), and leaves the key out when there are none: iam:ListRoleTags would only repeat them.
    tags = {tag["Key"]: tag["Value"] for tag in role.get("Tags") or []}
    return _role_dict(role, managed, inline, tags)


def _partition_and_account(role: t.Mapping[str, t.Any]) -> tuple[str, str] | None:
    """(partition, account) from the ARN of a role that was read; None when the ARN cannot tell."""
    parsed = parse_arn(role.get("arn") or "")
    if parsed is None or not parsed.partition or not parsed.account:
        return None
    return parsed.partition, parsed.account


def resolve_managed(iam: t.Any, refs: list[str], account: str, partition: str, attached: t.Iterable[str] = ()) -> list[str]:
    """Names -> ARNs by computed ARN (AWS managed first, then the account's own), never by listing.

    ``attached`` are the ARNs already attached to the role. Such a policy exists (IAM refuses to delete
    a customer managed policy while it is attached, and AWS managed policies are never deleted), so it
    needs no iam:GetPolicy. The candidates are still tried in order: when a bare name is attached as the
    account's own policy, GetPolicy on the AWS managed ARN of that name is still made, because an AWS
    managed policy of the same name takes precedence and would replace the attached one.
    """
    known = set(attached)
    arns = []
    for index, ref in enumerate(refs):
        option = f"managed_policies[{index}]"
        if ref.startswith("arn:"):
            candidates = [ref]
        else:
            path, _sep, bare = ref.rpartition("/")
            candidates = [aws_managed_policy_arn(ref, partition), policy_arn(account, bare, f"/{path}/" if path else "/", partition)]
        # Lazy on purpose: stop at the first candidate that exists, and never read a later one.
        found = next((arn for arn in candidates if arn in known or _iam.get_policy(iam, arn) is not None), None)
        if found is None:
            raise ValidationFailure(option, f"managed policy {ref!r} does not exist (looked for {' and '.join(candidates)})")
        arns.append(found)
    return list(dict.fromkeys(arns))


# --- planning ---


def _desired(p: TargetRoleRequest, current: dict[str, t.Any] | None, trust: dict[str, t.Any] | None,
             managed_arns: list[str] | None, account: str, partition: str) -> dict[str, t.Any]:
    """The role as it should be after the run: unspecified attributes keep their current value."""
    base = copy.deepcopy(current) if current else {
        "arn": role_arn(account, p.name, p.path, partition),
        "name": p.name,
        "role_id": None,
        "path": p.path,
        "description": None,
        "trust_policy": None,
        "managed_policies": [],
        "inline_policies": {},
        "max_session_duration": 3600,
        "permissions_boundary": None,
        "tags": {},
        "create_date": None,
    }
    if p.description is not None:
        base["description"] = p.description
    if trust is not None and not _policy.equivalent(base["trust_policy"], trust, partition):
        base["trust_policy"] = trust
    if managed_arns is not None:
        kept = [arn for arn in base["managed_policies"] if arn in managed_arns or not p.purge_policies]
        base["managed_policies"] = sorted(set(kept) | set(managed_arns))
    if p.inline is not None:
        inline = {} if p.purge_policies else dict(base["inline_policies"])
        for name, document in p.inline.items():
            stored = base["inline_policies"].get(name)
            inline[name] = stored if stored is not None and _policy.equivalent(stored, document) else document
        base["inline_policies"] = inline
    if p.max_session_duration is not None:
        base["max_session_duration"] = p.max_session_duration
    if p.boundary is not None:
        base["permissions_boundary"] = p.boundary or None
    if p.tags is not None:
        # IAM role tag keys are case-insensitive (case preserved): a wanted key replaces a kept one that
        # differs only in case, or IAM would refuse the pair.
        wanted = {key.lower() for key in p.tags}
        tags = {} if p.purge_tags else {key: value for key, value in base["tags"].items() if key.lower() not in wanted}
        tags.update(p.tags)
        base["tags"] = tags
    return base


def _diff_view(role: dict[str, t.Any] | None) -> dict[str, t.Any]:
    if not role:
        return {}
    return {key: copy.deepcopy(role.get(key)) for key in DIFF_KEYS}


# --- writing ---


def _create(iam: t.Any, p: TargetRoleRequest, want: dict[str, t.Any]) -> dict[str, t.Any] | None:
    """CreateRole with everything it accepts; returns the re-read role when it already existed."""

    def call() -> t.Any:
        return _iam.create_role(
            iam, p.name, p.path, want["trust_policy"], description=p.description,
            max_session_duration=p.max_session_duration, permissions_boundary=p.boundary or None, tags=p.tags or None,
        )

    try:
        _trust.write_with_principal_wait(call, want["trust_policy"], p.trust_option)
    except CrossAccountError as exc:
        if exc.code != "EntityAlreadyExists":
            raise
        # botocore retried a CreateRole whose first attempt was applied but answered with a 5xx
        # (or another run created it meanwhile): the role is there, so reconcile it like any other.
        existing = read_role(iam, p.name)
        if existing is None:
            raise
        return existing
    return None


def _update(iam: t.Any, p: TargetRoleRequest, have: dict[str, t.Any], want: dict[str, t.Any], partition: str) -> bool:
    """Write each attribute that differs with the API of that attribute only; True when anything was written."""
    name = p.name
    changed = False
    if not _policy.equivalent(have["trust_policy"], want["trust_policy"], partition):
        _trust.write_with_principal_wait(lambda: _iam.update_assume_role_policy(iam, name, want["trust_policy"]), want["trust_policy"], p.trust_option)
        changed = True
    if not _same("description", have, want) or not _same("max_session_duration", have, want):
        # Both values are always sent: UpdateRole implementations differ on whether an omitted
        # field is kept or reset to its default, and sending the wanted value is right either way.
        _iam.update_role(iam, name, description=want["description"], max_session_duration=want["max_session_duration"])
        changed = True
    if want["permissions_boundary"] != have["permissions_boundary"]:
        if want["permissions_boundary"]:
            _iam.put_role_permissions_boundary(iam, name, want["permissions_boundary"])
        else:
            _iam.delete_role_permissions_boundary(iam, name)
        changed = True
    for arn in want["managed_policies"]:
        if arn not in have["managed_policies"]:
            _iam.attach_role_policy(iam, name, arn)
            changed = True
    for arn in have["managed_policies"]:
        if arn not in want["managed_policies"]:
            _iam.detach_role_policy(iam, name, arn)
            changed = True
    for policy_name, document in want["inline_policies"].items():
        stored = have["inline_policies"].get(policy_name)
        if stored is None or not _policy.equivalent(stored, document):
            _iam.put_role_policy(iam, name, policy_name, document)
            changed = True
    for policy_name in have["inline_policies"]:
        if policy_name not in want["inline_policies"]:
            _iam.delete_role_policy(iam, name, policy_name)
            changed = True
    # Untag before tagging: with case-insensitive keys, untagging "Team" after tagging "team" would
    # remove the new tag.
    removed = [key for key in have["tags"] if key not in want["tags"]]
    if removed:
        _iam.untag_role(iam, name, removed)
        changed = True
    added = {key: value for key, value in want["tags"].items() if have["tags"].get(key) != value}
    if added:
        _iam.tag_role(iam, name, added)
        changed = True
    return changed


def _same(key: str, have: t.Mapping[str, t.Any], want: t.Mapping[str, t.Any]) -> bool:
    if key == "description":
        # IAM does not distinguish an empty description from none.
        return (have[key] or "") == (want[key] or "")
    if key == "max_session_duration":
        return int(have[key] or 3600) == int(want[key] or 3600)
    return bool(have[key] == want[key])


def _needs_update(have: dict[str, t.Any], want: dict[str, t.Any], partition: str) -> bool:
    for key in DIFF_KEYS:
        if key == "trust_policy":
            if not _policy.equivalent(have[key], want[key], partition):
                return True
        elif key == "inline_policies":
            if set(have[key]) != set(want[key]) or any(not _policy.equivalent(have[key][n], want[key][n]) for n in want[key]):
                return True
        elif not _same(key, have, want):
            return True
    return False


def _delete(iam: t.Any, name: str) -> None:
    """Everything that blocks DeleteRole, then the role; each step tolerates "already gone"."""
    for profile in _iam.list_instance_profiles_for_role(iam, name):
        _iam.remove_role_from_instance_profile(iam, name, profile)
    for arn in _iam.list_attached_role_policies(iam, name):
        _iam.detach_role_policy(iam, name, arn)
    for policy_name in _iam.list_role_policies(iam, name):
        _iam.delete_role_policy(iam, name, policy_name)
    _iam.delete_role(iam, name)


# --- module ---


def _check_path(p: TargetRoleRequest, role: t.Mapping[str, t.Any]) -> None:
    # Failing (rather than warning) is deliberate: a different path means a different ARN, and
    # every trust and source policy naming the role would silently point at the wrong one.
    if role["path"] != p.path:
        raise ValidationFailure(
            "path",
            f"role {p.name} exists with path {role['path']!r}, not {p.path!r}; IAM cannot move a role to another path: "
            "delete it (state=absent) and create it again, or use its current path",
        )


def handle(module: ModuleContext) -> dict[str, t.Any]:
    p = request_from_options(module.options)
    conn = module.connection()
    iam = conn.iam
    # GetRole comes first: the ARN of an existing role names its account and partition (the caller's,
    # since IAM is per account), so sts:GetCallerIdentity is needed only when there is no role yet.
    current = read_role(iam, p.name)
    where = _partition_and_account(current) if current is not None else None
    if where is None:
        identity = conn.identity()
        where = identity["partition"], identity["account"]
    partition, account = where
    _check_arn_partitions(p, partition, account)

    if p.state == "absent":
        result: dict[str, t.Any] = {"changed": current is not None, "role": {}, "findings": []}
        if current is not None and not module.check_mode:
            _delete(iam, p.name)
        if module.diff_mode:
            result["diff"] = {"before": _diff_view(current), "after": {}}
        return result

    if current is not None:
        _check_path(p, current)
    if current is None and not p.has_trust:
        raise ValidationFailure(
            "trusted_account_ids",
            f"role {p.name} does not exist and creating it needs a trust policy: give trusted_account_ids, "
            "trusted_principal_arns, trusted_org_id, trusted_org_paths, trusted_principal_patterns, trusted_services, trusted_oidc "
            "or trust_policy",
        )
    trust = None
    if p.trust_document is not None:
        trust = p.trust_document
    elif p.intent.has_principals:
        trust = _trust.build_from_intent(p.intent, partition, account)
    # Reads only: an unknown policy name or boundary fails here, before any write.
    attached = current["managed_policies"] if current is not None else []
    managed_arns = resolve_managed(iam, p.managed, account, partition, attached) if p.managed is not None else None
    if p.boundary and (current is None or current["permissions_boundary"] != p.boundary) and _iam.get_policy(iam, p.boundary) is None:
        raise ValidationFailure("permissions_boundary", f"managed policy {p.boundary} does not exist")

    want = _desired(p, current, trust, managed_arns, account, partition)
    changed = current is None or _needs_update(current, want, partition)
    # The trust-size quota matters only when the trust policy itself is written.
    trust_write = current is None or not _policy.equivalent(current["trust_policy"], want["trust_policy"], partition)
    findings = _trust.lint(module, p.lint, want["trust_policy"], account=account, partition=partition, write_due=trust_write, iam=iam,
                           organization=_org_guardrails.connection_of(p.organization), role_arn=want["arn"])

    role = want
    if changed and not module.check_mode:
        if current is not None:
            have = current
        else:
            existing = _create(iam, p, want)
            if existing is None:
                # The role now has trust, description, duration, boundary and tags from CreateRole.
                have = copy.deepcopy(want)
                have["managed_policies"] = []
                have["inline_policies"] = {}
            else:
                # It already existed: what the user left unset must keep the stored value, as on any update.
                have = existing
                _check_path(p, have)
                want = _desired(p, have, trust, managed_arns, account, partition)
        _update(iam, p, have, want, partition)
        role = read_role(iam, p.name) or want

    result = {"changed": changed, "role": role, "findings": findings}
    if module.diff_mode:
        result["diff"] = {"before": _diff_view(current), "after": _diff_view(role)}
    return result
