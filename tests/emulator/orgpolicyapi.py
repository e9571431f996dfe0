# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Organizations policy operations for service and resource control policies, with AWS's checks and errors:
CreatePolicy, UpdatePolicy, DeletePolicy, AttachPolicy, DetachPolicy, DescribePolicy, ListPolicies,
ListPoliciesForTarget, ListTargetsForPolicy, EnablePolicyType, DisablePolicyType. The data is
``orgpolicies.PolicyStore``; the enforcement ``guardrails.py``.
"""

from __future__ import annotations

import typing as t

from emulator.organization import ROOT_ID
from emulator.orgcommon import POLICY_ID_RE, ROOT_ID_RE, TARGET_ID_RE, invalid, page, paged, required, text
from emulator.orgpolicies import ARN_SLUG, MAX_ATTACHED, MAX_POLICIES, MAX_POLICY_SIZE, SCP, OrgPolicy
from emulator.orgwrites import constraint
from emulator.wsgi import AwsError

if t.TYPE_CHECKING:
    from emulator.organization import Organization
    from emulator.organizations import OrganizationsApi

# AWS's PolicyType enum: a value outside it is an invalid string, one inside it but not SCP/RCP is a type the
# emulator does not model (tag, backup, ... policies).
POLICY_TYPES = {
    "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "TAG_POLICY", "BACKUP_POLICY", "AISERVICES_OPT_OUT_POLICY",
    "CHATBOT_POLICY", "DECLARATIVE_POLICY_EC2", "SECURITYHUB_POLICY", "SECURITYHUB_CSPM_POLICY", "INSPECTOR_POLICY",
    "UPGRADE_ROLLOUT_POLICY", "BEDROCK_POLICY", "S3_POLICY", "NETWORK_SECURITY_DIRECTOR_POLICY", "GUARDDUTY_POLICY",
}


def policy_not_found() -> AwsError:
    return AwsError(400, "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")


def immutable() -> AwsError:
    return invalid("You specified a policy that is managed by Amazon Web Services and can't be modified.", "IMMUTABLE_POLICY")


class PolicyApi:
    def __init__(self, api: OrganizationsApi) -> None:
        self.api = api

    @property
    def org(self) -> Organization:
        return self.api.org

    # ---------------------------------------------------------------- checks
    @staticmethod
    def policy_type(params: dict[str, t.Any], name: str, field: str) -> str:
        value = params.get(name)
        if value is None:
            raise invalid(f"1 validation error detected: Value null at '{field}' failed to satisfy constraint: "
                          "Member must not be null", "INPUT_REQUIRED")
        if value not in POLICY_TYPES:
            raise invalid("You specified an invalid policy type string.", "INVALID_ENUM_POLICY_TYPE")
        if value not in ARN_SLUG:
            raise invalid(f"The emulator models only SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY, not {value}.",
                          "INVALID_ENUM_POLICY_TYPE")
        return str(value)

    def existing(self, params: dict[str, t.Any]) -> OrgPolicy:
        policy = self.org.policies.get(required(params, "PolicyId", POLICY_ID_RE, "policyId"))
        if policy is None:
            raise policy_not_found()
        return policy

    def target(self, params: dict[str, t.Any]) -> str:
        target_id = required(params, "TargetId", TARGET_ID_RE, "targetId")
        if target_id != ROOT_ID and target_id not in self.org.ous and target_id not in self.org.accounts:
            raise AwsError(400, "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId "
                                                           "that you specified.")
        return target_id

    def content(self, params: dict[str, t.Any], optional: bool = False) -> str | None:
        content = text(params, "Content", "content", 1_000_000, optional=optional)
        if content is not None and len(content) > MAX_POLICY_SIZE:
            raise constraint("POLICY_CONTENT_LIMIT_EXCEEDED", "You attempted to create a policy that is larger than the "
                                                              "maximum size.")
        return content

    def check_unique_name(self, policy_type: str, name: str, except_id: str | None = None) -> None:
        if any(p.name == name and p.id != except_id for p in self.org.policies.of_type(policy_type)):
            raise AwsError(400, "DuplicatePolicyException", "A policy with the same name already exists.")

    def root(self, params: dict[str, t.Any]) -> str:
        root_id = required(params, "RootId", ROOT_ID_RE, "rootId")
        if root_id != ROOT_ID:
            raise AwsError(400, "RootNotFoundException", "We can't find a root with the RootId that you specified.")
        return root_id

    @staticmethod
    def shape(policy: OrgPolicy) -> dict[str, t.Any]:
        return {"Policy": {"PolicySummary": policy.summary(), "Content": policy.content}}

    # ----------------------------------------------------------- operations
    def op_CreatePolicy(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        content = t.cast(str, self.content(params))
        description = t.cast(str, text(params, "Description", "description", 512, min_length=0))
        name = t.cast(str, text(params, "Name", "name", 128))
        policy_type = self.policy_type(params, "Type", "type")
        tags = self.api.writes.tag_list(params, "Tags", optional=True)
        self.check_unique_name(policy_type, name)
        if len(self.org.policies.of_type(policy_type)) >= MAX_POLICIES:
            raise constraint("POLICY_NUMBER_LIMIT_EXCEEDED",
                             "You attempted to exceed the number of policies that you can have in an organization.")
        return self.shape(self.org.policies.create(policy_type, name, description, content, tags))

    def op_UpdatePolicy(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        policy = self.existing(params)
        if policy.aws_managed:
            raise immutable()
        name = text(params, "Name", "name", 128, optional=True)
        description = text(params, "Description", "description", 512, optional=True, min_length=0)
        content = self.content(params, optional=True)
        if name is not None:
            self.check_unique_name(policy.type, name, except_id=policy.id)
        self.org.policies.update(policy, name, description, content)
        return self.shape(policy)

    def op_DeletePolicy(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        policy = self.existing(params)
        if policy.aws_managed:
            raise immutable()
        if self.org.policies.targets_of(policy.id):
            raise AwsError(400, "PolicyInUseException", "The policy is attached to one or more entities. You must detach it from "
                                                        "all roots, OUs, and accounts before performing this operation.")
        self.org.policies.delete(policy.id)
        return {}

    def op_DescribePolicy(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        return self.shape(self.existing(params))

    def op_AttachPolicy(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        policy = self.existing(params)
        target_id = self.target(params)
        store = self.org.policies
        if not store.enabled[policy.type]:
            raise AwsError(400, "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types.")
        attached = store.attached_ids(target_id, policy.type)
        if policy.id in attached:
            raise AwsError(400, "DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified "
                                                                      "target.")
        if len(attached) >= MAX_ATTACHED:
            raise constraint("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to exceed the number of policies of a "
                                                                          "certain type that can be attached to an entity at "
                                                                          "one time.")
        store.attach(policy.id, target_id)
        return {}

    def op_DetachPolicy(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        policy = self.existing(params)
        target_id = self.target(params)
        store = self.org.policies
        attached = store.attached_ids(target_id, policy.type)
        if policy.id not in attached:
            raise AwsError(400, "PolicyNotAttachedException", "The policy isn't attached to the specified target in the "
                                                              "specified root.")
        if policy.aws_managed and policy.type != SCP:
            raise invalid("You can't detach this Amazon Web Services Managed Policy.", "NON_DETACHABLE_POLICY")
        if policy.type == SCP and len(attached) == 1:
            raise constraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to detach a policy from an entity that "
                                                                          "would cause the entity to have fewer than the minimum "
                                                                          "number of policies of a certain type required.")
        store.detach(policy.id, target_id)
        return {}

    def op_ListPolicies(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        policy_type = self.policy_type(params, "Filter", "filter")
        items = [p.summary() for p in self.org.policies.of_type(policy_type)]
        return paged("Policies", page(params, "ListPolicies", policy_type, items))

    def op_ListPoliciesForTarget(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        target_id = self.target(params)
        policy_type = self.policy_type(params, "Filter", "filter")
        items = [p.summary() for p in self.org.policies.for_target(target_id, policy_type)]
        return paged("Policies", page(params, "ListPoliciesForTarget", f"{target_id}/{policy_type}", items))

    def op_ListTargetsForPolicy(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        policy = self.existing(params)
        items = [self.target_shape(target_id) for target_id in self.org.policies.targets_of(policy.id)]
        return paged("Targets", page(params, "ListTargetsForPolicy", policy.id, items))

    def target_shape(self, target_id: str) -> dict[str, str]:
        if target_id == ROOT_ID:
            return {"TargetId": target_id, "Arn": self.org.arn("root", target_id), "Name": "Root", "Type": "ROOT"}
        if target_id in self.org.ous:
            return {"TargetId": target_id, "Arn": self.org.arn("ou", target_id), "Name": self.org.ous[target_id].name,
                    "Type": "ORGANIZATIONAL_UNIT"}
        return {"TargetId": target_id, "Arn": self.org.arn("account", target_id), "Name": self.org.accounts[target_id].name,
                "Type": "ACCOUNT"}

    def op_EnablePolicyType(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        self.root(params)
        policy_type = self.policy_type(params, "PolicyType", "policyType")
        if self.org.policies.enabled[policy_type]:
            raise AwsError(400, "PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled in the "
                                                                     "specified root.")
        self.org.policies.enable(policy_type)
        return {"Root": self.api.root_shape()}

    def op_DisablePolicyType(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        self.root(params)
        policy_type = self.policy_type(params, "PolicyType", "policyType")
        if not self.org.policies.enabled[policy_type]:
            raise AwsError(400, "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types.")
        self.org.policies.disable(policy_type)
        return {"Root": self.api.root_shape()}
