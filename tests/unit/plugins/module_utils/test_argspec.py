# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArgumentSpec (one object for an option group and its rules) and refusal() (what must be refused before ansible-core
validates and logs the parameters)."""

from __future__ import annotations

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec, refusal
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_ARGSPEC, CONNECTION_SPEC

OWN = ArgumentSpec({"name": {"type": "str", "required": True}, "doc": {"type": "json"}, "ids": {"type": "list", "elements": "str"}},
                   mutually_exclusive=(("doc", "ids"),))
SPEC = CONNECTION_SPEC.merge(OWN, ArgumentSpec({"target_aws": {"type": "dict", "options": CONNECTION_ARGSPEC}}))


def test_merge_keeps_every_option_and_rule():
    assert set(SPEC.options) == set(CONNECTION_ARGSPEC) | {"name", "doc", "ids", "target_aws"}
    assert SPEC.mutually_exclusive == (("doc", "ids"),)
    kwargs = SPEC.kwargs()
    assert kwargs["mutually_exclusive"] == [["doc", "ids"]] and "required_if" not in kwargs


def test_with_options_changes_a_copy():
    required = CONNECTION_SPEC.with_options(region={"required": True})
    assert required.argument_spec["region"]["required"] is True and required.argument_spec["region"]["aliases"] == ["aws_region"]
    assert "required" not in CONNECTION_SPEC.argument_spec["region"]


def test_kwargs_give_fresh_copies_that_ansible_core_validates_with_the_rules():
    first, second = SPEC.kwargs(), SPEC.kwargs()
    first["argument_spec"]["name"]["required"] = False
    assert second["argument_spec"]["name"]["required"] is True
    result = ArgumentSpecValidator(**SPEC.kwargs()).validate({"name": "n", "doc": "{}", "ids": ["1"]})
    assert any("mutually exclusive" in message for message in result.error_messages)
    ok = ArgumentSpecValidator(**SPEC.kwargs()).validate({"name": "n", "aws_region": "eu-west-1"})
    assert not ok.error_messages and ok.validated_parameters["region"] == "eu-west-1"


@pytest.mark.parametrize(("params", "message", "masked"), [
    ({"name": "a\x00b"}, "name: must not contain a NUL character", "name"),
    ({"name": "n", "ids": ["ok", "a\x00"]}, "ids: must not contain a NUL character", "ids"),
    ({"name": "n", "aws_profile": "p\x00"}, "aws_profile: must not contain a NUL character", "profile"),
    ({"name": "n", "target_aws": 5}, "target_aws: must be a dictionary of options, got int", "target_aws"),
    ({"name": "n", "target_aws": [{"secret_key": "s"}]}, "target_aws: must be a dictionary of options, got list", "target_aws"),
    ({"name": "n", "target_aws": "target-admin"}, "target_aws: must be a dictionary of options, got str", "target_aws"),
])
def test_refused_before_ansible_core_sees_them(params, message, masked):
    refused = refusal(SPEC.argument_spec, params)
    assert refused is not None and refused.msg == message
    assert refused.argument_spec[masked]["type"] == "raw" and refused.argument_spec[masked]["no_log"] is True
    assert refused.argument_spec[masked].get("aliases") == SPEC.argument_spec[masked].get("aliases")


def test_unknown_names_are_named_never_their_values():
    top = refusal(SPEC.argument_spec, {"name": "n", "aws_secret_key_id": "tOpSeCrEt"})
    assert top is not None and top.msg.startswith("Unsupported parameters: aws_secret_key_id. Supported parameters include: ")
    assert "tOpSeCrEt" not in top.msg and top.argument_spec["aws_secret_key_id"] == {"type": "raw", "no_log": True}
    nested = refusal(SPEC.argument_spec, {"name": "n", "target_aws": {"secret_access_key": "tOpSeCrEt"}})
    assert nested is not None and nested.msg.startswith("Unsupported parameters: target_aws.secret_access_key. Supported parameters of target_aws")
    assert nested.argument_spec["target_aws"]["no_log"] is True


@pytest.mark.parametrize("params", [
    {"name": "n"},
    {"name": "n", "aws_profile": "p", "target_aws": {"aws_profile": "t", "region": "eu-west-1"}},
    {"name": "n", "target_aws": "profile=target-admin"},
    {"name": "n", "_ansible_check_mode": True, "_ansible_verbosity": 3},
])
def test_ordinary_parameters_are_left_to_ansible_core(params):
    assert refusal(SPEC.argument_spec, params) is None
