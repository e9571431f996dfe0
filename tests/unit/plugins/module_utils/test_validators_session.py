# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _validators_session.py: AssumeRole parameters, session tags, the lookup's options, secret shapes."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.tests.unit.validator_checks import ACCT, HOSTILE, NOT_STRINGS, PARTITIONS, ROLE_ARN, SECRET, fails, refusal

# ---------------------------------------------------------------------------------------------
# external id, session name, source identity


# "../.." is only text to STS (the value never touches a file system), and AWS's pattern allows it.
@pytest.mark.parametrize("value", ["ab", "my-external-id", "a+=,.@:/-_9", "x" * 1224, "urn:example:id/123", "../../etc/passwd"])
def test_external_id_good(value):
    assert v_session.external_id(value, "external_id") == value


@pytest.mark.parametrize("value", ["a", "", "x" * 1225, "has space", "semi;colon", "ünï", "a\nb"] + NOT_STRINGS + HOSTILE)
def test_external_id_bad(value):
    exc = fails(v_session.external_id, value, "external_id", option="external_id")
    assert "external id" in exc.msg


@pytest.mark.parametrize("func", [v_session.session_name, v_session.source_identity])
@pytest.mark.parametrize("value", ["ab", "ansible-session", "user@example.com", "a+=,.@_-9", "s" * 64])
def test_session_name_and_source_identity_good(func, value):
    assert func(value, "opt") == value


@pytest.mark.parametrize("func", [v_session.session_name, v_session.source_identity])
@pytest.mark.parametrize("value", ["a", "", "s" * 65, "a:b", "a/b", "aws:x", "ünï"] + NOT_STRINGS + HOSTILE)
def test_session_name_and_source_identity_bad(func, value):
    fails(func, value, "role_session_name", option="role_session_name")


# ---------------------------------------------------------------------------------------------
# durations


@pytest.mark.parametrize("value, expected", [(900, 900), (3600, 3600), (43200, 43200), ("3600", 3600), (" 3600 ", 3600), (3600.0, 3600)])
def test_duration_good(value, expected):
    assert v_session.duration(value, "duration_seconds") == expected
    result = v_session.duration(value, "duration_seconds")
    assert isinstance(result, int) and not isinstance(result, bool)


@pytest.mark.parametrize(
    "value",
    [899, 43201, 0, -3600, "-3600", "3600.5", 3600.5, "1h", "", "abc", "١٢٠٠", True, False, None, [3600], 10 ** 30, "9" * 40, float("nan"), float("inf")],
)
def test_duration_bad(value):
    exc = fails(v_session.duration, value, "duration_seconds", option="duration_seconds")
    assert "from 900 to 43200" in exc.msg


def test_duration_custom_bounds():
    assert v_session.duration(60, "d", minimum=1, maximum=60) == 60
    # bool is an int subclass: True must not pass as 1 second even when 1 is in range.
    fails(v_session.duration, True, "d", minimum=0, maximum=60, option="d")
    exc = fails(v_session.duration, 61, "d", minimum=1, maximum=60, option="d")
    assert "from 1 to 60" in exc.msg


@pytest.mark.parametrize("value", [3600, 43200, "7200"])
def test_max_session_duration_good(value):
    assert v_session.max_session_duration(value, "max_session_duration") == int(value)


@pytest.mark.parametrize("value", [3599, 900, 43201, None, "x"])
def test_max_session_duration_bad(value):
    exc = fails(v_session.max_session_duration, value, "max_session_duration", option="max_session_duration")
    assert "from 3600 to 43200" in exc.msg


# ---------------------------------------------------------------------------------------------
# MFA


@pytest.mark.parametrize("partition", PARTITIONS)
@pytest.mark.parametrize("resource", ["mfa/alice", "mfa/team/alice-phone"])
def test_mfa_serial_arn_good(partition, resource):
    value = f"arn:{partition}:iam::{ACCT}:{resource}"
    assert v_session.mfa_serial(value, "mfa_serial_number") == value


@pytest.mark.parametrize("value", ["GAHT12345678", "123456789", "x" * 256, "serial:with/slash=ok"])
def test_mfa_serial_hardware_good(value):
    assert v_session.mfa_serial(value, "mfa_serial_number") == value


@pytest.mark.parametrize(
    "value",
    [
        f"arn:aws:iam::{ACCT}:user/alice",
        f"arn:aws:iam::{ACCT}:mfa/",
        f"arn:aws:iam::{ACCT}:mfa",
        f"arn:aws:iam::{ACCT}:mfa:alice",
        f"arn:aws:iam::{ACCT}:mfa/a//alice",
        f"arn:aws:iam::{ACCT}:mfa/" + "m" * 240,
        f"arn:aws:iam::{ACCT}:mfa/a b",
        f"arn:aws:iam::{ACCT}:u2f/alice",
        f"arn:aws:sts::{ACCT}:mfa/alice",
        "arn:aws:iam::aws:mfa/alice",
        "arn:aws:iam::12345678901:mfa/alice",
        "arn:nope",
        "12345678",  # 8 characters
        "x" * 257,
        "has space",
        "",
    ]
    + NOT_STRINGS
    + HOSTILE,
)
def test_mfa_serial_bad(value):
    exc = fails(v_session.mfa_serial, value, "mfa_serial_number", option="mfa_serial_number")
    assert "MFA device" in exc.msg


@pytest.mark.parametrize("value, expected", [("123456", "123456"), ("012345", "012345"), (123456, "123456")])
def test_mfa_token_good(value, expected):
    assert v_session.mfa_token(value, "mfa_token") == expected


@pytest.mark.parametrize("value", ["12345", "1234567", "12345a", "١٢٣٤٥٦", " 123456", "", 12345, 1234567, True, None, 123456.0, ["123456"]])
def test_mfa_token_bad_never_echoes_value(value):
    exc = fails(v_session.mfa_token, value, "mfa_token", option="mfa_token")
    assert "6-digit" in exc.msg
    if value not in ("", None, True):
        assert str(value).strip("[]'") not in exc.msg


def test_mfa_token_int_hint():
    # 012345 unquoted in YAML 1.1 is octal 5349: the hint tells the user why their code failed.
    exc = fails(v_session.mfa_token, 5349, "mfa_token", option="mfa_token")
    assert "quote" in exc.msg and "5349" not in exc.msg


# ---------------------------------------------------------------------------------------------
# session tags


@pytest.mark.parametrize(
    "value",
    [
        {"Project": "x", "Team": "ops"},
        [{"Key": "Project", "Value": "x"}, {"Key": "Team", "Value": "ops"}],
        [{"key": "Project", "value": "x"}, {"key": "Team", "value": "ops"}],
    ],
)
def test_session_tags_good(value):
    assert v_session.session_tags(value, "session_tags") == [{"Key": "Project", "Value": "x"}, {"Key": "Team", "Value": "ops"}]


def test_session_tags_empty():
    assert v_session.session_tags(None, "session_tags") == []
    assert v_session.session_tags([], "session_tags") == []
    assert v_session.session_tags({}, "session_tags") == []


@pytest.mark.parametrize(
    "value, needle",
    [
        ([{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}], "given twice"),
        ([{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}], "differ only in case"),
        ([{"Value": "1"}], "Key and Value"),
        ([{"Key": "a", "Value": "1", "Extra": "x"}], "Key and Value"),
        (["a=1"], "Key and Value"),
        ("a=1", "must be a dict"),
        ({f"k{i}": "v" for i in range(51)}, "at most 50"),
        ({"aws:x": "v"}, "reserved"),
        ({"k": "v" * 257}, "0 to 256"),
    ],
)
def test_session_tags_bad(value, needle):
    exc = fails(v_session.session_tags, value, "session_tags", option="session_tags")
    assert needle in exc.msg


def test_transitive_tag_keys():
    assert v_session.transitive_tag_keys(["Project", "team", "Project"], "transitive_tag_keys", ["Project", "Team"]) == ["Project", "team"]
    assert v_session.transitive_tag_keys(None, "transitive_tag_keys", []) == []


@pytest.mark.parametrize("values, needle", [(["Other"], "not one of the session tags"), ("Project", "must be a list"), ([None], "must be a string")])
def test_transitive_tag_keys_bad(values, needle):
    exc = fails(v_session.transitive_tag_keys, values, "transitive_tag_keys", ["Project"], option="transitive_tag_keys")
    assert needle in exc.msg


def test_transitive_tag_keys_names_the_item():
    exc = fails(v_session.transitive_tag_keys, ["Project", "Nope"], "transitive_tag_keys", ["Project"], option="transitive_tag_keys")
    assert exc.msg.startswith("transitive_tag_keys[1]: ")


# --- the assumed_credentials lookup ---


@pytest.mark.parametrize("fmt", v_session.CREDENTIAL_FORMATS)
def test_every_format_is_accepted_with_a_cache(fmt: str) -> None:
    assert v_session.credential_format(fmt, cache=True) == fmt


def test_an_unknown_format_and_a_profile_without_cache_are_refused() -> None:
    assert refusal(v_session.credential_format, "json", True) == "format: must be one of module_args, env, credential_process, profile, got 'json'"
    assert refusal(v_session.credential_format, "profile", False) == "format: profile serves the credentials from the cache: it needs cache=true"
    assert v_session.credential_format("env", cache=False) == "env"


@pytest.mark.parametrize(("value", "expected"), [(None, None), (0, 0), (300, 300), ("60", 60)])
def test_refresh_window(value: t.Any, expected: int | None) -> None:
    assert v_session.refresh_window(value) == expected


@pytest.mark.parametrize("value", [-1, "-5", 1.5, "soon", [60]])
def test_a_negative_or_non_numeric_refresh_window_is_refused(value: t.Any) -> None:
    assert refusal(v_session.refresh_window, value).startswith("refresh_window: must be 0 or more seconds, got ")


def test_the_lookup_needs_a_term() -> None:
    assert refusal(v_session.role_arn_terms, []) == "role_arn: is required: pass the ARN of the role to assume as the lookup term"
    assert v_session.role_arn_terms((ROLE_ARN,)) == [ROLE_ARN]


# --- the plugins' secret options ---


@pytest.mark.parametrize(("value", "shape"), [([SECRET], "list"), ({"k": SECRET}, "dict"), ({SECRET}, "set"), (SECRET.encode(), "bytes")])
def test_a_secret_given_as_a_structure_is_named_by_type_only(value: t.Any, shape: str) -> None:
    message = refusal(v_session.secret_shape, value, "secret_key")
    assert message == f"secret_key: must be a string, got a {shape} (the value is not shown: it is a secret)"


@pytest.mark.parametrize("value", [SECRET, 123456, None])
def test_text_and_numbers_are_secret_shapes_ansible_core_converts(value: t.Any) -> None:
    assert v_session.secret_shape(value, "secret_key") is None


# ---------------------------------------------------------------------------------------------
# cross-cutting: every message starts with the option name and never carries raw control characters


@pytest.mark.parametrize(
    "func, args",
    [
        (v_session.external_id, ("x\ny",)),
        (v_session.session_name, ("x\ny",)),
        (v_session.source_identity, ("x\ny",)),
        (v_session.duration, ("x\ny",)),
        (v_session.mfa_serial, ("x\ny",)),
        (v_session.mfa_token, ("x\ny",)),
    ],
)
def test_messages_start_with_option_and_are_one_line(func, args):
    exc = fails(func, args[0], "the_option", *args[1:], option="the_option")
    assert exc.msg.startswith("the_option")
