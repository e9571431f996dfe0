# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _validators_profiles.py: AWS CLI profile values, files and the options of each kind of profile."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_profiles as v_profile
from ansible_collections.crossaccount.aws.tests.unit.validator_checks import ROLE_ARN, SECRET, refusal

# --- AWS CLI profiles ---


@pytest.mark.parametrize(("value", "problem"), [
    ("a\nb", "must be a single line"), ("a\rb", "must be a single line"), (" a", "must not start or end with whitespace"),
    ("", "must not be empty"),
])
def test_a_profile_value_is_one_line_without_surrounding_blanks(value: str, problem: str) -> None:
    assert refusal(v_profile.profile_value, value, "region") == f"region: {problem}"
    assert v_profile.profile_value("us-east-1", "region") == "us-east-1"


@pytest.mark.parametrize("value", [SECRET + "\n", " " + SECRET, "", 42])
def test_a_profile_secret_is_refused_without_being_shown(value: t.Any) -> None:
    assert refusal(v_profile.profile_secret, value, "secret_key") == "secret_key: must be a single line without surrounding whitespace"


def test_a_profile_file_is_a_path_without_nul() -> None:
    assert v_profile.profile_file("~/.aws/config", "config_file") == "~/.aws/config"
    assert refusal(v_profile.profile_file, "a\x00b", "config_file") == "config_file: must be a file path"


def test_options_of_the_other_kind_are_refused() -> None:
    assert refusal(v_profile.profile_options_of_kind, {"session_token": SECRET}, "role") == (
        "session_token: is not valid with kind=role; use kind=credentials")
    assert refusal(v_profile.profile_options_of_kind, {"external_id": "x"}, "credentials") == (
        "external_id: is not valid with kind=credentials; use kind=role")
    v_profile.profile_options_of_kind({"role_arn": ROLE_ARN, "secret_key": None}, "role")


def test_role_settings_need_the_role_and_one_source() -> None:
    assert v_profile.profile_role_settings({"role_arn": ROLE_ARN, "credential_source": "Environment", "duration_seconds": "3600"}) == {
        "role_arn": ROLE_ARN, "credential_source": "Environment", "duration_seconds": 3600}
    assert refusal(v_profile.profile_role_settings, {"source_profile": "default"}).startswith("role_arn: is required when kind=role")
    assert refusal(v_profile.profile_role_settings, {"role_arn": ROLE_ARN}).startswith("source_profile: exactly one of")
    assert refusal(v_profile.profile_role_settings, {"role_arn": ROLE_ARN, "source_profile": "a b"}).startswith("source_profile: must be a profile name")


def test_credentials_need_both_keys_and_never_show_the_secret() -> None:
    given = {"access_key": "AKIAEXAMPLEEXAMPLE00", "secret_key": SECRET, "session_token": None}
    assert v_profile.profile_credentials(given) == {"access_key": "AKIAEXAMPLEEXAMPLE00", "secret_key": SECRET}
    assert refusal(v_profile.profile_credentials, dict(given, access_key=None)).startswith("access_key: access_key and secret_key are both required")
    assert refusal(v_profile.profile_credentials, dict(given, secret_key="")).startswith("secret_key: access_key and secret_key are both required")
    assert SECRET not in refusal(v_profile.profile_credentials, dict(given, session_token=SECRET + "\n"))
