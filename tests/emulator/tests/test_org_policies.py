# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Organizations policy API for SCPs and RCPs: AWS's shapes, defaults, paging and errors, over HTTP with boto3."""

from __future__ import annotations

import json
import typing as t

import pytest

from .support import (
    DEV,
    FULL_RCP,
    FULL_SCP,
    MANAGEMENT,
    ORG_ID,
    PROD,
    RCP,
    ROOT,
    SCP,
    SECURITY,
    SOURCE,
    TARGET,
    WORKLOADS,
    allow,
    deny,
    document,
    error_of,
    member,
    org,
    reason_of,
)

ENABLED = [{"Type": SCP, "Status": "ENABLED"}, {"Type": RCP, "Status": "ENABLED"}]


def all_pages(call: t.Callable[..., dict[str, t.Any]], key: str, **kwargs: t.Any) -> list[t.Any]:
    items: list[t.Any] = []
    while True:
        answer = call(**kwargs)
        items += answer[key]
        if "NextToken" not in answer:
            return items
        kwargs["NextToken"] = answer["NextToken"]


def test_both_policy_types_are_enabled_with_the_aws_managed_full_access_policies(emu: t.Any) -> None:
    client = org(emu)
    assert client.list_roots()["Roots"][0]["PolicyTypes"] == ENABLED
    assert client.describe_organization()["Organization"]["AvailablePolicyTypes"] == ENABLED
    scps = client.list_policies(Filter=SCP)["Policies"]
    assert scps == [{"Id": FULL_SCP, "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
                     "Name": "FullAWSAccess", "Description": "Allows access to every operation", "Type": SCP, "AwsManaged": True}]
    rcps = client.list_policies(Filter=RCP)["Policies"]
    assert [(p["Id"], p["Name"], p["Arn"]) for p in rcps] == [
        (FULL_RCP, "RCPFullAWSAccess", "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess")]
    content = json.loads(client.describe_policy(PolicyId=FULL_RCP)["Policy"]["Content"])
    assert content["Statement"] == [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]
    # Attached at the root, every OU and every account.
    for target in (ROOT, PROD, SOURCE, member(6)):
        assert [p["Id"] for p in client.list_policies_for_target(TargetId=target, Filter=SCP)["Policies"]] == [FULL_SCP]
        assert [p["Id"] for p in client.list_policies_for_target(TargetId=target, Filter=RCP)["Policies"]] == [FULL_RCP]
    targets = all_pages(client.list_targets_for_policy, "Targets", PolicyId=FULL_SCP)
    assert len(targets) == 1 + 5 + 9  # root, OUs, management + source + target + 6 members
    assert targets[0] == {"TargetId": ROOT, "Arn": f"arn:aws:organizations::{MANAGEMENT}:root/{ORG_ID}/{ROOT}",
                          "Name": "Root", "Type": "ROOT"}
    assert {"TargetId": PROD, "Arn": f"arn:aws:organizations::{MANAGEMENT}:ou/{ORG_ID}/{PROD}", "Name": "Prod",
            "Type": "ORGANIZATIONAL_UNIT"} in targets
    assert {"TargetId": TARGET, "Arn": f"arn:aws:organizations::{MANAGEMENT}:account/{ORG_ID}/{TARGET}", "Name": "target",
            "Type": "ACCOUNT"} in targets


def test_create_describe_update_delete_a_policy(emu: t.Any) -> None:
    client = org(emu)
    content = document(deny("sts:AssumeRole", sid="NoHops"))
    created = client.create_policy(Content=content, Description="no role hopping", Name="NoHops", Type=SCP,
                                   Tags=[{"Key": "owner", "Value": "security"}])["Policy"]
    policy_id = created["PolicySummary"]["Id"]
    assert created == {"PolicySummary": {
        "Id": policy_id, "Arn": f"arn:aws:organizations::{MANAGEMENT}:policy/{ORG_ID}/service_control_policy/{policy_id}",
        "Name": "NoHops", "Description": "no role hopping", "Type": SCP, "AwsManaged": False}, "Content": content}
    assert client.describe_policy(PolicyId=policy_id)["Policy"] == created
    assert client.list_tags_for_resource(ResourceId=policy_id)["Tags"] == [{"Key": "owner", "Value": "security"}]
    assert [p["Id"] for p in client.list_policies(Filter=SCP)["Policies"]] == [FULL_SCP, policy_id]
    updated = client.update_policy(PolicyId=policy_id, Name="NoHopsAtAll", Content=document(deny("sts:*")))["Policy"]
    assert (updated["PolicySummary"]["Name"], updated["PolicySummary"]["Description"]) == ("NoHopsAtAll", "no role hopping")
    assert json.loads(updated["Content"])["Statement"][0]["Action"] == "sts:*"
    client.attach_policy(PolicyId=policy_id, TargetId=SECURITY)
    assert error_of(client.delete_policy, PolicyId=policy_id) == (
        "PolicyInUseException", "The policy is attached to one or more entities. You must detach it from all roots, OUs, and "
                                "accounts before performing this operation.")
    assert client.list_targets_for_policy(PolicyId=policy_id)["Targets"] == [
        {"TargetId": SECURITY, "Arn": f"arn:aws:organizations::{MANAGEMENT}:ou/{ORG_ID}/{SECURITY}", "Name": "Security",
         "Type": "ORGANIZATIONAL_UNIT"}]
    client.detach_policy(PolicyId=policy_id, TargetId=SECURITY)
    client.delete_policy(PolicyId=policy_id)
    assert error_of(client.describe_policy, PolicyId=policy_id)[0] == "PolicyNotFoundException"


def test_attach_and_detach_follow_aws_rules(emu: t.Any) -> None:
    client = org(emu)
    scp = emu.client.create_policy(document(allow("iam:*")), "IamOnly")
    rcp = emu.client.create_policy(document(deny("s3:*", rcp=True)), "NoS3", policy_type=RCP)
    client.attach_policy(PolicyId=scp, TargetId=DEV)
    assert [p["Id"] for p in client.list_policies_for_target(TargetId=DEV, Filter=SCP)["Policies"]] == [FULL_SCP, scp]
    assert error_of(client.attach_policy, PolicyId=scp, TargetId=DEV) == (
        "DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.")
    assert error_of(client.detach_policy, PolicyId=scp, TargetId=PROD) == (
        "PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.")
    client.detach_policy(PolicyId=FULL_SCP, TargetId=DEV)  # the allow-list stays: allowed
    assert reason_of(client.detach_policy, PolicyId=scp, TargetId=DEV) == (  # the last SCP: refused
        "ConstraintViolationException", "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
    assert reason_of(client.detach_policy, PolicyId=FULL_RCP, TargetId=ROOT) == ("InvalidInputException", "NON_DETACHABLE_POLICY")
    client.attach_policy(PolicyId=rcp, TargetId=member(2))
    for index in range(3):
        client.attach_policy(PolicyId=emu.client.create_policy(document(deny(f"s3:Get{index}*", rcp=True)), f"r{index}",
                                                               policy_type=RCP), TargetId=member(2))
    sixth = emu.client.create_policy(document(deny("s3:Put*", rcp=True)), "sixth", policy_type=RCP)
    assert reason_of(client.attach_policy, PolicyId=sixth, TargetId=member(2)) == (  # five per target, RCPFullAWSAccess counts
        "ConstraintViolationException", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")


@pytest.mark.parametrize(("call", "kwargs", "code"), [
    ("describe_policy", {"PolicyId": "p-nothere1"}, "PolicyNotFoundException"),
    ("describe_policy", {"PolicyId": "policy"}, "InvalidInputException"),
    ("attach_policy", {"PolicyId": "p-nothere1", "TargetId": ROOT}, "PolicyNotFoundException"),
    ("attach_policy", {"PolicyId": FULL_SCP, "TargetId": "333333333333"}, "TargetNotFoundException"),
    ("attach_policy", {"PolicyId": FULL_SCP, "TargetId": "ou-emu1-99999999"}, "TargetNotFoundException"),
    ("list_policies_for_target", {"TargetId": "333333333333", "Filter": SCP}, "TargetNotFoundException"),
    ("list_policies", {"Filter": "NOT_A_TYPE"}, "InvalidInputException"),
    ("list_policies", {"Filter": "TAG_POLICY"}, "InvalidInputException"),
    ("list_targets_for_policy", {"PolicyId": "p-nothere1"}, "PolicyNotFoundException"),
    ("update_policy", {"PolicyId": FULL_SCP, "Name": "Mine"}, "InvalidInputException"),
    ("delete_policy", {"PolicyId": FULL_RCP}, "InvalidInputException"),
    ("tag_resource", {"ResourceId": FULL_SCP, "Tags": [{"Key": "a", "Value": "b"}]}, "InvalidInputException"),
    ("enable_policy_type", {"RootId": ROOT, "PolicyType": SCP}, "PolicyTypeAlreadyEnabledException"),
    ("enable_policy_type", {"RootId": "r-nope", "PolicyType": SCP}, "RootNotFoundException"),
    ("create_policy", {"Content": document(allow()), "Description": "", "Name": "FullAWSAccess", "Type": SCP},
     "DuplicatePolicyException"),
    ("create_policy", {"Content": document(allow()) + " " * 5120, "Description": "", "Name": "Big", "Type": SCP},
     "ConstraintViolationException"),
])
def test_policy_api_errors(emu: t.Any, call: str, kwargs: dict[str, t.Any], code: str) -> None:
    assert error_of(getattr(org(emu), call), **kwargs)[0] == code


@pytest.mark.parametrize(("policy_type", "content"), [
    (SCP, "{not json"),
    (SCP, json.dumps({"Version": "2012-10-17"})),
    (SCP, json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]})),
    (SCP, json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Resource": "*"}]})),
    (SCP, document({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"})),
    (SCP, document({"Effect": "Deny", "Action": "not an action", "Resource": "*"})),
    (RCP, document({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})),  # an RCP needs Principal "*"
    (RCP, document({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})),  # Allow: RCPFullAWSAccess only
    (RCP, document({"Effect": "Deny", "Principal": "*", "NotAction": "s3:*", "Resource": "*"})),
    (RCP, json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]})),
])
def test_malformed_documents_are_refused(emu: t.Any, policy_type: str, content: str) -> None:
    code, message = error_of(org(emu).create_policy, Content=content, Description="", Name="Bad", Type=policy_type)
    assert code == "MalformedPolicyDocumentException"
    assert message.startswith("The provided policy document doesn't meet the requirements of the specified policy type.")
    assert org(emu).list_policies(Filter=policy_type)["Policies"][-1]["Name"] != "Bad"


def test_disabling_a_type_detaches_its_policies_and_enabling_attaches_full_access_again(emu: t.Any) -> None:
    client = org(emu)
    custom = emu.client.guardrail(document(deny("s3:*", rcp=True)), PROD, policy_type=RCP)
    assert client.disable_policy_type(RootId=ROOT, PolicyType=RCP)["Root"]["PolicyTypes"] == [{"Type": SCP, "Status": "ENABLED"}]
    assert client.list_policies_for_target(TargetId=PROD, Filter=RCP)["Policies"] == []
    assert error_of(client.attach_policy, PolicyId=custom, TargetId=PROD) == (
        "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types.")
    assert error_of(client.disable_policy_type, RootId=ROOT, PolicyType=RCP)[0] == "PolicyTypeNotEnabledException"
    assert client.enable_policy_type(RootId=ROOT, PolicyType=RCP)["Root"]["PolicyTypes"] == ENABLED
    assert [p["Id"] for p in client.list_policies_for_target(TargetId=PROD, Filter=RCP)["Policies"]] == [FULL_RCP]
    assert [p["Id"] for p in client.list_policies_for_target(TargetId=TARGET, Filter=RCP)["Policies"]] == [FULL_RCP]


def test_a_new_ou_gets_the_full_access_policies(emu: t.Any) -> None:
    ou = emu.client.create_ou(WORKLOADS, "Staging")
    client = org(emu)
    assert [p["Id"] for p in client.list_policies_for_target(TargetId=ou, Filter=SCP)["Policies"]] == [FULL_SCP]
    assert [p["Id"] for p in client.list_policies_for_target(TargetId=ou, Filter=RCP)["Policies"]] == [FULL_RCP]


def test_policy_lists_page_like_aws(emu: t.Any) -> None:
    ids = [emu.client.create_policy(document(deny(f"iam:Get{i}*")), f"p{i:02d}") for i in range(25)]
    client = org(emu)
    first = client.list_policies(Filter=SCP)
    assert (len(first["Policies"]), "NextToken" in first) == (20, True)
    assert [p["Id"] for p in all_pages(client.list_policies, "Policies", Filter=SCP)] == [FULL_SCP, *ids]
    assert error_of(client.list_policies, Filter=SCP, NextToken=client.list_accounts(MaxResults=1)["NextToken"])[0] == (
        "InvalidInputException")


def test_a_delegated_administrator_may_manage_policies_but_not_the_tree(emu: t.Any) -> None:
    emu.client.configure(delegated_admins=[SOURCE])
    client = org(emu, "source-admin")
    policy_id = client.create_policy(Content=document(deny("ec2:*")), Description="", Name="NoEc2", Type=SCP)["Policy"][
        "PolicySummary"]["Id"]
    client.attach_policy(PolicyId=policy_id, TargetId=DEV)
    assert error_of(client.create_organizational_unit, ParentId=ROOT, Name="Mine") == (
        "AccessDeniedException", "You don't have permissions to access this resource.")
    assert error_of(org(emu, "target-admin").list_policies, Filter=SCP)[0] == "AccessDeniedException"
