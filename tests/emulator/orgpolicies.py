# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Organization policies (service and resource control policies) as data: documents, attachments, policy types.

Like AWS: both types are enabled on the root at start, the AWS managed ``FullAWSAccess`` (SCP) and
``RCPFullAWSAccess`` (RCP) are attached to the root, every OU and every account, and every new OU gets them
too; enabling a type attaches its full-access policy everywhere, disabling it detaches every policy of the
type. Documents are parsed once, when stored (the enforcement in ``guardrails.py`` reads them on every call).
The API in front of this (errors, paging, who may call) is ``orgpolicyapi.py``.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field

from emulator.wsgi import AwsError

if t.TYPE_CHECKING:
    from emulator.organization import Organization

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
# The policy types the emulator enforces, and their name in policy ARNs.
ARN_SLUG = {SCP: "service_control_policy", RCP: "resource_control_policy"}
# How AWS's access-denied messages name them.
DENIAL_NAME = {SCP: "service control policy", RCP: "resource control policy"}
FULL_ACCESS_ID = {SCP: "p-FullAWSAccess", RCP: "p-RCPFullAWSAccess"}
FULL_ACCESS = {
    SCP: ("FullAWSAccess", "Allows access to every operation",
          {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    RCP: ("RCPFullAWSAccess", "Allows access to every resource",
          {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
}
# Organizations quotas (orgs_reference_limits): document size in characters (white space counts), policies of a
# type directly attached to one root/OU/account, policies of a type in the organization.
MAX_POLICY_SIZE = 5120
MAX_ATTACHED = 5
MAX_POLICIES = 1000
POLICY_ELEMENTS = {"Version", "Id", "Statement"}
STATEMENT_ELEMENTS = {
    SCP: {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"},
    RCP: {"Sid", "Effect", "Principal", "Action", "Resource", "NotResource", "Condition"},
}
ACTION_RE = re.compile(r"^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")


@dataclass
class OrgPolicy:
    id: str
    name: str
    description: str
    type: str
    content: str
    arn: str
    aws_managed: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    statements: list[dict[str, t.Any]] = field(default_factory=list)

    @property
    def full_access(self) -> bool:
        """AWS's FullAWSAccess / RCPFullAWSAccess: lets everything through, so evaluation can be skipped."""
        return self.aws_managed

    def summary(self) -> dict[str, t.Any]:
        return {"Id": self.id, "Arn": self.arn, "Name": self.name, "Description": self.description, "Type": self.type,
                "AwsManaged": self.aws_managed}


def malformed(detail: str) -> AwsError:
    return AwsError(400, "MalformedPolicyDocumentException",
                    f"The provided policy document doesn't meet the requirements of the specified policy type. {detail}")


def parse_document(policy_type: str, content: str) -> list[dict[str, t.Any]]:
    """The statements of an SCP or RCP document, or MalformedPolicyDocumentException (AWS's syntax rules)."""
    try:
        document = json.loads(content)
    except ValueError as exc:
        raise malformed("The policy is not valid JSON.") from exc
    if not isinstance(document, dict) or "Statement" not in document:
        raise malformed("The policy must be a JSON object with a Statement element.")
    if set(document) - POLICY_ELEMENTS:
        raise malformed(f"Unsupported policy element {sorted(set(document) - POLICY_ELEMENTS)[0]}.")
    version = document.get("Version")
    if (version is not None or policy_type == RCP) and version != "2012-10-17":
        raise malformed("The Version element must be \"2012-10-17\".")
    raw = document["Statement"]
    statements = raw if isinstance(raw, list) else [raw]
    if not statements or not all(isinstance(s, dict) for s in statements):
        raise malformed("The Statement element must hold one or more statements.")
    for stmt in statements:
        check_statement(policy_type, stmt)
    return statements


def check_statement(policy_type: str, stmt: dict[str, t.Any]) -> None:
    extra = set(stmt) - STATEMENT_ELEMENTS[policy_type]
    if extra:
        raise malformed(f"The element {sorted(extra)[0]} is not supported in a {DENIAL_NAME[policy_type]}.")
    if stmt.get("Effect") not in ("Allow", "Deny"):
        raise malformed("The Effect element must be Allow or Deny.")
    if policy_type == RCP:
        if stmt["Effect"] == "Allow":
            raise malformed("The effect Allow is supported only for RCPFullAWSAccess.")
        if stmt.get("Principal") != "*":
            raise malformed("The Principal element of a resource control policy must be \"*\".")
    if ("Action" in stmt) == ("NotAction" in stmt):
        raise malformed("A statement must have exactly one of Action and NotAction.")
    actions = stmt.get("Action", stmt.get("NotAction"))
    for action in actions if isinstance(actions, list) else [actions]:
        if not isinstance(action, str) or not ACTION_RE.match(action):
            raise malformed(f"The action {action!r} is not valid.")
    if "Resource" in stmt and "NotResource" in stmt:
        raise malformed("A statement can't have both Resource and NotResource.")
    condition = stmt.get("Condition")
    if condition is not None and (not isinstance(condition, dict) or not all(isinstance(v, dict) for v in condition.values())):
        raise malformed("The Condition element must map operators to key-value objects.")


class PolicyStore:
    """The organization's SCPs and RCPs, which targets they are attached to, and which types are enabled."""

    def __init__(self, org: Organization) -> None:
        self.org = org
        self.policies: dict[str, OrgPolicy] = {}
        # target id (root / OU / account) -> policy type -> attached policy ids, in attachment order.
        self.attached: dict[str, dict[str, list[str]]] = {}
        self.enabled: dict[str, bool] = {SCP: False, RCP: False}
        self.counter = 0
        for policy_type, (name, description, document) in FULL_ACCESS.items():
            content = json.dumps(document, indent=4)
            policy_id = FULL_ACCESS_ID[policy_type]
            self.policies[policy_id] = OrgPolicy(
                policy_id, name, description, policy_type, content,
                f"arn:aws:organizations::aws:policy/{ARN_SLUG[policy_type]}/{policy_id}", aws_managed=True,
                statements=document["Statement"])
            self.enable(policy_type)

    # ---------------------------------------------------------------- reads
    def get(self, policy_id: str) -> OrgPolicy | None:
        return self.policies.get(policy_id)

    def of_type(self, policy_type: str) -> list[OrgPolicy]:
        return [p for p in self.policies.values() if p.type == policy_type]

    def attached_ids(self, target_id: str, policy_type: str) -> list[str]:
        return self.attached.get(target_id, {}).get(policy_type, [])

    def for_target(self, target_id: str, policy_type: str) -> list[OrgPolicy]:
        return [self.policies[p] for p in self.attached_ids(target_id, policy_type)]

    def targets_of(self, policy_id: str) -> list[str]:
        """The roots, OUs and accounts a policy is attached to (root first, then OUs, then accounts)."""
        policy = self.policies[policy_id]
        return [target for target in self.org.targets() if policy_id in self.attached_ids(target, policy.type)]

    # --------------------------------------------------------------- writes
    def create(self, policy_type: str, name: str, description: str, content: str, tags: dict[str, str]) -> OrgPolicy:
        statements = parse_document(policy_type, content)
        self.counter += 1
        policy_id = f"p-emu{self.counter:05d}"
        arn = self.org.arn("policy", f"{ARN_SLUG[policy_type]}/{policy_id}")
        policy = OrgPolicy(policy_id, name, description, policy_type, content, arn, tags=dict(tags), statements=statements)
        self.policies[policy_id] = policy
        self.org.touch()
        return policy

    def update(self, policy: OrgPolicy, name: str | None, description: str | None, content: str | None) -> None:
        if content is not None:
            policy.statements = parse_document(policy.type, content)
            policy.content = content
        if name is not None:
            policy.name = name
        if description is not None:
            policy.description = description
        self.org.touch()

    def delete(self, policy_id: str) -> None:
        del self.policies[policy_id]
        self.org.touch()

    def attach(self, policy_id: str, target_id: str) -> None:
        policy_type = self.policies[policy_id].type
        self.attached.setdefault(target_id, {}).setdefault(policy_type, []).append(policy_id)
        self.org.touch()

    def detach(self, policy_id: str, target_id: str) -> None:
        self.attached[target_id][self.policies[policy_id].type].remove(policy_id)
        self.org.touch()

    def new_target(self, target_id: str) -> None:
        """A new OU (or account) gets the full-access policy of every enabled type, as on AWS."""
        for policy_type, enabled in self.enabled.items():
            if enabled:
                self.attached.setdefault(target_id, {}).setdefault(policy_type, []).append(FULL_ACCESS_ID[policy_type])
        self.org.touch()

    def drop_target(self, target_id: str) -> None:
        """A deleted OU or an account that left the organization: its attachments go with it."""
        self.attached.pop(target_id, None)
        self.org.touch()

    def enable(self, policy_type: str) -> None:
        self.enabled[policy_type] = True
        for target in self.org.targets():
            self.attached.setdefault(target, {})[policy_type] = [FULL_ACCESS_ID[policy_type]]
        self.org.touch()

    def disable(self, policy_type: str) -> None:
        self.enabled[policy_type] = False
        for per_type in self.attached.values():
            per_type.pop(policy_type, None)
        self.org.touch()
