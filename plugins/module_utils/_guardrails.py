# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: service and resource control policies evaluated as AWS does, and explained.

AWS's rules (Organizations user guide, "SCP evaluation" and "RCP evaluation"):

- a request must be allowed at *every* level from the root through each OU down to the account, each level by
  a policy attached at that level; an explicit Deny at any level wins;
- SCPs limit the users and role sessions of member accounts (not of the management account, not service-linked
  roles); RCPs limit what is done to the resources of member accounts (here: ``sts:AssumeRole*`` on a role),
  whoever the caller, except resources of the management account and service-linked roles.

Statements are evaluated by the collection's policy engine (``_policy`` for actions, ``_policy_eval`` for
resources and conditions): a condition key missing from the request makes a positive operator false and a
negated one or any ``...IfExists`` true, which is why a web identity caller, who has no ``aws:PrincipalOrgID``,
is denied by ``StringNotEqualsIfExists aws:PrincipalOrgID`` and only a ``Null`` condition exempts it.

A check made before the request exists (the pre-flight, the lint) does not know every key: a ``Probe`` says
which keys are known, known to be absent, present with an unknown value, or free except some values. A
condition on a key that is not known is evaluated in every case that matters (absent, each value the policy
names, some other value); when the cases disagree the statement *may* deny, which is reported as uncertain and
never as a denial, so a pre-flight never blocks an account on a guess.

Pure: no AWS call, no I/O.
"""

from __future__ import annotations

import ipaddress
import json
import re
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _policy, _policy_eval
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import is_unique_id, parse_arn, role_arn_from_assumed_role_arn

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
POLICY_TYPES = (SCP, RCP)
KIND_NAMES = {SCP: "service control policy", RCP: "resource control policy"}
SAML = "sts:AssumeRoleWithSAML"
SERVICE_LINKED_PATH = ":role/aws-service-role/"

# Keys of the principal: an AWS service, a web identity or a SAML user carries none of them (IAM condition keys
# reference, "Availability"), which is what makes data-perimeter policies block them.
PRINCIPAL_KEYS = ("aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:username")
# Keys only an AWS service acting for a resource carries.
SOURCE_KEYS = ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths")
# A value no policy names: stands for "some other value" when a key's value is not known.
_OTHER = "\x00other"
_SHOWN_MAX = 64


def shown(text: t.Any) -> str:
    """A name read from AWS (policy, OU) as a quoted one-line string: control characters escaped, length bounded."""
    value = str(text)
    if len(value) > _SHOWN_MAX:
        value = value[:_SHOWN_MAX - 3] + "..."
    return json.dumps(value)


def target_kind(target_id: str) -> str:
    """``root``, ``OU`` or ``account``: what an Organizations target id names."""
    if target_id.startswith("r-"):
        return "root"
    if target_id.startswith("ou-"):
        return "OU"
    return "account"


# ---------------------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgPolicy:
    """One SCP or RCP: what DescribePolicy answers."""

    id: str
    name: str
    policy_type: str
    document: dict[str, t.Any]
    arn: str | None = None
    aws_managed: bool = False

    @property
    def label(self) -> str:
        return f"{KIND_NAMES.get(self.policy_type, 'organization policy')} {self.id} ({shown(self.name)})"


@dataclass(frozen=True)
class Level:
    """A root, OU or account on an account's path, with the policies of one type attached to it."""

    target_id: str
    policies: tuple[OrgPolicy, ...]

    @property
    def label(self) -> str:
        return f"{target_kind(self.target_id)} {self.target_id}"


@dataclass(frozen=True)
class Probe:
    """A request as far as a check knows it.

    ``context`` holds the keys known to be present (lower or mixed case, values as lists of strings); ``absent``
    the keys known to be missing (lower case; an entry ending in ``/`` is a family such as ``aws:requesttag/``);
    ``present`` the keys present with an unknown value; ``excluded`` keys that may be missing or hold any value
    but these (lower case values; one ending in ``/`` excludes every value it starts). Any other key is unknown.
    ``who`` names the caller in sentences.
    """

    action: str
    resource: str
    context: t.Mapping[str, t.Any]
    who: str
    absent: frozenset[str] = frozenset()
    present: frozenset[str] = frozenset()
    excluded: t.Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def known(self, key: str) -> list[str] | None:
        return _policy.context_lookup(self.context, key)

    def is_absent(self, key: str) -> bool:
        lowered = key.lower()
        return lowered in self.absent or any(entry.endswith("/") and lowered.startswith(entry) for entry in self.absent)


@dataclass(frozen=True)
class Denial:
    """Why a request is (or may be) refused: the denying policy and statement, or the level where nothing allows."""

    policy_type: str
    explicit: bool
    target_id: str
    action: str
    policy: OrgPolicy | None = None
    statement: str | None = None  # the Sid, else the index (as AWS's and the emulator's logs say it)
    statement_index: int | None = None
    keys: tuple[str, ...] = ()  # the condition keys of the denying statement, as written there

    def as_dict(self) -> dict[str, t.Any]:
        """The public shape (module results, the pre-flight's rows): ids and names, never a document."""
        return {
            "policy_type": self.policy_type,
            "explicit": self.explicit,
            "policy_id": self.policy.id if self.policy else None,
            "policy_name": self.policy.name if self.policy else None,
            "policy_arn": self.policy.arn if self.policy else None,
            "target_id": self.target_id,
            "target_type": target_kind(self.target_id),
            "statement": self.statement,
            "statement_index": self.statement_index,
            "action": self.action,
        }

    def sentence(self, who: str) -> str:
        """One sentence naming the guardrail, for a diagnosis or a finding."""
        kind = KIND_NAMES[self.policy_type]
        where = f"{target_kind(self.target_id)} {self.target_id}"
        if not self.explicit:
            return (f"no {kind} attached to {where} allows {self.action} for {who}: every level from the root to the account "
                    f"must allow it, so attach one there that allows {self.action}")
        named = self.policy.label if self.policy is not None else f"a {kind}"
        by_index = self.statement_index is not None and self.statement == str(self.statement_index)
        label = f"the statement at index {self.statement_index}" if by_index else f'statement "{self.statement}"'
        return f"{named} attached to {where} denies {self.action} to {who} by {label}"


@dataclass(frozen=True)
class Verdict:
    """The outcome for one probe: a definite denial, or none; plus the statements that may deny."""

    denial: Denial | None = None
    uncertain: tuple[Denial, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.denial is None


# ---------------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------------


def _condition_groups(condition: t.Any) -> dict[str, dict[str, tuple[str, list[t.Any]]]]:
    """lower-case key -> {operator: (key as written, values)}: the elements that test each key."""
    groups: dict[str, dict[str, tuple[str, list[t.Any]]]] = {}
    if not isinstance(condition, t.Mapping):
        return groups
    for operator, block in condition.items():
        if not isinstance(block, t.Mapping):
            continue
        for key, raw in block.items():
            groups.setdefault(str(key).lower(), {})[str(operator)] = (str(key), _policy.as_list(raw))
    return groups


def _without(context: t.Mapping[str, t.Any], key: str) -> dict[str, t.Any]:
    return {name: value for name, value in context.items() if str(name).lower() != key}


def _excluded(value: str, excluded: tuple[str, ...]) -> bool:
    lowered = value.lower()
    return any(lowered == entry or (entry.endswith("/") and lowered.startswith(entry)) for entry in excluded)


def _witnesses(base: str, value: str) -> list[str]:
    """Values of a key that make an operator on ``value`` hold (or sit just beside it): together with some other
    value and the key's absence, the cases in which a condition on an unknown key can turn out either way."""
    if base in ("IpAddress", "NotIpAddress"):
        try:
            return [str(ipaddress.ip_network(value.strip(), strict=False).network_address)]
        except ValueError:
            return []
    if base.startswith(("Numeric", "Date")):
        number = _policy.condition_number(value) if base.startswith("Numeric") else _policy.condition_instant(value)
        return [value] if number is None else [value, repr(number - 1), repr(number + 1)]
    if base == "Bool":
        return ["true", "false"]
    return [value]


def _worlds(key: str, elements: t.Mapping[str, tuple[str, list[t.Any]]], probe: Probe) -> list[dict[str, t.Any]]:
    """The contexts to try for one key: just the known one, or every case that can change the outcome."""
    base = dict(probe.context)
    if probe.known(key) is not None:
        return [base]
    if probe.is_absent(key):
        return [_without(base, key)]
    named = list(dict.fromkeys(witness for op, (_k, values) in elements.items() for v in values
                               for witness in _witnesses(_policy.base_operator(op), _policy.condition_value_text(op, v))))
    excluded = probe.excluded.get(key)
    if excluded is not None:
        named = [value for value in named if not _excluded(value, excluded)]
    values = [_OTHER, *named]
    worlds = [] if key in probe.present else [_without(base, key)]
    worlds.extend({**_without(base, key), key: value} for value in values)
    return worlds


def statement_applies(statement: t.Mapping[str, t.Any], probe: Probe, variables: bool = True) -> bool | None:
    """Does one statement cover the request (action, resource, every condition)? None: it depends on unknown keys.

    The Principal of an RCP statement is always ``*`` (Organizations refuses anything else), so it is not tested.
    """
    if not _policy.action_matches(statement, probe.action):
        return False
    if not _policy_eval.resource_matches(statement, probe.resource, probe.context, variables):
        return False
    outcome: bool | None = True
    for key, elements in _condition_groups(statement.get("Condition")).items():
        block: dict[str, dict[str, list[t.Any]]] = {op: {raw_key: values} for op, (raw_key, values) in elements.items()}
        results = {not _policy_eval.condition_failures(block, world, variables) for world in _worlds(key, elements, probe)}
        if results == {False}:
            return False
        if len(results) > 1:
            outcome = None
    return outcome


def _statement_id(statement: t.Mapping[str, t.Any], index: int) -> str:
    sid = statement.get("Sid")
    return str(sid) if sid not in (None, "") else str(index)


def evaluate(levels: t.Sequence[Level], policy_type: str, probe: Probe) -> Verdict:
    """The verdict of one type of policy on one request, levels from the root down to the account.

    An explicit Deny that certainly applies wins (the first one, root first); otherwise the first level where no
    Allow certainly applies and none may apply is an implicit denial. Statements that apply only for some values of
    keys the probe does not know are returned as ``uncertain``.
    """
    uncertain: list[Denial] = []
    for level in levels:
        for policy in level.policies:
            variables = _policy_eval.uses_variables(policy.document)
            for index, statement in enumerate(_policy.statements_of(policy.document)):
                if statement.get("Effect") != "Deny":
                    continue
                applies = statement_applies(statement, probe, variables)
                if applies is False:
                    continue
                keys = [next(iter(elements.values()))[0] for elements in _condition_groups(statement.get("Condition")).values()]
                denial = Denial(policy_type, True, level.target_id, probe.action, policy, _statement_id(statement, index), index,
                                tuple(keys))
                if applies:
                    return Verdict(denial, tuple(uncertain))
                uncertain.append(denial)
    for level in levels:
        states = {statement_applies(statement, probe, _policy_eval.uses_variables(policy.document))
                  for policy in level.policies for statement in _policy.statements_of(policy.document) if statement.get("Effect") == "Allow"}
        if True in states:
            continue
        denial = Denial(policy_type, False, level.target_id, probe.action)
        if None in states:
            uncertain.append(denial)
            continue
        return Verdict(denial, tuple(uncertain))
    return Verdict(None, tuple(uncertain))


def scp_applies(principal_account: str | None, principal_arn: str | None, management_account: str | None, member: bool) -> bool:
    """SCPs limit users and role sessions of member accounts, except the management account and service-linked roles."""
    if not principal_account or not member or principal_account == management_account:
        return False
    return not (principal_arn and SERVICE_LINKED_PATH in principal_arn)


def rcp_applies(role_account: str, role_arn: str, management_account: str | None, member: bool) -> bool:
    """RCPs protect the resources of member accounts, except those of the management account and service-linked roles."""
    return member and role_account != management_account and SERVICE_LINKED_PATH not in role_arn


# ---------------------------------------------------------------------------------------------------------
# Requests: who calls, with which keys
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where an account sits: in the organization (its id and the account's aws:PrincipalOrgPaths value) or outside it."""

    organization_id: str
    org_path: str | None = None  # None: not a member

    @property
    def member(self) -> bool:
        return self.org_path is not None


def _org_keys(prefix: str, place: Place | None) -> tuple[dict[str, list[str]], dict[str, tuple[str, ...]]]:
    """aws:<prefix>OrgID / OrgPaths of an account: known for a member; for an outsider missing or of another organization."""
    org_id, org_paths = f"aws:{prefix}OrgID", f"aws:{prefix}OrgPaths"
    if place is None:
        return {}, {}
    if place.member:
        return {org_id: [place.organization_id], org_paths: [t.cast(str, place.org_path)]}, {}
    ours = place.organization_id.lower()
    return {}, {org_id.lower(): (ours,), org_paths.lower(): (f"{ours}/",)}


def resource_context(role_arn: str, role_place: Place | None) -> dict[str, list[str]]:
    """aws:ResourceAccount / aws:ResourceOrgID / aws:ResourceOrgPaths of the role."""
    parsed = parse_arn(role_arn)
    context: dict[str, list[str]] = {"aws:ResourceAccount": [parsed.account]} if parsed is not None else {}
    if role_place is not None and role_place.member:
        context["aws:ResourceOrgID"] = [role_place.organization_id]
        context["aws:ResourceOrgPaths"] = [t.cast(str, role_place.org_path)]
    return context


def principal_of(caller_arn: str) -> tuple[str, str | None]:
    """(aws:PrincipalArn, aws:PrincipalType) of a caller ARN: a session names its role (whose path the ARN lacks)."""
    role = role_arn_from_assumed_role_arn(caller_arn)
    if role:
        return role, "AssumedRole"
    parsed = parse_arn(caller_arn)
    if parsed is not None and parsed.resource_type == "user":
        return caller_arn, "User"
    return caller_arn, None


def iam_probe(action: str, role_arn: str, *, account: str | None, principal_arn: str | None, principal_place: Place | None,
              role_place: Place | None, request: t.Mapping[str, t.Any], request_absent: t.Iterable[str] = (),
              request_present: t.Iterable[str] = (), who: str | None = None) -> Probe:
    """A call by an IAM user or role session of ``account``.

    ``principal_arn`` None: some principal of that account; ``account`` None: of some account (a wildcard principal).
    ``request`` holds the keys the call itself carries (sts:RoleSessionName, sts:ExternalId, ...), known to the
    caller; ``request_absent`` / ``request_present`` the ones known to be missing / present with unknown values.
    """
    context: dict[str, t.Any] = {"aws:PrincipalIsAWSService": ["false"]}
    present = {key.lower() for key in request_present}
    absent = {key.lower() for key in (*SOURCE_KEYS, "aws:PrincipalServiceName", "aws:FederatedProvider", *request_absent)}
    if account:
        context["aws:PrincipalAccount"] = [account]
    else:
        present.add("aws:principalaccount")
    if principal_arn:
        arn, principal_type = principal_of(principal_arn)
        context["aws:PrincipalArn"] = [arn]
        if principal_type:
            context["aws:PrincipalType"] = [principal_type]
        if principal_type == "User":
            context["aws:username"] = [arn.rsplit("/", 1)[-1]]
        else:
            absent.add("aws:username")
    else:
        present.update(("aws:principalarn", "aws:principaltype"))
    known, excluded = _org_keys("Principal", principal_place)
    context.update(known)
    context.update(resource_context(role_arn, role_place))
    context.update(request)
    return Probe(action, role_arn, context, who or principal_arn or f"principals of account {account}",
                 frozenset(absent), frozenset(present), excluded)


def _outsider_probe(action: str, role_arn: str, role_place: Place | None, context: dict[str, t.Any], who: str,
                    extra_absent: t.Iterable[str] = ()) -> Probe:
    absent = {key.lower() for key in (*PRINCIPAL_KEYS, "sts:ExternalId", *extra_absent)}
    return Probe(action, role_arn, {**context, **resource_context(role_arn, role_place)}, who, frozenset(absent))


def federated_probe(action: str, role_arn: str, role_place: Place | None, provider: str,
                    request: t.Mapping[str, t.Any] | None = None) -> Probe:
    """A web identity (OIDC) or SAML sign-in: no AWS principal, so none of the principal or source keys."""
    kind = "SAML" if action == SAML else "web identity"
    return _outsider_probe(action, role_arn, role_place, dict(request or {}), f"{kind} callers of {provider}",
                           (*SOURCE_KEYS, "aws:PrincipalIsAWSService", "aws:PrincipalArn", "aws:PrincipalServiceName"))


def service_probe(action: str, role_arn: str, role_place: Place | None, service: str,
                  source: t.Mapping[str, t.Any] | None = None) -> Probe:
    """An AWS service principal (aws:PrincipalIsAWSService true); ``source`` the aws:Source* keys it carries, if known."""
    context: dict[str, t.Any] = {"aws:PrincipalIsAWSService": ["true"], "aws:PrincipalServiceName": [service], **(source or {})}
    return _outsider_probe(action, role_arn, role_place, context, f"the service {service}")


# ---------------------------------------------------------------------------------------------------------
# Trust statements: the paths a role's trust policy opens, as probes (lint and trust_report)
# ---------------------------------------------------------------------------------------------------------

# Positive exact operators: a caller that passes the trust statement carries exactly this value of the key.
_PINNING = frozenset({"StringEquals", "StringEqualsIgnoreCase", "ArnEquals", "Bool"})


def pinned_keys(statement: t.Mapping[str, t.Any]) -> dict[str, list[str]]:
    """Keys a trust statement pins to one concrete value: any caller it admits carries that value."""
    pinned: dict[str, list[str]] = {}
    condition = statement.get("Condition")
    if not isinstance(condition, t.Mapping):
        return pinned
    for operator, block in condition.items():
        prefix, base, if_exists = _policy.split_operator(str(operator))
        if prefix or if_exists or base not in _PINNING or not isinstance(block, t.Mapping):
            continue
        for key, raw in block.items():
            values = [_policy.condition_value_text(str(operator), v) for v in _policy.as_list(raw)]
            if len(values) == 1 and not any(char in values[0] for char in "*?$"):
                pinned[str(key)] = values
    return pinned


def _principal_values(statement: t.Mapping[str, t.Any], kind: str) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*" and kind == "AWS":
        return ["*"]
    if not isinstance(principal, t.Mapping):
        return []
    return [_policy.scalar_text(v).strip() for v in _policy.as_list(principal.get(kind))]


def trusted_accounts(document: t.Any) -> list[str]:
    """The 12-digit accounts named by the AWS principals (and pinned aws:PrincipalAccount) of Allow statements."""
    found: list[str] = []
    for statement in _policy.statements_of(_policy.as_doc(document)):
        if statement.get("Effect") != "Allow":
            continue
        values = _principal_values(statement, "AWS") + pinned_keys(statement).get("aws:PrincipalAccount", [])
        for value in values:
            account = _account_of(value)
            if account and account not in found:
                found.append(account)
    return found


def _account_of(value: str) -> str | None:
    if len(value) == 12 and value.isdigit():
        return value
    parsed = parse_arn(value)
    if parsed is not None and len(parsed.account) == 12 and parsed.account.isdigit():
        return parsed.account
    return None


def _aws_actions(statement: t.Mapping[str, t.Any], first: tuple[str, ...]) -> list[str]:
    return [action for action in (*first, _policy.TAG_SESSION, _policy.SET_SOURCE_IDENTITY) if _policy.action_matches(statement, action)]


def trust_probes(statement: t.Mapping[str, t.Any], role_arn: str, role_place: Place | None,
                 places: t.Mapping[str, Place]) -> list[Probe]:
    """Every kind of caller an Allow statement of a trust policy admits, as probes for the RCPs of the role's account.

    ``places`` says where each account named by the statement sits (trusted_accounts() lists them). Keys the
    statement pins (StringEquals with one value) are known; what it does not say is unknown, never assumed.
    """
    if statement.get("Effect") != "Allow":
        return []
    pins = pinned_keys(statement)
    # What the request itself carries (sts:ExternalId, aws:MultiFactorAuthPresent, ...); the principal's keys come
    # from where its account sits, not from what the statement asks for.
    request = {key: values for key, values in pins.items() if not key.lower().startswith(("aws:principal", "aws:source"))}
    session = ["sts:RoleSessionName"]
    probes: list[Probe] = []
    for value in _principal_values(statement, "AWS"):
        if value == "*":
            probes.extend(_wildcard_probes(statement, role_arn, role_place, places, pins, request))
            continue
        account = _account_of(value)
        if account is None or is_unique_id(value):
            continue
        principal = value if value.startswith("arn:") and not value.endswith(":root") else None
        principal = principal or next(iter(pins.get("aws:PrincipalArn", [])), None)
        for action in _aws_actions(statement, (_policy.ASSUME_ROLE,)):
            probes.append(iam_probe(action, role_arn, account=account, principal_arn=principal, principal_place=places.get(account),
                                    role_place=role_place, request=request, request_present=session))
    for service in _principal_values(statement, "Service"):
        source = {key: values for key, values in pins.items() if key.lower().startswith("aws:source")}
        for action in _aws_actions(statement, (_policy.ASSUME_ROLE,)):
            probes.append(service_probe(action, role_arn, role_place, service.lower(), {**request, **source}))
    for provider in _principal_values(statement, "Federated"):
        first = SAML if ":saml-provider/" in provider else _policy.WEB_IDENTITY
        for action in _aws_actions(statement, (first,)):
            probes.append(federated_probe(action, role_arn, role_place, provider, request))
    return probes


def _wildcard_probes(statement: t.Mapping[str, t.Any], role_arn: str, role_place: Place | None, places: t.Mapping[str, Place],
                     pins: t.Mapping[str, list[str]], request: t.Mapping[str, t.Any]) -> list[Probe]:
    """``Principal: *`` narrowed by conditions: what they pin is known, the rest of the principal is not."""
    account = next(iter(pins.get("aws:PrincipalAccount", [])), None)
    org = next(iter(pins.get("aws:PrincipalOrgID", [])), None)
    principal = next(iter(pins.get("aws:PrincipalArn", [])), None)
    place = places.get(account) if account else None
    who = (principal or (f"principals of account {account}" if account else None)
           or (f"principals of organization {org}" if org else "the principals the statement admits"))
    probes = []
    for action in _aws_actions(statement, (_policy.ASSUME_ROLE,)):
        probe = iam_probe(action, role_arn, account=account, principal_arn=principal, principal_place=place, role_place=role_place,
                          request=request, request_present=["sts:RoleSessionName"], who=who)
        if org and place is None:
            context = {**probe.context, "aws:PrincipalOrgID": [org]}
            if "aws:PrincipalOrgPaths" in pins:
                context["aws:PrincipalOrgPaths"] = pins["aws:PrincipalOrgPaths"]
            probe = Probe(probe.action, probe.resource, context, probe.who, probe.absent, probe.present, {})
        probes.append(probe)
    return probes


# ---------------------------------------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------------------------------------


def key_states(denial: Denial, probe: Probe) -> str:
    """How the request stands on the keys of a denying statement: ``aws:PrincipalOrgID absent, ...``."""
    parts = []
    for key in denial.keys:
        values = probe.known(key)
        if values is not None:
            parts.append(f"{key} {', '.join(values)}")
        elif probe.is_absent(key):
            parts.append(f"{key} absent")
        elif key.lower() in probe.excluded:
            parts.append(f"{key} absent or of another organization")
        else:
            parts.append(f"{key} not known here")
    return "; ".join(parts)


# AWS's wording of a denial by an organization policy (IAM user guide, "Troubleshooting access denied error
# messages"); since 2026 an explicit denial may end with the policy's ARN.
_DENIAL_RE = re.compile(
    r"not authorized to perform:? (?P<action>[A-Za-z0-9-]+:[A-Za-z0-9*]+)(?: on resource: (?P<resource>\S+))?"
    r" (?:with an explicit deny in an? (?P<explicit>service|resource) control policy(?::? (?P<arn>arn:[^\s,;]+))?"
    r"|because no (?P<implicit>service|resource) control policy allows)",
    re.IGNORECASE,
)
_POLICY_ID_RE = re.compile(r"/(?P<id>p-[0-9a-zA-Z_]+)$")


@dataclass(frozen=True)
class DenialHint:
    """What an AccessDenied message says about an organization policy."""

    policy_type: str
    explicit: bool
    action: str
    policy_arn: str | None = None

    @property
    def policy_id(self) -> str | None:
        match = _POLICY_ID_RE.search(self.policy_arn or "")
        return match.group("id") if match else None

    def sentence(self, caller: str) -> str:
        kind = KIND_NAMES[self.policy_type]
        if self.explicit:
            named = f" ({self.policy_id or self.policy_arn})" if self.policy_arn else ""
            return f"a {kind}{named} explicitly denies {self.action} to {caller}"
        return f"no {kind} allows {self.action} to {caller} at some level from the root to the account"


def denial_from_message(message: str) -> DenialHint | None:
    """The organization policy an AWS AccessDenied message blames, or None when it blames none."""
    match = _DENIAL_RE.search(message or "")
    if match is None:
        return None
    kind = (match.group("explicit") or match.group("implicit")).lower()
    policy_type = SCP if kind == "service" else RCP
    return DenialHint(policy_type, match.group("explicit") is not None, match.group("action"), match.group("arn"))
