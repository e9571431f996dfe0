# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the pure parts of the organization reader: options, filters, group and host names."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _organizations as org


def request(**options):
    return org.request_from_options(OptionAdapter.from_dict(options))


def test_defaults_select_active_members_by_name():
    got = request()
    assert got == org.InventoryRequest()
    assert got.statuses == frozenset({"ACTIVE"})
    assert got.include_account_ids is None
    assert got.include_management_account is False
    assert got.access_role_name == "OrganizationAccountAccessRole"
    assert got.hostnames == "name"


def test_options_are_validated_and_normalised():
    got = request(ou_paths=["Root/Workloads", "ou-emu1-00000005"], include_account_ids=["111111111111"],
                  exclude_account_ids=["222222222222"], include_management_account=True, statuses=["suspended"],
                  tag_filters={"team": "blue"}, access_role_name="AWSControlTowerExecution", hostnames="id")
    assert got.ou_paths == (("path", ("Root", "Workloads")), ("id", "ou-emu1-00000005"))
    assert got.include_account_ids == frozenset({"111111111111"})
    assert got.exclude_account_ids == frozenset({"222222222222"})
    assert got.statuses == frozenset({"SUSPENDED"})
    assert got.tag_filters == {"team": ("blue",)}
    assert got.hostnames == "id"


@pytest.mark.parametrize("options, option", [
    ({"include_account_ids": ["12345"]}, "include_account_ids[0]"),
    ({"exclude_account_ids": [123]}, "exclude_account_ids[0]"),
    ({"include_management_account": "maybe"}, "include_management_account"),
    ({"statuses": ["GONE"]}, "statuses[0]"),
    ({"tag_filters": "env=prod"}, "tag_filters"),
    ({"access_role_name": "bad name"}, "access_role_name"),
    ({"hostnames": "email"}, "hostnames"),
    ({"ou_paths": ["Root//x"]}, "ou_paths[0]"),
])
def test_bad_options_are_refused_naming_them(options, option):
    with pytest.raises(ValidationFailure) as info:
        request(**options)
    assert info.value.msg.startswith(f"{option}: ")


ACCOUNT = {"Id": "200000000001", "Name": "member-001", "Status": "ACTIVE"}


@pytest.mark.parametrize("account, options, kept", [
    (ACCOUNT, {}, True),
    (ACCOUNT, {"include_account_ids": ["200000000002"]}, False),
    (ACCOUNT, {"include_account_ids": ["200000000001"]}, True),
    (ACCOUNT, {"exclude_account_ids": ["200000000001"]}, False),
    (ACCOUNT, {"include_account_ids": ["200000000001"], "exclude_account_ids": ["200000000001"]}, False),
    (dict(ACCOUNT, Status="SUSPENDED"), {}, False),
    (dict(ACCOUNT, Status="SUSPENDED"), {"statuses": ["SUSPENDED"]}, True),
    # State wins over the retired Status field.
    (dict(ACCOUNT, Status="ACTIVE", State="CLOSED"), {}, False),
    (dict(ACCOUNT, Status="ACTIVE", State="CLOSED"), {"statuses": ["CLOSED"]}, True),
    (dict(ACCOUNT, Id="100000000000"), {}, False),
    (dict(ACCOUNT, Id="100000000000"), {"include_management_account": True}, True),
])
def test_keep_applies_every_filter(account, options, kept):
    assert org._keep(account, request(**options), management_id="100000000000") is kept


@pytest.mark.parametrize("tags, filters, matches", [
    ({"env": "prod", "team": "blue"}, {}, True),
    ({"env": "prod", "team": "blue"}, {"env": ("prod",)}, True),
    ({"env": "prod", "team": "blue"}, {"env": ("dev", "prod"), "team": ("blue",)}, True),
    ({"env": "prod", "team": "blue"}, {"env": ("prod",), "team": ("red",)}, False),
    ({"env": "prod"}, {"team": ("blue",)}, False),
    ({"Env": "prod"}, {"env": ("prod",)}, False),
    ({"env": ""}, {"env": ("",)}, True),
])
def test_tag_filters_and_keys_or_values(tags, filters, matches):
    assert org._tags_match(tags, filters) is matches


@pytest.mark.parametrize("path, expected", [
    ("Root", "ou_root"),
    ("Root/Workloads/Prod", "ou_root_workloads_prod"),
    ("Root/Shared Services/EU-West (1)", "ou_root_shared_services_eu_west_1"),
    ("Root/Équipe", "ou_root_quipe"),
    ("Root/生产", "ou_root_ou_emu1_00000009"),
])
def test_group_names(path, expected):
    assert org.group_name(path, {"Root/生产": "ou-emu1-00000009"}) == expected


def records(*names):
    return [{"aws_account_id": f"{200000000001 + index:012d}", "aws_account_name": name} for index, name in enumerate(names)]


@pytest.mark.parametrize("name, host", [
    ("app", "app"),
    ("Team A/Prod", "Team_A_Prod"),
    ("web-1.example_x", "web-1.example_x"),
    ("{{ lookup('pipe','id') }}", "___lookup__pipe___id_____"),
    ("#jinja2:x:1\n[% y %]", "_jinja2_x_1____y___"),
    ("caf\u00e9", "caf_"),
])
def test_host_names_hold_only_letters_digits_dot_underscore_and_dash(name, host):
    assert org.hostnames(records(name), "name") == [host]
    assert org.clean_hostname(name) == host


def test_names_that_collide_once_cleaned_are_named_by_their_ids():
    got = org.hostnames(records("team a", "team/a", "app", "team_b"), "name")
    assert got == ["200000000001", "200000000002", "app", "team_b"]


def test_empty_and_dot_only_names_are_named_by_their_ids():
    assert org.hostnames(records("", "..", ".", "ok"), "name") == ["200000000001", "200000000002", "200000000003", "ok"]


def test_a_name_equal_to_an_id_that_became_a_host_name_falls_back_too():
    # 200000000002 collides with 200000000003 ("x y" / "x_y") and so is named by its id, which 200000000001 is named.
    got = org.hostnames(records("200000000002", "x y", "x_y"), "name")
    assert got == ["200000000001", "200000000002", "200000000003"]
    assert len(set(got)) == 3


def test_hostnames_id_are_the_account_ids():
    assert org.hostnames(records("app", "app"), "id") == ["200000000001", "200000000002"]


def test_partition_comes_from_the_arns():
    assert org._partition(None, "arn:aws-cn:organizations::100000000000:organization/o-abc") == "aws-cn"
    assert org._partition("arn:aws-us-gov:organizations::100000000000:account/o-abc/200000000001") == "aws-us-gov"
    assert org._partition(None, None) == "aws"
