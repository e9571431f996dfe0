# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request_problems filter: a role's options checked by the module's own request builder, named by variable."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.crossaccount.aws.plugins.filter import request_problems as plugin
from ansible_collections.crossaccount.aws.plugins.module_utils._option_kinds import REQUEST_MODULES

check = plugin.FilterModule().filters()["request_problems"]
ROLE_ARN = "arn:aws:iam::222222222222:role/r"


def test_accepted_options_give_no_problem():
    options = {"name": ["my_name", "r"], "trusted_account_ids": ["my_ids", ["111111111111"]], "external_id": ["my_ext", ""]}
    assert check(options, "target_role") == []


def test_every_independent_problem_is_reported_under_its_variable():
    options = {"name": ["my_name", "bad name"], "trusted_account_ids": ["my_ids", ["1234"]], "tags": ["my_tags", ["x"]]}
    found = check(options, "target_role")
    assert [message.split(":", 1)[0] for message in found] == ["my_name", "my_ids[0]", "my_tags"]
    assert found[1].startswith("my_ids[0]: must be a 12-digit AWS account id")


def test_a_rule_over_several_options_is_the_module_s():
    options = {"name": ["p_name", "p"], "type": ["p_type", "inline"], "target_role_arns": ["p_arns", [ROLE_ARN]], "users": ["p_users", []]}
    assert check(options, "source_policy") == ["p_users: type=inline needs at least one of users, groups or roles to put the policy on"]


def test_the_connection_dict_is_checked_as_the_module_checks_it():
    found = check({"name": ["n", "r"]}, "target_role", connection=["my_aws", {"endpoint_url": "http://a b", "profile": "p"}])
    assert found[0].startswith("my_aws.endpoint_url: must be an http:// or https:// URL")
    secret = check({"name": ["n", "r"]}, "target_role", connection=["my_aws", {"secret_access_key": "tOpSeCrEt"}])
    assert secret[0].startswith("my_aws.secret_access_key: unknown connection option") and "tOpSeCrEt" not in secret[0]


@pytest.mark.parametrize(("options", "module", "connection"), [
    ({"name": ["n", "r"]}, "no_such_module", None),
    ({"name": "r"}, "target_role", None),
    (["name"], "target_role", None),
    ({"name": ["n", "r"]}, "target_role", "my_aws"),
])
def test_a_malformed_call_is_the_role_s_mistake(options, module, connection):
    with pytest.raises(AnsibleFilterError):
        check(options, module, connection)


def test_the_documented_modules_are_the_registry():
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert doc["options"]["module"]["choices"] == list(REQUEST_MODULES)
