# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the inventory plugin's pure parts: which values may be templated, which files it claims."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.inventory import organization_accounts as plugin

try:
    from ansible.template import is_trusted_as_template
except ImportError:  # ansible-core < 2.19 has no trust tags: the plugin wraps text with braces as unsafe instead
    from ansible.utils.unsafe_proxy import AnsibleUnsafe

    def is_trusted_as_template(value: object) -> bool:
        return not isinstance(value, AnsibleUnsafe)


@pytest.mark.parametrize("text", ["{{ lookup('pipe', 'id') }}", "{% if true %}x{% endif %}", "a}b", "{"])
def test_text_with_braces_is_never_trusted_as_a_template(text):
    assert plugin._host_value(text) == text
    assert not is_trusted_as_template(plugin._host_value(text))


def test_brace_free_text_is_trusted_so_list_output_stays_plain():
    value = plugin._host_value("member-001@example.invalid")
    assert value == "member-001@example.invalid"
    assert is_trusted_as_template(value)


def test_nested_values_are_handled_item_by_item():
    value = plugin._host_value({"team": "blue", "note": "{{ 6 * 7 }}", "list": ["a", "{{ b }}"], "n": 3, "none": None})
    assert value == {"team": "blue", "note": "{{ 6 * 7 }}", "list": ["a", "{{ b }}"], "n": 3, "none": None}
    assert is_trusted_as_template(value["team"]) and is_trusted_as_template(value["list"][0])
    assert not is_trusted_as_template(value["note"]) and not is_trusted_as_template(value["list"][1])


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
