# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module source_policy.

The source account's half of cross-account access: an identity policy that allows
``sts:AssumeRole`` (plus opted-in ``sts:TagSession`` / ``sts:SetSourceIdentity``) on exactly the
target role ARNs, either as a customer managed policy attached to principals or as an inline
policy put on them.

Every option is checked in ``request_from_options`` and every named principal is known to exist before
the first write (attached to the policy already, or read with GetUser/GetGroup/GetRole), so a typo
never leaves a half-applied change. Managed policies keep at most five versions
(the IAM quota) by pruning before the limit, and re-read state after writes so that a request
botocore retried after AWS had already applied it converges instead of failing.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam, _policy, _policy_build, _policy_lint
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_organizations as v_org
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn, policy_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_SPEC
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure

if t.TYPE_CHECKING:
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

ARGSPEC = CONNECTION_SPEC.merge(
    ArgumentSpec({
        "name": {"type": "str", "required": True},
        "path": {"type": "str", "default": "/"},
        "target_role_arns": {"type": "list", "elements": "str"},
        "type": {"type": "str", "choices": ["managed", "inline"], "default": "managed"},
        "users": {"type": "list", "elements": "str"},
        "groups": {"type": "list", "elements": "str"},
        "roles": {"type": "list", "elements": "str"},
        "purge_attachments": {"type": "bool", "default": False},
        "allow_session_tags": {"type": "bool", "default": False},
        "allow_source_identity": {"type": "bool", "default": False},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "target_organization_id": {"type": "str"},
        "target_role_name": {"type": "str"},
        "target_role_path": {"type": "str"},
    }),
    _policy_lint.LINT_SPEC,
)

KINDS = ("users", "groups", "roles")
# IAM's quota of versions per customer managed policy; it cannot be raised.
MAX_POLICY_VERSIONS = 5

_VERSION_NUMBER_RE = re.compile(r"v([0-9]+)")


@dataclass(frozen=True)
class PrincipalApi:
    """The IAM calls for one kind of principal, so users, groups and roles share one code path."""

    singular: str
    kind: str  # key of _validators.IAM_NAME_MAX
    name_key: str  # UserName / GroupName / RoleName in IAM answers
    get: t.Callable[..., t.Any]
    attach: t.Callable[..., t.Any]
    detach: t.Callable[..., t.Any]
    get_inline: t.Callable[..., t.Any]
    put_inline: t.Callable[..., t.Any]
    delete_inline: t.Callable[..., t.Any]


PRINCIPAL_APIS: dict[str, PrincipalApi] = {
    "users": PrincipalApi("user", "user", "UserName", _iam.get_user, _iam.attach_user_policy, _iam.detach_user_policy,
                          _iam.get_user_policy, _iam.put_user_policy, _iam.delete_user_policy),
    "groups": PrincipalApi("group", "group", "GroupName", _iam.get_group, _iam.attach_group_policy, _iam.detach_group_policy,
                           _iam.get_group_policy, _iam.put_group_policy, _iam.delete_group_policy),
    "roles": PrincipalApi("role", "role", "RoleName", _iam.get_role, _iam.attach_role_policy, _iam.detach_role_policy,
                          _iam.get_role_policy, _iam.put_role_policy, _iam.delete_role_policy),
}


@dataclass
class SourcePolicyRequest:
    """Validated options of module source_policy."""

    name: str
    path: str = "/"
    policy_type: str = "managed"
    state: str = "present"
    target_role_arns: list[str] = field(default_factory=list)
    principals: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    purge_attachments: bool = False
    allow_session_tags: bool = False
    allow_source_identity: bool = False
    document: dict[str, t.Any] | None = None
    organization_id: str | None = None
    target_role_name: str | None = None
    target_role_path: str = "/"
    lint: _policy_lint.LintOptions = field(default_factory=_policy_lint.LintOptions)

    @property
    def organization_form(self) -> bool:
        return self.organization_id is not None

    @property
    def managed(self) -> bool:
        return self.policy_type == "managed"

    @property
    def present(self) -> bool:
        return self.state == "present"

    @property
    def partition(self) -> str | None:
        if not self.target_role_arns:
            return None
        parsed = parse_arn(self.target_role_arns[0])
        return parsed.partition if parsed else None


def _fitting_arns(request: SourcePolicyRequest, limit: int) -> int:
    """How many of the role ARNs (in the order given) fit one policy of ``limit`` characters."""
    fitting = 0
    for count in range(1, len(request.target_role_arns) + 1):
        document = _policy_build.build_source_policy(request.target_role_arns[:count], request.allow_session_tags, request.allow_source_identity)
        if _policy.policy_size(document) > limit:
            break
        fitting = count
    return fitting


def _organization_options(options: OptionAdapter, request: SourcePolicyRequest) -> None:
    org = options.raw("target_organization_id")
    name = options.raw("target_role_name")
    path = options.raw("target_role_path")
    if org is None:
        for option, value in (("target_role_name", name), ("target_role_path", path)):
            if value is not None:
                raise ValidationFailure(option, "applies to target_organization_id (the organization form); give target_organization_id as well")
        return
    request.organization_id = v_org.organization_id(org, "target_organization_id")
    if request.target_role_arns:
        raise ValidationFailure(
            "target_organization_id",
            "is mutually exclusive with target_role_arns: grant either exact role ARNs or one role name in every account of the organization")
    if name is None:
        raise ValidationFailure("target_role_name", "is required with target_organization_id: the name of the role to assume in the organization's accounts")
    # An IAM name cannot hold '*', '?' or '$'; a path can, and in the policy's Resource they would be wildcards.
    request.target_role_name = v.iam_name(name, "target_role_name", "role")
    request.target_role_path = v.policy_resource_path("/" if path is None else path, "target_role_path")


def request_from_options(options: OptionAdapter) -> SourcePolicyRequest:
    """Check every option without calling AWS; raises ValidationFailure naming the option."""
    policy_type = v.choice(options.raw("type") or "managed", "type", ("managed", "inline"))
    state = v.choice(options.raw("state") or "present", "state", ("present", "absent"))
    request = SourcePolicyRequest(
        name=v.iam_name(options.raw("name"), "name", "policy"),
        path=v.iam_path("/" if options.raw("path") is None else options.raw("path"), "path"),
        policy_type=policy_type,
        state=state,
        target_role_arns=v.resource_role_arns(options.raw("target_role_arns"), "target_role_arns"),
        principals={kind: v.iam_names(options.raw(kind), kind, PRINCIPAL_APIS[kind].kind) for kind in KINDS},
        purge_attachments=bool(options.raw("purge_attachments")),
        allow_session_tags=bool(options.raw("allow_session_tags")),
        allow_source_identity=bool(options.raw("allow_source_identity")),
    )
    _organization_options(options, request)
    request.lint = _policy_lint.lint_options(options)
    has_principals = any(request.principals[kind] for kind in KINDS)
    if not request.managed:
        if request.path != "/":
            raise ValidationFailure("path", "applies only to type=managed; inline policies have no path")
        if request.purge_attachments:
            # IAM cannot list "every principal with an inline policy named X" without reading every
            # user, group and role of the account; removal is explicit instead.
            raise ValidationFailure(
                "purge_attachments", "applies only to type=managed; remove an inline policy with state=absent and the users, groups or roles to remove it from"
            )
        if not has_principals:
            purpose = "put the policy on" if request.present else "remove the policy from"
            raise ValidationFailure("users", f"type=inline needs at least one of users, groups or roles to {purpose}")
    if request.present and not request.organization_form:
        if not request.target_role_arns:
            raise ValidationFailure(
                "target_role_arns", "is required with state=present: the list of role ARNs the principals may assume "
                "(or target_organization_id with target_role_name)")
        document = _policy_build.build_source_policy(request.target_role_arns, request.allow_session_tags, request.allow_source_identity)
        if request.managed:
            limit, where = _policy.MANAGED_POLICY_SIZE_MAX, "a managed policy version"
        else:
            smallest = min((PRINCIPAL_APIS[kind].singular for kind in KINDS if request.principals[kind]), key=_policy.INLINE_POLICY_SIZE_MAX.__getitem__)
            limit, where = _policy.INLINE_POLICY_SIZE_MAX[smallest], f"the inline policies of one {smallest}"
        # IAM counts the JSON without whitespace, which is how _iam sends it.
        size = _policy.policy_size(document)
        if size > limit:
            fitting = _fitting_arns(request, limit)
            raise ValidationFailure(
                "target_role_arns", f"{len(request.target_role_arns)} role ARNs make a policy of {size} characters; {where} holds at most "
                f"{limit}, which fits the first {fitting} of these ARNs; for a role of the same name in every account of an "
                "organization use target_organization_id with target_role_name (one constant-size policy)"
            )
        request.document = document
    return request


def _empty_attachments() -> dict[str, list[str]]:
    return {kind: [] for kind in KINDS}


def _tidy(document: t.Any) -> t.Any:
    # The display form keeps the author's shape but sorts keys and lists, so diffs are stable.
    return json.loads(_policy.canonical_json(document)) if document else None


def _version_number(version_id: str) -> int:
    match = _VERSION_NUMBER_RE.fullmatch(version_id or "")
    return int(match.group(1)) if match else 0


def _age_key(version: t.Mapping[str, t.Any]) -> tuple[int, str]:
    # Version numbers only grow, so they order versions even when two share a CreateDate second.
    return (_version_number(version["VersionId"]), str(version.get("CreateDate", "")))


class SourcePolicy:
    """One run of module source_policy against one account."""

    def __init__(self, module: ModuleContext, request: SourcePolicyRequest) -> None:
        self.request = request
        self.check_mode = module.check_mode
        self.connection = module.connection()
        self.iam = self.connection.iam
        self.changed = False
        self.account = ""
        self.partition = "aws"
        self.findings: list[dict[str, t.Any]] = []

    # ---- preparation (reads only) ----------------------------------------------------------

    def prepare(self) -> None:
        identity = self.connection.identity()
        self.account = identity["account"]
        self.partition = identity["partition"]
        wanted = self.request.partition
        if wanted is not None and wanted != self.partition:
            raise ValidationFailure(
                "target_role_arns", f"role ARNs are in partition {wanted} but the caller's account {self.account} is in partition {self.partition}"
            )
        request = self.request
        if request.present and request.organization_form:
            # The role ARN pattern is written in the caller's partition, known only now.
            request.document = _policy_build.build_source_org_policy(
                t.cast(str, request.organization_id), t.cast(str, request.target_role_name), request.target_role_path, self.partition,
                request.allow_session_tags, request.allow_source_identity)
        if self.request.present and not self.request.managed:
            # A managed policy resolves its principals after reading its attachments (managed_present).
            self._resolve_principals(_empty_attachments())

    def _resolve_principals(self, attached: t.Mapping[str, list[str]]) -> None:
        """Every named user, group and role must exist before anything is written.

        A principal that ListEntitiesForPolicy reports as attached exists (its spelling there is IAM's),
        so only the others are read.
        """
        for kind in KINDS:
            api = PRINCIPAL_APIS[kind]
            known = {name.lower(): name for name in attached.get(kind, [])}
            resolved = []
            for name in self.request.principals[kind]:
                if name.lower() in known:
                    resolved.append(known[name.lower()])
                    continue
                found = api.get(self.iam, name)
                if found is None:
                    raise ValidationFailure(kind, f"IAM {api.singular} {name!r} does not exist in account {self.account}")
                # IAM answers with the name as created; attachments are reported in that spelling.
                resolved.append(found.get(api.name_key, name))
            self.request.principals[kind] = resolved

    # ---- managed policy --------------------------------------------------------------------

    @property
    def policy_arn(self) -> str:
        return policy_arn(self.account, self.request.name, self.request.path, self.partition)

    def _version_document(self, version: t.Mapping[str, t.Any]) -> t.Any:
        # ListPolicyVersions does not return documents on AWS; read the version when it is missing.
        if version.get("Document"):
            document = version["Document"]
            return json.loads(document) if isinstance(document, str) else document
        found = _iam.get_policy_version(self.iam, self.policy_arn, version["VersionId"])
        return found["Document"] if found else None

    def _default_document(self, policy: t.Mapping[str, t.Any]) -> t.Any:
        found = _iam.get_policy_version(self.iam, self.policy_arn, policy["DefaultVersionId"])
        return found["Document"] if found else None

    def _create_policy(self) -> dict[str, t.Any] | None:
        """CreatePolicy; None when the policy already existed (e.g. a retried request that had been applied)."""
        try:
            return _iam.create_policy(self.iam, self.request.name, self.request.path, self.request.document,
                                      description="Allows sts:AssumeRole on cross-account target roles (crossaccount.aws.source_policy)")
        except CrossAccountError as exc:
            if exc.code != "EntityAlreadyExists":
                raise
            if _iam.get_policy(self.iam, self.policy_arn) is None:
                raise CrossAccountError(
                    f"{exc.msg} (policy names are unique per account: is there a policy named {self.request.name!r} under another path?)",
                    operation=exc.operation, code=exc.code,
                ) from exc
            return None

    def _prune(self, versions: list[dict[str, t.Any]], room: int = 1) -> list[dict[str, t.Any]]:
        """Delete the oldest non-default versions until ``room`` more versions fit under the quota."""
        remaining = sorted(versions, key=_age_key)
        while len(remaining) + room > MAX_POLICY_VERSIONS:
            oldest = next((item for item in remaining if not item.get("IsDefaultVersion")), None)
            if oldest is None:
                break
            _iam.delete_policy_version(self.iam, self.policy_arn, oldest["VersionId"])
            remaining.remove(oldest)
        return remaining

    def _create_version(self, versions: list[dict[str, t.Any]]) -> str:
        """CreatePolicyVersion as the new default, converging after retried requests."""
        known = {item["VersionId"] for item in versions}
        created_id: str | None = None
        try:
            created_id = _iam.create_policy_version(self.iam, self.policy_arn, self.request.document, True)["VersionId"]
        except CrossAccountError as exc:
            # A request that AWS applied but answered with a 5xx is retried by botocore; when the
            # first attempt used the last free slot the retry gets LimitExceeded. Re-read to decide.
            if exc.code != "LimitExceeded":
                raise
            after = _iam.list_policy_versions(self.iam, self.policy_arn)
            default = next((item for item in after if item.get("IsDefaultVersion")), None)
            if default is not None and _policy.equivalent(self._version_document(default), self.request.document):
                created_id = default["VersionId"]
            else:
                # Someone else filled the slot in between: make room once more and try again.
                self._prune(after)
                created_id = _iam.create_policy_version(self.iam, self.policy_arn, self.request.document, True)["VersionId"]
        # A retried create may have left an identical, non-default twin of the new version: remove it so
        # retries never eat into the five-version quota.
        for item in _iam.list_policy_versions(self.iam, self.policy_arn):
            if item["VersionId"] not in known and item["VersionId"] != created_id and not item.get("IsDefaultVersion"):
                _iam.delete_policy_version(self.iam, self.policy_arn, item["VersionId"])
        return created_id

    def _converge_version(self, default_id: str) -> str:
        """Make a version with the wanted document the default; returns its (predicted) id."""
        versions = _iam.list_policy_versions(self.iam, self.policy_arn)
        # Reverting to an earlier target list reuses the version that already holds it.
        older = sorted((item for item in versions if item["VersionId"] != default_id and not item.get("IsDefaultVersion")), key=_age_key, reverse=True)
        for item in older:
            if _policy.equivalent(self._version_document(item), self.request.document):
                if not self.check_mode:
                    _iam.set_default_policy_version(self.iam, self.policy_arn, item["VersionId"])
                return str(item["VersionId"])
        if self.check_mode:
            highest = max((_version_number(item["VersionId"]) for item in versions), default=0)
            return f"v{highest + 1}"
        return self._create_version(self._prune(versions))

    def _attachments(self, current: dict[str, list[str]]) -> dict[str, list[str]]:
        """Attach to the listed principals; detach the others only with purge_attachments."""
        final: dict[str, list[str]] = {}
        for kind in KINDS:
            api = PRINCIPAL_APIS[kind]
            wanted = self.request.principals[kind]
            have = list(current.get(kind, []))
            have_lower = {name.lower() for name in have}
            wanted_lower = {name.lower() for name in wanted}
            for name in wanted:
                if name.lower() not in have_lower:
                    self.changed = True
                    if not self.check_mode:
                        api.attach(self.iam, name, self.policy_arn)
                    have.append(name)
            if self.request.purge_attachments:
                for name in [item for item in have if item.lower() not in wanted_lower]:
                    self.changed = True
                    if not self.check_mode:
                        api.detach(self.iam, name, self.policy_arn)
                    have.remove(name)
            final[kind] = sorted(have)
        return final

    def managed_present(self) -> tuple[dict[str, t.Any], dict[str, t.Any], dict[str, t.Any]]:
        policy = _iam.get_policy(self.iam, self.policy_arn)
        existed = policy is not None
        before_doc: t.Any = None
        before_attached = _empty_attachments()
        document: t.Any = self.request.document
        default_id = "v1"
        current: t.Any = None
        if policy is not None:
            # Reads only, before any write: the attachments also say which principals need no existence check.
            current = self._default_document(policy)
            before_attached = _iam.list_entities_for_policy(self.iam, self.policy_arn)
        self._resolve_principals(before_attached)
        if policy is None:
            self.changed = True
            if not self.check_mode:
                created = self._create_policy()
                if created is not None:
                    default_id = created.get("DefaultVersionId", "v1")
                else:
                    # Already there (a retried CreatePolicy that had been applied, or a concurrent run):
                    # converge it like an existing policy.
                    policy = _iam.get_policy(self.iam, self.policy_arn)
        if policy is not None:
            default_id = policy["DefaultVersionId"]
            if not existed:
                # Created meanwhile by someone else (or by a retried request): read it like an existing one.
                current = self._default_document(policy)
            else:
                before_doc = current
            if _policy.equivalent(current, self.request.document):
                document = current
            else:
                self.changed = True
                default_id = self._converge_version(default_id)
            if not existed:
                before_attached = _iam.list_entities_for_policy(self.iam, self.policy_arn)
        before_attached = {kind: sorted(before_attached[kind]) for kind in KINDS}
        attached = self._attachments(before_attached)
        result = {
            "arn": self.policy_arn,
            "name": self.request.name,
            "path": self.request.path,
            "type": "managed",
            "document": document,
            "default_version_id": default_id,
            "attached": attached,
        }
        before = {"arn": self.policy_arn, "document": _tidy(before_doc), "attached": before_attached} if existed else {}
        after = {"arn": self.policy_arn, "document": _tidy(document), "attached": attached}
        return result, before, after

    def managed_absent(self) -> tuple[dict[str, t.Any], dict[str, t.Any], dict[str, t.Any]]:
        policy = _iam.get_policy(self.iam, self.policy_arn)
        if policy is None:
            return {}, {}, {}
        self.changed = True
        before_doc = self._default_document(policy)
        entities = _iam.list_entities_for_policy(self.iam, self.policy_arn)
        if not self.check_mode:
            for kind in KINDS:
                for name in entities[kind]:
                    PRINCIPAL_APIS[kind].detach(self.iam, name, self.policy_arn)
            # DeletePolicy refuses while non-default versions exist; the default goes with the policy.
            for item in _iam.list_policy_versions(self.iam, self.policy_arn):
                if not item.get("IsDefaultVersion"):
                    _iam.delete_policy_version(self.iam, self.policy_arn, item["VersionId"])
            _iam.delete_policy(self.iam, self.policy_arn)
        before = {"arn": self.policy_arn, "document": _tidy(before_doc), "attached": {k: sorted(entities[k]) for k in KINDS}}
        return {}, before, {}

    # ---- inline policy ---------------------------------------------------------------------

    def _inline_documents(self) -> dict[str, dict[str, t.Any]]:
        found: dict[str, dict[str, t.Any]] = {}
        for kind in KINDS:
            api = PRINCIPAL_APIS[kind]
            found[kind] = {}
            for name in self.request.principals[kind]:
                # NoSuchEntity (no such policy, or with state=absent no such principal) reads as None.
                found[kind][name] = api.get_inline(self.iam, name, self.request.name)
        return found

    def inline_present(self) -> tuple[dict[str, t.Any], dict[str, t.Any], dict[str, t.Any]]:
        current = self._inline_documents()
        before: dict[str, t.Any] = {kind: {} for kind in KINDS}
        after: dict[str, t.Any] = {kind: {} for kind in KINDS}
        for kind in KINDS:
            api = PRINCIPAL_APIS[kind]
            for name, document in current[kind].items():
                if document is not None:
                    before[kind][name] = _tidy(document)
                after[kind][name] = _tidy(self.request.document)
                if not _policy.equivalent(document, self.request.document):
                    self.changed = True
                    if not self.check_mode:
                        api.put_inline(self.iam, name, self.request.name, self.request.document)
        result = {
            "name": self.request.name,
            "type": "inline",
            "document": self.request.document,
            "attached": {kind: sorted(current[kind]) for kind in KINDS},
        }
        return result, before, after

    def inline_absent(self) -> tuple[dict[str, t.Any], dict[str, t.Any], dict[str, t.Any]]:
        current = self._inline_documents()
        before: dict[str, t.Any] = {kind: {} for kind in KINDS}
        for kind in KINDS:
            api = PRINCIPAL_APIS[kind]
            for name, document in current[kind].items():
                if document is None:
                    continue
                before[kind][name] = _tidy(document)
                self.changed = True
                if not self.check_mode:
                    api.delete_inline(self.iam, name, self.request.name)
        return {}, before, {kind: {} for kind in KINDS}

    # ---- entry point -----------------------------------------------------------------------

    def lint(self) -> None:
        """Findings about the wanted document, before any write; ``error`` fails on an error finding."""
        request = self.request
        if request.lint.mode == "off" or request.document is None:
            return
        self.findings = _policy_lint.lint_source(request.document, request.lint.known_account_ids)
        errors = _policy_lint.error_findings(self.findings)
        if request.lint.mode == "error" and errors:
            named = "; ".join(f"{f['code']}: {f['message']}" for f in errors)
            raise CrossAccountError(f"lint: the source policy has {len(errors)} error finding(s), nothing was written: {named}", findings=self.findings)

    def run(self) -> tuple[dict[str, t.Any], dict[str, t.Any], dict[str, t.Any]]:
        self.prepare()
        self.lint()
        if self.request.managed:
            return self.managed_present() if self.request.present else self.managed_absent()
        return self.inline_present() if self.request.present else self.inline_absent()


def handle(module: ModuleContext) -> dict[str, t.Any]:
    """Module entry: validate, converge, report ``changed``, ``policy`` and (in diff mode) ``diff``."""
    request = request_from_options(module.options)
    runner = SourcePolicy(module, request)
    policy, before, after = runner.run()
    for finding in runner.findings if request.lint.mode == "warn" else []:
        module.warn(f"lint {finding['severity']} {finding['code']}: {finding['message']}")
    result: dict[str, t.Any] = {"changed": runner.changed, "policy": policy, "findings": runner.findings}
    if module.diff_mode:
        result["diff"] = {"before": before, "after": after}
    return result
