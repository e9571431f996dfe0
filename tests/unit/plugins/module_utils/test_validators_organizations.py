# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _validators_organizations.py: organization ids and paths, and the organization_accounts inventory's
ou_paths, statuses and tag_filters."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_organizations as v_org
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure


def fails(func, *args, option: str) -> str:
    with pytest.raises(ValidationFailure) as info:
        func(*args)
    assert info.value.msg.startswith(f"{option}: ")
    assert "\n" not in info.value.msg
    return info.value.msg


@pytest.mark.parametrize("text, expected", [
    ("Root/Workloads/Prod", ("path", ("Root", "Workloads", "Prod"))),
    ("/Root/Workloads/", ("path", ("Root", "Workloads"))),
    ("Root", ("path", ("Root",))),
    ("Root/My OU (eu)", ("path", ("Root", "My OU (eu)"))),
    ("ou-emu1-00000003", ("id", "ou-emu1-00000003")),
    (" ou-ab12-cdef3456 ", ("id", "ou-ab12-cdef3456")),
])
def test_ou_selector_accepts_paths_and_ids(text, expected):
    assert v_org.ou_selector(text, "ou_paths[0]") == expected


@pytest.mark.parametrize("value, needle", [
    ("ou-XYZ", "OU id"),
    ("ou-emu1-0001", "OU id"),
    ("Root//Prod", "separated by '/'"),
    ("/", "separated by '/'"),
    ("", "separated by '/'"),
    (42, "OU path"),
    (None, "OU path"),
    ("Root/" + "x" * 129, "at most 128"),
])
def test_ou_selector_refuses_bad_values_naming_the_option(value, needle):
    assert needle in fails(v_org.ou_selector, value, "ou_paths[2]", option="ou_paths[2]")


def test_ou_selectors_name_the_item_and_drop_duplicates():
    assert v_org.ou_selectors(["Root/A", "/Root/A/", "ou-ab12-cdef3456"], "ou_paths") == [
        ("path", ("Root", "A")), ("id", "ou-ab12-cdef3456")]
    assert v_org.ou_selectors(None, "ou_paths") == []
    fails(v_org.ou_selectors, ["Root/A", "ou-bad"], "ou_paths", option="ou_paths[1]")
    fails(v_org.ou_selectors, "Root/A", "ou_paths", option="ou_paths")


def test_account_states_are_case_insensitive_and_known():
    assert v_org.account_states(["active", "Suspended", "ACTIVE"], "statuses") == ["ACTIVE", "SUSPENDED"]
    assert v_org.account_states(["CLOSED", "PENDING_ACTIVATION", "PENDING_CLOSURE"], "statuses") == [
        "CLOSED", "PENDING_ACTIVATION", "PENDING_CLOSURE"]
    assert "ACTIVE, SUSPENDED" in fails(v_org.account_states, ["ACTIVE", "DELETED"], "statuses", option="statuses[1]")
    assert "at least one" in fails(v_org.account_states, [], "statuses", option="statuses")
    fails(v_org.account_states, [1], "statuses", option="statuses[0]")


def test_tag_filters_take_a_value_or_a_list_of_values():
    assert v_org.tag_filters({"env": "prod", "team": ["blue", "red", "blue"], "cost": 1234}, "tag_filters") == {
        "env": ("prod",), "team": ("blue", "red"), "cost": ("1234",)}
    assert v_org.tag_filters(None, "tag_filters") == {}
    assert v_org.tag_filters({"empty": ""}, "tag_filters") == {"empty": ("",)}


@pytest.mark.parametrize("value, option, needle", [
    (["env"], "tag_filters", "must be a dict"),
    ({"env": []}, "tag_filters.env", "non-empty list"),
    ({"env": None}, "tag_filters.env", "write ''"),
    ({"env": ["prod", None]}, "tag_filters.env[1]", "write ''"),
    ({"env": True}, "tag_filters.env", "quote"),
    ({"env": {"a": 1}}, "tag_filters.env", "must be a string"),
    ({"": "x"}, "tag_filters", "tag key"),
    ({"env": "x" * 257}, "tag_filters.env", "0 to 256"),
])
def test_tag_filters_refuse_bad_values_naming_the_option(value, option, needle):
    assert needle in fails(v_org.tag_filters, value, "tag_filters", option=option)


# --- organization ids and paths (trusted_org_id, trusted_org_paths, target_organization_id) ---

ORG = "o-emulator0001"


@pytest.mark.parametrize("value", ["o-a1b2c3d4e5", ORG, "o-" + "a" * 32])
def test_organization_id_accepted(value):
    assert v_org.organization_id(value, "opt") == value


@pytest.mark.parametrize("value", ["o-short", "o-UPPERCASE01", "a1b2c3d4e5", "o-a1b2c3d4e5 ", 12, None, "o-*"])
def test_organization_id_refused(value):
    fails(v_org.organization_id, value, "opt", option="opt")


@pytest.mark.parametrize("value", [f"{ORG}/r-emu1/", f"{ORG}/r-emu1/ou-emu1-00000002/", f"{ORG}/r-emu1/ou-emu1-00000002/*",
                                   f"{ORG}/r-emu1/ou-emu1-00000002/ou-emu1-00000003/"])
def test_organization_path_accepted(value):
    assert v_org.organization_path(value, "opt", ORG) == value


@pytest.mark.parametrize("value", [f"{ORG}/ou-emu1-00000002/", f"{ORG}/r-emu1", f"{ORG}/r-emu1/ou-emu1-00000002", "*",
                                   f"{ORG}/*/ou-emu1-00000002/", "o-otherorg0001/r-emu1/"])
def test_organization_path_refused(value):
    fails(v_org.organization_path, value, "opt", ORG, option="opt")


def test_organization_paths_of_two_organizations_are_refused():
    assert "one organization" in fails(v_org.organization_paths, [f"{ORG}/r-emu1/", "o-otherorg0001/r-abcd/"], "opt", option="opt")
