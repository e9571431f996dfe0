# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option_problems filter (controller code: ansible-test 2.17/2.18 keep ansible.errors out of module_utils tests)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.crossaccount.aws.plugins.filter.option_problems import FilterModule


def test_filter_plugin():
    option_problems = FilterModule().filters()["option_problems"]
    assert option_problems({"x": ["account_id", "111111111111"]}) == []
    assert option_problems({"x": ["account_id", "1"]})[0].startswith("x: must be a 12-digit AWS account id")
    with pytest.raises(AnsibleFilterError):
        option_problems({"x": ["nope", 1]})


def test_the_documented_kinds_are_the_registry():
    import re

    import yaml
    from ansible_collections.crossaccount.aws.plugins.filter import option_problems
    from ansible_collections.crossaccount.aws.plugins.module_utils._option_kinds import KINDS

    doc = yaml.safe_load(option_problems.DOCUMENTATION)
    described = " ".join(doc["options"]["_input"]["description"])
    documented = re.findall(r"V\(([a-z_]+)\)", described.split("KIND is one of", 1)[1])
    assert sorted(documented) == sorted(KINDS)
    assert len(documented) == len(set(documented))
