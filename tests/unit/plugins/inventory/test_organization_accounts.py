# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the inventory plugin's pure parts: values from AWS are never templated; which files it claims."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.inventory import organization_accounts as plugin

try:
    from ansible.template import is_trusted_as_template
except ImportError:  # ansible-core < 2.19 has no trust tags: the plugin wraps text as unsafe instead
    from ansible.utils.unsafe_proxy import AnsibleUnsafe

    def is_trusted_as_template(value: object) -> bool:
        return not isinstance(value, AnsibleUnsafe)


HEADER = "#jinja2:variable_start_string:'[%', variable_end_string:'%]'\n[% lookup('pipe', 'id') %]"


@pytest.mark.parametrize("text", ["{{ lookup('pipe', 'id') }}", "{% if true %}x{% endif %}", "a}b", "{", HEADER,
                                  "member-001@example.invalid", ""])
def test_text_from_aws_is_never_trusted_as_a_template(text):
    # Brace-free text too: a #jinja2: first line moves the delimiters, so no text read from AWS is trusted.
    assert plugin._inert(text) == text
    assert not is_trusted_as_template(plugin._inert(text))


def test_trusted_text_loses_its_trust():
    # A cache plugin may hand back text that ansible-core 2.19+ trusts; it is marked again.
    try:
        from ansible.template import trust_as_template
    except ImportError:
        trusted = HEADER
    else:
        trusted = trust_as_template(HEADER)
    assert not is_trusted_as_template(plugin._inert(trusted))


def test_nested_values_and_dict_keys_are_handled_item_by_item():
    value = plugin._inert({"team": "blue", "{{ key }}": "{{ 6 * 7 }}", "list": ["a", HEADER], "n": 3, "none": None})
    assert value == {"team": "blue", "{{ key }}": "{{ 6 * 7 }}", "list": ["a", HEADER], "n": 3, "none": None}
    texts = [value["team"], value["{{ key }}"], *value["list"], *value]
    assert not any(is_trusted_as_template(text) for text in texts)


@pytest.mark.parametrize("name, expected", [
    ("team_blue", "team_blue"),
    ("team_{{ lookup('pipe','id') }}", "team____lookup__pipe___id_____"),
    ("ou_#jinja2:x\n[% y %]", "ou__jinja2_x____y___"),
])
def test_group_names_hold_only_letters_digits_and_underscores(name, expected):
    assert plugin.InventoryModule._sanitize_group_name(name) == expected


@pytest.mark.parametrize("name, claimed", [
    ("aws.organization_accounts.yml", True),
    ("organization_accounts.yaml", True),
    ("prod-organization_accounts.yml", True),
    ("aws_ec2.yml", False),
    ("organization_accounts.yml.bak", False),
    ("organization_accounts.json", False),
])
def test_verify_file_claims_only_its_file_names(tmp_path, name, claimed):
    path = tmp_path / name
    path.write_text("plugin: crossaccount.aws.organization_accounts\n")
    assert plugin.InventoryModule().verify_file(str(path)) is claimed


def test_verify_file_refuses_a_missing_file(tmp_path):
    assert plugin.InventoryModule().verify_file(str(tmp_path / "gone.organization_accounts.yml")) is False
