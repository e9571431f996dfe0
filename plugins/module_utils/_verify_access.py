# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module verify_access.

Assumes the role (every ``via`` hop first, the first one with a web identity token when one is given)
or takes the given credentials, checks the caller identity and the S3 buckets, and on a failure raises
with the checks made and the diagnosis of ``_diagnosis`` (which side denied, and why).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _sts, _sts_request
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import role_arn_from_assumed_role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC,
    CONNECTION_SPEC,
    AwsConnection,
    ConnectionSettings,
    OptionAdapter,
    normalize_connection_dict,
    settings_from,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._diagnosis import (
    Report,
    diagnose_denied,
    diagnose_validation,
    public_identity,
    role_account_of,
    role_name_of,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure, aws_operation
from ansible_collections.crossaccount.aws.plugins.module_utils._org_guardrails import ORGANIZATION_SPEC, explain_assume_denial, organization_settings

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

ARGSPEC = CONNECTION_SPEC.merge(_sts_request.ASSUME_ROLE_SPEC, ArgumentSpec({
    "expected_account_id": {"type": "str"},
    "expected_role_name": {"type": "str"},
    "s3_buckets": {"type": "list", "elements": "str"},
    # Sub-options (not a plain dict) so Ansible masks target_aws.secret_key/session_token on their own
    # instead of hiding the whole dict, which would also censor its region and profile in every output.
    "target_aws": {"type": "dict", "options": CONNECTION_ARGSPEC},
}), ORGANIZATION_SPEC)

# Options that only mean something together with role_arn.
_ASSUME_ONLY = ("role_session_name", "external_id", "duration_seconds", "mfa_serial_number", "mfa_token", "policy", "policy_arns",
                "session_tags", "transitive_tag_keys", "source_identity", "via", "web_identity_token", "web_identity_token_file")


@dataclass
class VerifyRequest:
    assume: _sts_request.AssumeRoleRequest | None
    wait_timeout: int
    expected_account_id: str | None = None
    expected_role_name: str | None = None
    s3_buckets: list[str] = field(default_factory=list)
    target: ConnectionSettings | None = None
    organization: ConnectionSettings | None = None


def request_from_options(options: OptionAdapter) -> VerifyRequest:
    """Validate every verify_access option; no AWS call."""
    role_arn = options.get("role_arn")
    assume = None
    if role_arn is not None:
        assume = _sts_request.request_from_options(options)
    else:
        for option in _ASSUME_ONLY:
            if options.get(option) not in (None, [], {}):
                raise ValidationFailure(option, "only applies together with role_arn (without role_arn the given credentials are checked as they are)")
    wait_timeout = v_session.wait_timeout(options.get("wait_timeout", _sts_request.DEFAULT_WAIT_TIMEOUT), "wait_timeout")
    expected_account = options.get("expected_account_id")
    if expected_account is not None:
        expected_account = v.account_id(expected_account, "expected_account_id")
    expected_role = options.get("expected_role_name")
    if expected_role is not None:
        expected_role = v.iam_name(expected_role, "expected_role_name", "role")
    buckets = v_session.s3_buckets(options.get("s3_buckets"), "s3_buckets")
    target = None
    raw_target = options.get("target_aws")
    if raw_target:
        normalized = normalize_connection_dict(raw_target, "target_aws")
        target = settings_from(OptionAdapter.from_dict(normalized), "target_aws.")
    return VerifyRequest(assume=assume, wait_timeout=int(wait_timeout), expected_account_id=expected_account,
                         expected_role_name=expected_role, s3_buckets=buckets, target=target,
                         organization=organization_settings(options))


@aws_operation("s3:ListObjectsV2")
def _list_objects(client: t.Any, bucket: str) -> int:
    return int(client.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount", 0))


@aws_operation("s3:ListBuckets")
def _list_buckets(client: t.Any) -> list[str]:
    return [item["Name"] for item in client.list_buckets().get("Buckets", [])]


def _check_identity(identity: t.Mapping[str, str], request: VerifyRequest, report: Report) -> None:
    if request.expected_account_id is not None:
        ok = identity["account"] == request.expected_account_id
        detail = f"account {identity['account']}" + ("" if ok else f", expected {request.expected_account_id}")
        if not report.check("expected_account_id", ok, detail):
            report.reasons.append(f"the credentials belong to account {identity['account']}, not to expected_account_id {request.expected_account_id}")
    if request.expected_role_name is not None:
        role = role_arn_from_assumed_role_arn(identity["arn"])
        actual = role_name_of(role) if role else None
        ok = actual == request.expected_role_name
        detail = f"role {actual}" if actual else f"{identity['arn']} is not a role session"
        if not report.check("expected_role_name", ok, detail if ok else f"{detail}, expected {request.expected_role_name}"):
            report.reasons.append(f"the credentials are {'a session of role ' + actual if actual else identity['arn']}, "
                                  f"not of expected_role_name {request.expected_role_name}")


def _check_s3(conn: AwsConnection, buckets: list[str], report: Report) -> None:
    for bucket in buckets:
        if bucket == v_session.ALL_BUCKETS:
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


def verify(source: AwsConnection, request: VerifyRequest, target: AwsConnection | None = None,
           organization: AwsConnection | None = None) -> dict[str, t.Any]:
    """Run every check; returns the module result or raises CrossAccountError carrying checks and diagnosis.

    ``organization`` (the management account or a delegated administrator) lets the diagnosis name the service or
    resource control policy that denied an AssumeRole.
    """
    report = Report()
    caller = SourceCaller(source, report)
    conn = source
    if request.assume is None:
        report.identity = public_identity(caller.get())
    else:
        assume = request.assume
        steps = _sts_request.chain_requests(assume)
        chained = len(steps) > 1
        token = assume.web_identity_token
        if _sts_request.chaining_cap_applies(assume):
            caller_arn = caller.get()["arn"]
            try:
                _sts_request.check_chaining(assume, caller_arn)
            except ValidationFailure as exc:
                prefix = f"{_sts_request.step_label(assume, 0)}: " if chained else ""
                report.check("assume_role", False, exc.msg)
                report.reasons.append(f"{prefix}duration_seconds {steps[0].duration_seconds} is above the 1-hour cap for role chaining: "
                                      f"the caller {caller_arn} is itself an assumed-role session")
                raise report.fail(exc.msg, exc) from None
        creds: _sts.AssumedCredentials | None = None
        for index, step in enumerate(steps):
            # The previous hop's session is the caller of this one, and what the diagnosis reads with.
            step_source = source if creds is None else _sts.hop_connection(source, creds)
            step_caller = caller if creds is None else SourceCaller(step_source, report)
            label = _sts_request.step_label(assume, index) if chained else None
            name = "assume_role" if index == len(steps) - 1 else f"assume_role:via[{index}]"
            if index == 0 and token is not None:
                creds = _assume_web_identity(step_source, step, token, request.wait_timeout, report, name, label)
            else:
                creds = _assume(step_source, target, step, request.wait_timeout, step_caller, report, label=label,
                                organization=organization)
            if index == 0 and token is None and not caller.known:
                # AssumeRole accepted the source credentials, which is what this check proves; their ARN was not needed.
                report.check("source_identity", True, "the source credentials were accepted by sts:AssumeRole")
            report.check(name, True, f"assumed {step.role_arn} as {creds.assumed_role_arn}")
        # chain_requests always yields at least role_arn's step, so creds is set here.
        conn = _sts.hop_connection(source, t.cast(_sts.AssumedCredentials, creds))
        try:
            report.identity = public_identity(conn.identity())
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


def handle(module: ModuleContext) -> dict[str, t.Any]:
    """The verify_access module: validate, build the connections (no AWS call yet), verify."""
    request = request_from_options(module.options)
    source = module.connection()
    target = AwsConnection(request.target) if request.target is not None else None
    organization = AwsConnection(request.organization) if request.organization is not None else None
    return verify(source, request, target, organization)


def _assume_web_identity(source: AwsConnection, step: _sts_request.AssumeRoleRequest, token: str, wait_timeout: int, report: Report,
                         name: str, label: str | None) -> _sts.AssumedCredentials:
    try:
        return _sts.assume_role_with_web_identity(source, step, token, wait_timeout=wait_timeout)
    except CrossAccountError as exc:
        report.check(name, False, exc.msg)
        prefix = f"{label}: " if label else ""
        report.reasons.append(f"{prefix}the web identity token was not accepted for role {role_name_of(step.role_arn)}: {exc.msg}")
        raise report.fail(exc.msg, exc) from None


def _assume(source: AwsConnection, target: AwsConnection | None, request: _sts_request.AssumeRoleRequest, wait_timeout: int,
            source_caller: SourceCaller, report: Report, label: str | None = None,
            organization: AwsConnection | None = None) -> _sts.AssumedCredentials:
    """AssumeRole; on a denial, diagnose at once and wait for propagation only when nothing else explains it.

    ``label`` names the step of a chain (``via[1] ARN``); every sentence of the diagnosis then starts with it.
    """
    if label is not None:
        hop_report = Report()
        try:
            return _assume(source, target, request, wait_timeout, source_caller, hop_report, organization=organization)
        except CrossAccountError as exc:
            report.checks.extend(hop_report.checks)
            report.reasons.extend(f"{label}: {sentence}" for sentence in hop_report.reasons)
            report.notes.extend(f"{label}: {sentence}" for sentence in hop_report.notes)
            # The hop's own message (its main reason and the AWS error), named; checks and diagnosis of the whole run.
            raise CrossAccountError(f"{label}: {exc.msg}", operation=exc.operation, code=exc.code, verified=False,
                                    identity=report.identity or {}, checks=report.checks,
                                    diagnosis=report.diagnosis or [f"{label}: {exc.msg}"]) from None
    try:
        return _sts.assume_role(source, request, wait_timeout=0)
    except CrossAccountError as exc:
        first = exc
    # Every diagnosis needs the caller; source credentials that do not work at all fail here, with the
    # same source_identity check and message as when the identity was read before the AssumeRole.
    caller = source_caller.get()
    if first.code == "AccessDenied":
        probe = Report()
        # A guardrail named by AWS's message (or found with organization_aws) comes first, and is definite.
        guarded = explain_assume_denial(first.msg, request, caller["arn"], organization, probe)
        definite = diagnose_denied(source, target, request, caller, probe) or guarded
        if not definite and wait_timeout > 0:
            try:
                return _sts.assume_role(source, request, wait_timeout=wait_timeout)
            except CrossAccountError as exc:
                first = exc
            if first.code == "AccessDenied":
                probe = Report()
                explain_assume_denial(first.msg, request, caller["arn"], organization, probe)
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
        report.reasons.append(f"STS is not activated in region {source.region} for account {role_account_of(request.role_arn)}")
    raise report.fail(first.msg, first)
