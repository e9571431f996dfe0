# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret plugin options of the wrong shape: named by option and type, never by value."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import connection_argspec
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import assume_role_argspec
from ansible_collections.crossaccount.aws.plugins.plugin_utils._secret_options import check_secret_shapes, secret_names

SECRET = "wJalrXUtnFEMI-not-to-be-shown"


def test_secret_names_are_the_no_log_options_and_their_aliases():
    names = set(secret_names(connection_argspec(), assume_role_argspec()))
    assert names == {"secret_key", "aws_secret_access_key", "aws_secret_key", "session_token", "aws_session_token", "mfa_token",
                     "web_identity_token"}


@pytest.mark.parametrize(("value", "shape"), [([SECRET], "list"), ({"k": SECRET}, "dict"), ((SECRET,), "list"),
                                              ({SECRET}, "set"), (SECRET.encode(), "bytes")])
@pytest.mark.parametrize("option", ["secret_key", "aws_session_token", "mfa_token", "web_identity_token"])
def test_a_structure_is_named_by_option_and_type_only(option, value, shape):
    names = secret_names(connection_argspec(), assume_role_argspec())
    with pytest.raises(ValidationFailure) as failure:
        check_secret_shapes({option: value, "region": "us-east-1"}, names)
    assert failure.value.msg == f"{option}: must be a string, got a {shape} (the value is not shown: it is a secret)"
    assert SECRET not in failure.value.msg


@pytest.mark.parametrize("value", [SECRET, "123456", 123456, None, ""])
def test_text_and_numbers_are_left_to_the_usual_checks(value):
    check_secret_shapes({"secret_key": value, "mfa_token": value}, secret_names(connection_argspec(), assume_role_argspec()))


def test_other_options_are_not_looked_at():
    check_secret_shapes({"region": ["eu-west-1"], "via": [{"role_arn": "x"}]}, secret_names(connection_argspec()))
