# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module verify_access.

A denied sts:AssumeRole says nothing about why. When it happens, this module gathers the facts
the credentials at hand can read -- the role and its trust policy (with ``target_aws``, or with
the caller's own credentials when the role is in the caller's account) and the caller's identity
policies -- and evaluates them with the collection's policy engine, so the failure names the side
that denied and the condition that failed.
"""

from __future__ import annotations

import copy
import datetime
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam as iam
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_eval as policy
from ansible_collections.crossaccount.aws.plugins.module_utils import _sts as sts
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as validators
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn, role_arn_from_assumed_role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC,
    AwsConnection,
    ConnectionSettings,
    OptionAdapter,
    normalize_connection_dict,
    settings_from,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure, aws_operation

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule

# A role younger than this may not have reached every IAM/STS endpoint yet (AWS documents
# "usually seconds, sometimes minutes"); beyond it, propagation is no longer a likely reason.
PROPAGATION_WINDOW = 300
# Options that only mean something together with role_arn.
_ASSUME_ONLY = ("role_session_name", "external_id", "duration_seconds", "mfa_serial_number", "mfa_token", "policy", "policy_arns",
                "session_tags", "transitive_tag_keys", "source_identity", "via", "web_identity_token", "web_identity_token_file")


def _target_aws_spec() -> dict[str, t.Any]:
    # Sub-options (not a plain dict) so Ansible masks target_aws.secret_key/session_token on their own
    # instead of hiding the whole dict, which would also censor its region and profile in every output.
    return {"type": "dict", "options": copy.deepcopy(CONNECTION_ARGSPEC)}


def verify_argspec() -> dict[str, dict[str, t.Any]]:
    spec = sts.assume_role_argspec()
    spec.update({
        "expected_account_id": {"type": "str"},
        "expected_role_name": {"type": "str"},
        "s3_buckets": {"type": "list", "elements": "str"},
        "target_aws": _target_aws_spec(),
    })
    return spec


@dataclass
class VerifyRequest:
    assume: sts.AssumeRoleRequest | None
    wait_timeout: int
    expected_account_id: str | None = None
    expected_role_name: str | None = None
    s3_buckets: list[str] = field(default_factory=list)
    target: ConnectionSettings | None = None


def request_from_options(options: OptionAdapter) -> VerifyRequest:
    """Validate every verify_access option; no AWS call."""
    role_arn = options.get("role_arn")
    assume = None
    if role_arn is not None:
        assume = sts.request_from_options(options)
    else:
        for option in _ASSUME_ONLY:
            if options.get(option) not in (None, [], {}):
                raise ValidationFailure(option, "only applies together with role_arn (without role_arn the given credentials are checked as they are)")
    wait_timeout = validators.wait_timeout(options.get("wait_timeout", sts.DEFAULT_WAIT_TIMEOUT), "wait_timeout")
    expected_account = options.get("expected_account_id")
    if expected_account is not None:
        expected_account = validators.account_id(expected_account, "expected_account_id")
    expected_role = options.get("expected_role_name")
    if expected_role is not None:
        expected_role = validators.iam_name(expected_role, "expected_role_name", "role")
    buckets_raw = options.get("s3_buckets") or []
    if isinstance(buckets_raw, str) or not isinstance(buckets_raw, (list, tuple)):
        raise ValidationFailure("s3_buckets", "must be a list of bucket names")
    buckets = list(dict.fromkeys(validators.s3_bucket(item, f"s3_buckets[{index}]") for index, item in enumerate(buckets_raw)))
    target = None
    raw_target = options.get("target_aws")
    if raw_target:
        normalized = normalize_connection_dict(raw_target, "target_aws")
        target = settings_from(OptionAdapter.from_dict(normalized), "target_aws.")
    return VerifyRequest(assume=assume, wait_timeout=int(wait_timeout), expected_account_id=expected_account,
                         expected_role_name=expected_role, s3_buckets=buckets, target=target)


# --- AWS reads used only here ---


@aws_operation("s3:ListObjectsV2")
def _list_objects(client: t.Any, bucket: str) -> int:
    return int(client.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount", 0))


@aws_operation("s3:ListBuckets")
def _list_buckets(client: t.Any) -> list[str]:
    return [item["Name"] for item in client.list_buckets().get("Buckets", [])]


# --- results ---


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


def _public_identity(identity: t.Mapping[str, str]) -> dict[str, str]:
    return {"account": identity["account"], "arn": identity["arn"], "user_id": identity["user_id"]}


# --- the diagnosis ---


def _role_name(role_arn: str) -> str:
    parsed = parse_arn(role_arn)
    return parsed.resource_name if parsed else role_arn


def _role_account(role_arn: str) -> str:
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
        return "role", _role_name(role)
    return "other", ""


def request_context(request: sts.AssumeRoleRequest, caller_arn: str) -> dict[str, t.Any]:
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


def _actions(request: sts.AssumeRoleRequest) -> list[str]:
    actions = [policy.ASSUME_ROLE]
    if request.session_tags or request.transitive_tag_keys:
        actions.append(policy.TAG_SESSION)
    if request.source_identity is not None:
        actions.append(policy.SET_SOURCE_IDENTITY)
    return actions


def caller_policies(conn: AwsConnection, caller_arn: str) -> dict[str, t.Any] | None:
    """The caller's identity policies by name (managed ARN, or user/group/role inline name); None for root."""
    kind, name = _caller_kind(caller_arn)
    client = conn.iam
    docs: dict[str, t.Any] = {}

    def managed(arns: t.Iterable[str]) -> None:
        for arn in arns:
            found = iam.get_policy(client, arn)
            if found is None:
                continue
            version = iam.get_policy_version(client, arn, found["DefaultVersionId"])
            if version is not None:
                docs[arn] = version["Document"]

    if kind == "user":
        managed(iam.list_attached_user_policies(client, name))
        for policy_name in iam.list_user_policies(client, name):
            docs[f"user inline policy {policy_name}"] = iam.get_user_policy(client, name, policy_name)
        for group in iam.list_groups_for_user(client, name):
            managed(iam.list_attached_group_policies(client, group))
            for policy_name in iam.list_group_policies(client, group):
                docs[f"group {group} inline policy {policy_name}"] = iam.get_group_policy(client, group, policy_name)
    elif kind == "role":
        managed(iam.list_attached_role_policies(client, name))
        for policy_name in iam.list_role_policies(client, name):
            docs[f"role inline policy {policy_name}"] = iam.get_role_policy(client, name, policy_name)
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
    account = _role_account(role_arn)
    name = _role_name(role_arn)
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
        role = iam.get_role(reader.iam, name)
    except CrossAccountError as exc:
        report.check("read_role", False, exc.msg)
        return RoleFacts(unreadable=f"role {name} could not be read: {exc.msg}")
    if role is None:
        report.check("read_role", False, f"iam:GetRole: role {name} does not exist in account {account}")
        return RoleFacts(missing=True)
    report.check("read_role", True, f"role {role['Arn']} exists")
    return RoleFacts(role=role)


def _trust_sentences(decision: policy.TrustDecision, request: sts.AssumeRoleRequest, name: str, principal: str, caller_account: str) -> list[str]:
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


def _identity_sentences(decision: policy.Decision, action: str, role_arn: str) -> list[str]:
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


def diagnose_denied(source: AwsConnection, target: AwsConnection | None, request: sts.AssumeRoleRequest, caller: t.Mapping[str, str],
                    report: Report, waited: float | None = None) -> bool:
    """Add reasons for an AccessDenied to ``report``; True when a definite (non-propagation) reason was found."""
    role_arn = request.role_arn
    name = _role_name(role_arn)
    account = _role_account(role_arn)
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
            trust_doc = policy.load(role.get("AssumeRolePolicyDocument") or {})
        except ValueError as exc:
            report.notes.append(f"the trust policy of role {name} could not be read: {exc}")
            trust_doc = None
        if trust_doc is not None:
            trust_names_caller_exactly = principal in policy.trust_principals(trust_doc)
            for action in _actions(request):
                decision = policy.evaluate_trust(trust_doc, caller_arn=caller_arn, caller_account=caller_account, context=ctx, action=action)
                sentences = _trust_sentences(decision, request, name, principal, caller_account)
                if action != policy.ASSUME_ROLE and sentences:
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
                allowed = policy.evaluate_identity_policies(docs, action, role_arn, ctx)
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


def diagnose_validation(error: CrossAccountError, source: AwsConnection, target: AwsConnection | None, request: sts.AssumeRoleRequest,
                        caller: t.Mapping[str, str], report: Report) -> None:
    text = error.msg.lower()
    name = _role_name(request.role_arn)
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


# --- the whole verification ---


def _check_identity(identity: t.Mapping[str, str], request: VerifyRequest, report: Report) -> None:
    if request.expected_account_id is not None:
        ok = identity["account"] == request.expected_account_id
        detail = f"account {identity['account']}" + ("" if ok else f", expected {request.expected_account_id}")
        if not report.check("expected_account_id", ok, detail):
            report.reasons.append(f"the credentials belong to account {identity['account']}, not to expected_account_id {request.expected_account_id}")
    if request.expected_role_name is not None:
        role = role_arn_from_assumed_role_arn(identity["arn"])
        actual = _role_name(role) if role else None
        ok = actual == request.expected_role_name
        detail = f"role {actual}" if actual else f"{identity['arn']} is not a role session"
        if not report.check("expected_role_name", ok, detail if ok else f"{detail}, expected {request.expected_role_name}"):
            report.reasons.append(f"the credentials are {'a session of role ' + actual if actual else identity['arn']}, "
                                  f"not of expected_role_name {request.expected_role_name}")


def _check_s3(conn: AwsConnection, buckets: list[str], report: Report) -> None:
    for bucket in buckets:
        if bucket == validators.ALL_BUCKETS:
            try:
                names = _list_buckets(conn.client("s3"))
                report.check("s3:ListBuckets", True, f"{len(names)} buckets visible")
            except CrossAccountError as exc:
                report.check("s3:ListBuckets", False, exc.msg)
                report.reasons.append(f"the credentials cannot list buckets: {exc.msg}")
            continue
        try:
            count = _list_objects(conn.client("s3"), bucket)
            report.check(f"s3:{bucket}", True, f"s3:ListObjectsV2 on {bucket} works ({'empty' if count == 0 else 'not empty'})")
        except CrossAccountError as exc:
            report.check(f"s3:{bucket}", False, exc.msg)
            hint = "the bucket does not exist" if exc.code == "NoSuchBucket" else "the role's permissions or the bucket policy do not allow it"
            report.reasons.append(f"the credentials cannot list bucket {bucket}: {hint} ({exc.msg})")


class SourceCaller:
    """The source connection's identity, read (sts:GetCallerIdentity) only when something needs it.

    A successful AssumeRole needs no caller ARN: only the chaining check (a duration above one hour)
    and the diagnosis of a failed AssumeRole do, so the usual passing run saves the call.
    """

    def __init__(self, source: AwsConnection, report: Report) -> None:
        self._source = source
        self._report = report
        self._identity: dict[str, str] | None = None

    @property
    def known(self) -> bool:
        return self._identity is not None

    def get(self) -> dict[str, str]:
        """The identity; fails the run (check ``source_identity``) when the source credentials do not work."""
        if self._identity is None:
            try:
                identity = self._source.identity()
            except CrossAccountError as exc:
                self._report.check("source_identity", False, exc.msg)
                self._report.reasons.append(f"the given credentials do not work: {exc.msg}")
                raise self._report.fail(exc.msg, exc) from None
            self._report.check("source_identity", True, f"caller {identity['arn']}")
            self._identity = identity
        return self._identity


def verify(source: AwsConnection, request: VerifyRequest, target: AwsConnection | None = None) -> dict[str, t.Any]:
    """Run every check; returns the module result or raises CrossAccountError carrying checks and diagnosis."""
    report = Report()
    caller = SourceCaller(source, report)
    conn = source
    if request.assume is None:
        report.identity = _public_identity(caller.get())
    else:
        assume = request.assume
        steps = sts.chain_requests(assume)
        chained = len(steps) > 1
        token = assume.web_identity_token
        if sts.chaining_cap_applies(assume):
            caller_arn = caller.get()["arn"]
            try:
                sts.check_chaining(assume, caller_arn)
            except ValidationFailure as exc:
                prefix = f"{sts.step_label(assume, 0)}: " if chained else ""
                report.check("assume_role", False, exc.msg)
                report.reasons.append(f"{prefix}duration_seconds {steps[0].duration_seconds} is above the 1-hour cap for role chaining: "
                                      f"the caller {caller_arn} is itself an assumed-role session")
                raise report.fail(exc.msg, exc) from None
        creds: sts.AssumedCredentials | None = None
        for index, step in enumerate(steps):
            # The previous hop's session is the caller of this one, and what the diagnosis reads with.
            step_source = source if creds is None else sts.hop_connection(source, creds)
            step_caller = caller if creds is None else SourceCaller(step_source, report)
            label = sts.step_label(assume, index) if chained else None
            name = "assume_role" if index == len(steps) - 1 else f"assume_role:via[{index}]"
            if index == 0 and token is not None:
                creds = _assume_web_identity(step_source, step, token, request.wait_timeout, report, name, label)
            else:
                creds = _assume(step_source, target, step, request.wait_timeout, step_caller, report, label=label)
            if index == 0 and token is None and not caller.known:
                # AssumeRole accepted the source credentials, which is what this check proves; their ARN was not needed.
                report.check("source_identity", True, "the source credentials were accepted by sts:AssumeRole")
            report.check(name, True, f"assumed {step.role_arn} as {creds.assumed_role_arn}")
        # chain_requests always yields at least role_arn's step, so creds is set here.
        conn = sts.hop_connection(source, t.cast(sts.AssumedCredentials, creds))
        try:
            report.identity = _public_identity(conn.identity())
        except CrossAccountError as exc:
            report.check("caller_identity", False, exc.msg)
            report.reasons.append(f"the temporary credentials do not work: {exc.msg}")
            raise report.fail(exc.msg, exc) from None
        report.check("caller_identity", True, f"caller {report.identity['arn']}")
    _check_identity(report.identity, request, report)
    _check_s3(conn, request.s3_buckets, report)
    if report.reasons:
        raise report.fail(report.reasons[0])
    return {"changed": False, "verified": True, "identity": report.identity, "checks": report.checks, "diagnosis": []}


def handle(module: CrossAccountModule) -> dict[str, t.Any]:
    """The verify_access module: validate, build the connections (no AWS call yet), verify."""
    request = request_from_options(module.options)
    source = module.connection()
    target = AwsConnection(request.target) if request.target is not None else None
    return verify(source, request, target)


def _assume_web_identity(source: AwsConnection, step: sts.AssumeRoleRequest, token: str, wait_timeout: int, report: Report,
                         name: str, label: str | None) -> sts.AssumedCredentials:
    try:
        return sts.assume_role_with_web_identity(source, step, token, wait_timeout=wait_timeout)
    except CrossAccountError as exc:
        report.check(name, False, exc.msg)
        prefix = f"{label}: " if label else ""
        report.reasons.append(f"{prefix}the web identity token was not accepted for role {_role_name(step.role_arn)}: {exc.msg}")
        raise report.fail(exc.msg, exc) from None


def _assume(source: AwsConnection, target: AwsConnection | None, request: sts.AssumeRoleRequest, wait_timeout: int,
            source_caller: SourceCaller, report: Report, label: str | None = None) -> sts.AssumedCredentials:
    """AssumeRole; on a denial, diagnose at once and wait for propagation only when nothing else explains it.

    ``label`` names the step of a chain (``via[1] ARN``); every sentence of the diagnosis then starts with it.
    """
    if label is not None:
        hop_report = Report()
        try:
            return _assume(source, target, request, wait_timeout, source_caller, hop_report)
        except CrossAccountError as exc:
            report.checks.extend(hop_report.checks)
            report.reasons.extend(f"{label}: {sentence}" for sentence in hop_report.reasons)
            report.notes.extend(f"{label}: {sentence}" for sentence in hop_report.notes)
            # The hop's own message (its main reason and the AWS error), named; checks and diagnosis of the whole run.
            raise CrossAccountError(f"{label}: {exc.msg}", operation=exc.operation, code=exc.code, verified=False,
                                    identity=report.identity or {}, checks=report.checks,
                                    diagnosis=report.diagnosis or [f"{label}: {exc.msg}"]) from None
    try:
        return sts.assume_role(source, request, wait_timeout=0)
    except CrossAccountError as exc:
        first = exc
    # Every diagnosis needs the caller; source credentials that do not work at all fail here, with the
    # same source_identity check and message as when the identity was read before the AssumeRole.
    caller = source_caller.get()
    if first.code == "AccessDenied":
        probe = Report()
        definite = diagnose_denied(source, target, request, caller, probe)
        if not definite and wait_timeout > 0:
            try:
                return sts.assume_role(source, request, wait_timeout=wait_timeout)
            except CrossAccountError as exc:
                first = exc
            if first.code == "AccessDenied":
                probe = Report()
                diagnose_denied(source, target, request, caller, probe, waited=first.extra.get("waited"))
        report.checks.extend(probe.checks)
        report.reasons.extend(probe.reasons)
        report.notes.extend(probe.notes)
        # The STS layer's wrapper suggests running verify_access; here the plain AWS error reads better.
        raw = first.__cause__ if isinstance(first.__cause__, CrossAccountError) else first
        report.check("assume_role", False, raw.msg)
        raise report.fail(raw.msg, raw)
    report.check("assume_role", False, first.msg)
    if first.code in ("ValidationError", "InvalidParameterValue"):
        diagnose_validation(first, source, target, request, caller, report)
    elif first.code in ("ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch"):
        report.reasons.append(f"the source credentials are not valid ({first.code}); refresh them")
    elif first.code == "RegionDisabledException":
        report.reasons.append(f"STS is not activated in region {source.region} for account {_role_account(request.role_arn)}")
    raise report.fail(first.msg, first)
