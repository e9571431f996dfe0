# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CloudFormation template that organization_access points invited accounts to: structure, without AWS.

cfn-lint is not a dependency; this checks what CloudFormation itself would refuse or what would make the role
useless: the template's sections, the parameters the template's Ref and Fn::Sub use, the role's trust and policy.
"""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "roles" / "organization_access" / "files" / "organization-account-access-role.yml"
PSEUDO = {"AWS::Partition", "AWS::AccountId", "AWS::Region", "AWS::StackName", "AWS::URLSuffix"}
TOP = {"AWSTemplateFormatVersion", "Description", "Parameters", "Resources", "Outputs"}


def _walk(node: t.Any) -> t.Iterator[tuple[str, t.Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_the_access_role_template_is_plain_yaml_and_well_formed():
    # Long-form intrinsic functions: a YAML loader without CloudFormation's tags reads it.
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    assert set(template) <= TOP and {"AWSTemplateFormatVersion", "Parameters", "Resources"} <= set(template)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    parameters = template["Parameters"]
    assert set(parameters) == {"ManagementAccountId", "RoleName"}
    assert parameters["RoleName"]["Default"] == "OrganizationAccountAccessRole"
    assert re.fullmatch(parameters["ManagementAccountId"]["AllowedPattern"], "123456789012")
    assert not re.fullmatch(parameters["ManagementAccountId"]["AllowedPattern"], "12345")
    assert re.fullmatch(parameters["RoleName"]["AllowedPattern"], "OrganizationAccountAccessRole")
    assert all(spec["Type"] == "String" and spec.get("Description") for spec in parameters.values())

    names = set(parameters) | set(template["Resources"]) | PSEUDO
    for key, value in _walk(template):
        if key == "Ref":
            assert value in names, value
        elif key == "Fn::Sub":
            assert set(re.findall(r"\$\{([^}]+)\}", value)) <= names, value
        elif key == "Fn::GetAtt":
            assert value[0] in template["Resources"], value

    role = template["Resources"]["AccessRole"]
    assert role["Type"] == "AWS::IAM::Role"
    properties = role["Properties"]
    assert properties["RoleName"] == {"Ref": "RoleName"}
    (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${ManagementAccountId}:root"}}
    assert properties["ManagedPolicyArns"] == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}]
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["AccessRole", "Arn"]}


def test_the_role_names_the_template_it_ships():
    tasks = (ROOT / "roles" / "organization_access" / "tasks" / "main.yml").read_text(encoding="utf-8")
    assert f"{{{{ role_path }}}}/files/{TEMPLATE.name}" in tasks
