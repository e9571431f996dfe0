# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the pure input validators (_validators.py): good values, bad values, messages."""

from __future__ import annotations

import json

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import Arn
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure

ACCT = "123456789012"
PARTITIONS = ["aws", "aws-cn", "aws-us-gov"]
# Values every string validator must refuse: wrong types and hostile-looking text.
NOT_STRINGS = [None, 123, 1.5, True, ["a"], {"a": 1}, b"bytes"]
HOSTILE = ["a;rm -rf /", "../../etc/passwd x", "$(id)", "`id`", "a\nb", "a b", "a\x00b", "<script>", "'; DROP TABLE x;--"]


def fails(func, *args, option="opt", **kwargs) -> ValidationFailure:
    """Run a validator that must fail; return the exception after the checks every message obeys."""
    with pytest.raises(ValidationFailure) as info:
        func(*args, **kwargs)
    exc = info.value
    assert isinstance(exc, CrossAccountError)
    assert exc.msg.startswith(f"{option}")
    assert exc.option.startswith(option)
    assert "\n" not in exc.msg
    assert len(exc.msg) < 400
    return exc


# ---------------------------------------------------------------------------------------------
# show(): the bad-value echo used in every message


@pytest.mark.parametrize(
    "value, expected",
    [
        ("abc", "'abc'"),
        (12, "12"),
        (None, "None"),
        (True, "True (bool)"),
        (["a"], "['a'] (list)"),
        ("a\nb", "'a\\nb'"),
    ],
)
def test_show(value, expected):
    assert v.show(value) == expected


def test_show_truncates_long_values():
    text = v.show("x" * 5000)
    assert len(text) < 80
    assert "5000 characters" in text
    assert len(v.show(list(range(1000)))) < 80


# ---------------------------------------------------------------------------------------------
# account ids


@pytest.mark.parametrize("value, expected", [(ACCT, ACCT), ("000000000001", "000000000001"), (123456789012, ACCT), (999999999999, "999999999999")])
def test_account_id_good(value, expected):
    assert v.account_id(value, "opt") == expected


@pytest.mark.parametrize(
    "value",
    [
        "12345678901",  # 11 digits
        "1234567890123",  # 13 digits
        12345678901,
        1234567890123,
        -123456789012,
        " 123456789012",
        "123456789012 ",
        "123456789012\n",
        "1234 5678 9012",
        "1234-5678-9012",
        "١٢٣٤٥٦٧٨٩٠١٢",  # Arabic-Indic digits: str.isdigit() would say yes
        "１２３４５６７８９０１２",  # full-width digits
        "",
        "12345678901a",
        "arn:aws:iam::123456789012:root",
        True,
        123456789012.0,
    ]
    + NOT_STRINGS
    + HOSTILE,
)
def test_account_id_bad(value):
    exc = fails(v.account_id, value, "trusted_account_ids", option="trusted_account_ids")
    assert "12-digit" in exc.msg


def test_account_id_short_int_hints_at_yaml_quoting():
    exc = fails(v.account_id, 12345678901, "acct", option="acct")
    assert "quote" in exc.msg


def test_account_id_message_echoes_value():
    exc = fails(v.account_id, "1234", "trusted_account_ids", option="trusted_account_ids")
    assert exc.msg == "trusted_account_ids: must be a 12-digit AWS account id, got '1234'"


def test_account_ids_dedupes_keeping_order():
    assert v.account_ids(["222222222222", ACCT, "222222222222", int(ACCT)], "ids") == ["222222222222", ACCT]


@pytest.mark.parametrize("values, expected", [(None, []), ([], []), ((ACCT,), [ACCT])])
def test_account_ids_empty_and_tuple(values, expected):
    assert v.account_ids(values, "ids") == expected


def test_account_ids_names_the_bad_item():
    exc = fails(v.account_ids, [ACCT, "111111111111", "oops"], "trusted_account_ids", option="trusted_account_ids")
    assert exc.msg.startswith("trusted_account_ids[2]: ")
    assert "'oops'" in exc.msg


@pytest.mark.parametrize("values", [ACCT, "111111111111,222222222222", 123456789012, {"a": ACCT}])
def test_account_ids_requires_a_list(values):
    exc = fails(v.account_ids, values, "ids", option="ids")
    assert "must be a list" in exc.msg


# ---------------------------------------------------------------------------------------------
# generic ARNs


@pytest.mark.parametrize("partition", PARTITIONS)
def test_arn_good_every_partition(partition):
    parsed = v.arn(f"arn:{partition}:iam::{ACCT}:role/R", "opt", service="iam", resource_types=("role",), partition=partition)
    assert parsed == Arn(partition, "iam", "", ACCT, "role/R")


def test_arn_accepts_several_services():
    assert v.arn(f"arn:aws:sts::{ACCT}:assumed-role/R/s", "opt", service=("iam", "sts")).service == "sts"


@pytest.mark.parametrize(
    "value, kwargs, needle",
    [
        ("arn:aws:s3:::bucket", {"service": "iam"}, "service iam"),
        (f"arn:aws:iam::{ACCT}:user/u", {"resource_types": ("role",)}, "a role"),
        (f"arn:aws-cn:iam::{ACCT}:role/r", {"partition": "aws"}, "partition aws"),
        (f"arn:aws-iso:iam::{ACCT}:role/r", {}, "partition must be one of aws, aws-cn, aws-us-gov"),
        ("role/r", {}, "must be an ARN"),
        ("", {}, "must be an ARN"),
        (None, {}, "must be an ARN"),
        (42, {}, "must be an ARN"),
    ],
)
def test_arn_bad(value, kwargs, needle):
    exc = fails(v.arn, value, "opt", **kwargs)
    assert needle in exc.msg


# ---------------------------------------------------------------------------------------------
# role / principal / policy ARNs


@pytest.mark.parametrize("partition", PARTITIONS)
@pytest.mark.parametrize("resource", ["role/Deployer", "role/team/Deployer", "role/a/b/c/Name+=,.@_-", "role/" + "r" * 64])
def test_role_arn_good(partition, resource):
    value = f"arn:{partition}:iam::{ACCT}:{resource}"
    assert v.role_arn(value, "role_arn") == value


@pytest.mark.parametrize(
    "value",
    [
        f"arn:aws:iam::{ACCT}:user/Deployer",
        f"arn:aws:iam::{ACCT}:root",
        f"arn:aws:iam::{ACCT}:role",
        f"arn:aws:iam::{ACCT}:role/",
        f"arn:aws:iam::{ACCT}:role/team/",
        f"arn:aws:iam::{ACCT}:role:Deployer",
        f"arn:aws:iam::{ACCT}:role/" + "r" * 65,
        f"arn:aws:iam::{ACCT}:role/a//Deployer",
        f"arn:aws:iam::{ACCT}:role/../Deployer",
        f"arn:aws:iam::{ACCT}:role/Deploy!er",
        f"arn:aws:iam::{ACCT}:role/a;rm -rf /",
        f"arn:aws:iam:us-east-1:{ACCT}:role/Deployer",  # IAM is global
        "arn:aws:iam::aws:role/Deployer",
        "arn:aws:iam:::role/Deployer",
        "arn:aws:iam::12345678901:role/Deployer",
        "arn:aws:iam::1234567890123:role/Deployer",
        f"arn:aws:sts::{ACCT}:assumed-role/Deployer/s",
        f"arn:aws-iso:iam::{ACCT}:role/Deployer",
        "Deployer",
        ACCT,
        "",
    ]
    + NOT_STRINGS
    + HOSTILE,
)
def test_role_arn_bad(value):
    fails(v.role_arn, value, "role_arn", option="role_arn")


@pytest.mark.parametrize("partition", PARTITIONS)
@pytest.mark.parametrize(
    "resource, service",
    [
        ("root", "iam"),
        ("user/alice", "iam"),
        ("user/dev/alice", "iam"),
        ("role/Deployer", "iam"),
        ("role/x/Deployer", "iam"),
        ("assumed-role/Deployer/session-1", "sts"),
        ("federated-user/bob", "sts"),
    ],
)
def test_principal_arn_good(partition, resource, service):
    value = f"arn:{partition}:{service}::{ACCT}:{resource}"
    assert v.principal_arn(value, "trusted_principal_arns") == value


@pytest.mark.parametrize(
    "value, needle",
    [
        (ACCT, "account id"),
        ("*", "must be"),
        (f"arn:aws:iam::{ACCT}:group/admins", "groups cannot be principals"),
        (f"arn:aws:iam::{ACCT}:policy/p", "must be"),
        (f"arn:aws:iam::{ACCT}:root/x", "root"),
        (f"arn:aws:iam::{ACCT}:rootx", "must be"),
        (f"arn:aws:iam::{ACCT}:user/", "must be"),
        (f"arn:aws:iam::{ACCT}:user/a b", "must be"),
        (f"arn:aws:sts::{ACCT}:assumed-role/Deployer", "malformed STS ARN"),
        (f"arn:aws:sts::{ACCT}:assumed-role/Deployer/s/x", "malformed STS ARN"),
        (f"arn:aws:sts::{ACCT}:assumed-role/Deployer/s!", "malformed STS ARN"),
        (f"arn:aws:sts:us-east-1:{ACCT}:assumed-role/Deployer/s", "must be"),
        ("arn:aws:sts::aws:assumed-role/Deployer/s", "malformed STS ARN"),
        ("arn:aws:s3:::bucket", "must be"),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", "must be"),
        ("arn:aws:iam::12345678901:root", "must be"),
        ("AROAAAAAAAAAAAAAAAAAA", "must be"),
        ("", "must be"),
        (None, "must be"),
        (["arn:aws:iam::123456789012:root"], "must be"),
        ("a;rm -rf /", "must be"),
    ],
)
def test_principal_arn_bad(value, needle):
    exc = fails(v.principal_arn, value, "trusted_principal_arns", option="trusted_principal_arns")
    assert needle in exc.msg


@pytest.mark.parametrize("partition", PARTITIONS)
@pytest.mark.parametrize(
    "tail",
    [
        f"{ACCT}:policy/AllowAssume",
        f"{ACCT}:policy/team/AllowAssume",
        "aws:policy/ReadOnlyAccess",
        "aws:policy/service-role/AWSLambdaRole",
        f"{ACCT}:policy/" + "p" * 128,
    ],
)
def test_policy_arn_good(partition, tail):
    value = f"arn:{partition}:iam::{tail}"
    assert v.policy_arn(value, "policy_arns") == value


@pytest.mark.parametrize(
    "value",
    [
        f"arn:aws:iam::{ACCT}:role/R",
        f"arn:aws:iam::{ACCT}:policy/",
        f"arn:aws:iam::{ACCT}:policy/" + "p" * 129,
        f"arn:aws:iam::{ACCT}:policy/bad name",
        "arn:aws:iam:::policy/ReadOnlyAccess",
        "arn:aws:iam:us-east-1:aws:policy/ReadOnlyAccess",
        "arn:aws:s3:::policy/x",
        "ReadOnlyAccess",
        "",
        None,
    ]
    + HOSTILE,
)
def test_policy_arn_bad(value):
    fails(v.policy_arn, value, "policy_arns", option="policy_arns")


# ---------------------------------------------------------------------------------------------
# IAM names and paths


@pytest.mark.parametrize(
    "value, kind",
    [
        ("a", "role"),
        ("Deployer", "role"),
        ("name+=,.@_-09", "role"),
        ("r" * 64, "role"),
        ("u" * 64, "user"),
        ("g" * 128, "group"),
        ("p" * 128, "policy"),
    ],
)
def test_iam_name_good(value, kind):
    assert v.iam_name(value, "name", kind=kind) == value


@pytest.mark.parametrize(
    "value, kind",
    [
        ("r" * 65, "role"),
        ("u" * 65, "user"),
        ("g" * 129, "group"),
        ("p" * 129, "policy"),
        ("", "role"),
        ("a/b", "role"),
        ("../", "role"),
        ("rôle", "role"),  # AWS's \w is ASCII
        ("name١", "role"),
        ("a:b", "role"),
        ("a*", "role"),
    ]
    + [(value, "role") for value in NOT_STRINGS + HOSTILE],
)
def test_iam_name_bad(value, kind):
    exc = fails(v.iam_name, value, "name", kind=kind, option="name")
    assert f"IAM {kind} name" in exc.msg


def test_iam_name_message_names_the_limit():
    exc = fails(v.iam_name, "r" * 65, "name", option="name")
    assert "1 to 64 characters" in exc.msg and "65 characters" in exc.msg


@pytest.mark.parametrize("value", ["/", "/team/", "/a/b/c/", "/a-b_c.d@e+f=g,h/", "/" + "p" * 510 + "/", "/~!$%^&*()/"])
def test_iam_path_good(value):
    assert v.iam_path(value, "path") == value


@pytest.mark.parametrize(
    "value, needle",
    [
        ("", "begin and end"),
        ("team", "begin and end"),
        ("/team", "begin and end"),
        ("team/", "begin and end"),
        ("//", "segments"),
        ("/a//b/", "segments"),
        ("/../", "segments"),
        ("/./", "segments"),
        ("/a b/", "printable ASCII"),
        ("/é/", "printable ASCII"),
        ("/a\n/", "printable ASCII"),
        ("/" + "p" * 511 + "/", "512"),
        (None, "IAM path"),
        (7, "IAM path"),
    ],
)
def test_iam_path_bad(value, needle):
    exc = fails(v.iam_path, value, "path", option="path")
    assert needle in exc.msg


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
# tags


def test_tags_good():
    value = {"Team": "ops", "cost-center": 1234, "Ünïcode Key": "välue 漢字", "empty": None, "a.b:c/d=e+f-g@h_i": ""}
    assert v.tags(value, "tags") == {"Team": "ops", "cost-center": "1234", "Ünïcode Key": "välue 漢字", "empty": "", "a.b:c/d=e+f-g@h_i": ""}


def test_tags_limits_good():
    assert v.tags({"k" * 128: "v" * 256}, "tags") == {"k" * 128: "v" * 256}
    assert len(v.tags({f"k{i}": "v" for i in range(50)}, "tags")) == 50
    assert v.tags(None, "tags") == {}


@pytest.mark.parametrize(
    "value, needle",
    [
        ({"k" * 129: "v"}, "1 to 128"),
        ({"": "v"}, "1 to 128"),
        ({"k": "v" * 257}, "0 to 256"),
        ({"aws:createdBy": "me"}, "reserved 'aws:'"),
        ({"AWS:x": "me"}, "reserved 'aws:'"),
        ({"Team": "a", "team": "b"}, "differ only in case"),
        ({"a;b": "v"}, "letters, digits"),
        ({"k": "a;rm -rf /"}, "letters, digits"),
        ({"k": "v\n"}, "letters, digits"),
        ({"k": "<script>"}, "letters, digits"),
        ({"k": True}, "quote"),
        ({"k": ["a"]}, "must be a string"),
        ({("a",): "v"}, "must be a string"),
        (["Team", "ops"], "must be a dict"),
        ("Team=ops", "must be a dict"),
    ],
)
def test_tags_bad(value, needle):
    exc = fails(v.tags, value, "tags", option="tags")
    assert needle in exc.msg


def test_tags_too_many():
    exc = fails(v.tags, {f"k{i}": "v" for i in range(51)}, "tags", option="tags")
    assert "at most 50" in exc.msg
    assert v.tags({"a": "1", "b": "2"}, "tags", max_count=2)
    fails(v.tags, {"a": "1", "b": "2", "c": "3"}, "tags", max_count=2, option="tags")


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


# ---------------------------------------------------------------------------------------------
# policy documents

GOOD_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


@pytest.mark.parametrize(
    "value",
    [
        GOOD_POLICY,
        json.dumps(GOOD_POLICY),
        json.dumps(GOOD_POLICY, indent=4),
        {"Statement": {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}},
        {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]},
        json.dumps(GOOD_POLICY).encode(),
    ],
)
def test_policy_document_good(value):
    result = v.policy_document(value, "policy")
    assert isinstance(result, dict)
    assert "Statement" in result


def test_policy_document_returns_parsed_json():
    assert v.policy_document(json.dumps(GOOD_POLICY), "policy") == GOOD_POLICY


@pytest.mark.parametrize(
    "value, needle",
    [
        ('{"Statement": [}', "not valid JSON"),
        ('{"Statement": [{"Effect": "Allow",}]}', "line 1 column"),
        ("", "empty string"),
        ("   ", "empty string"),
        ("null", "must be a policy document"),
        ("[]", "must be a policy document"),
        ("42", "must be a policy document"),
        ('"text"', "must be a policy document"),
        ([GOOD_POLICY], "must be a policy document"),
        (42, "must be a policy document"),
        (None, "must be a policy document"),
        ({}, "must have a Statement"),
        ({"Version": "2012-10-17"}, "must have a Statement"),
        ({"Statement": []}, "non-empty list"),
        ({"Statement": "Allow"}, "non-empty list"),
        ({"Statement": ["x"]}, "Statement[0] must be an object"),
        ({"Statement": [{"Action": "*"}]}, "Statement[0].Effect must be 'Allow' or 'Deny'"),
        ({"Statement": [{"Effect": "allow", "Action": "*"}]}, "Statement[0].Effect"),
        ({"Statement": [{"Effect": "Allow", "Action": "*"}, {"Effect": "Permit", "Action": "*"}]}, "Statement[1].Effect"),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "Action or NotAction"),
        ({"Version": "2020-01-01", "Statement": [{"Effect": "Allow", "Action": "*"}]}, "Version"),
        ('{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": NaN}]}', "not valid JSON"),
        ({"Statement": [{"Effect": "Allow", "Action": {"a", "b"}}]}, "cannot be written as JSON"),
        ("[" * 100000, "policy"),
    ],
)
def test_policy_document_bad(value, needle):
    exc = fails(v.policy_document, value, "policy", option="policy")
    assert needle in exc.msg


def test_policy_document_json_error_position():
    exc = fails(v.policy_document, '{\n  "Statement": [\n    {"Effect": "Allow" "Action": "*"}\n  ]\n}', "trust_policy", option="trust_policy")
    assert exc.msg.startswith("trust_policy: is not valid JSON: ")
    assert "line 3 column" in exc.msg


def test_policy_document_size_limit():
    big = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "x" * 10300}]}
    exc = fails(v.policy_document, big, "policy", option="policy")
    assert "at most 10240" in exc.msg
    # Whitespace does not count, as in IAM: an indented document just under the limit passes.
    small = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "x" * 10000}]}
    assert v.policy_document(json.dumps(small, indent=40), "policy") == small
    fails(v.policy_document, small, "policy", max_size=2048, option="policy")


def test_policy_document_huge_text_is_refused_without_parsing():
    exc = fails(v.policy_document, " " * 200000 + "{}", "policy", option="policy")
    assert "characters long" in exc.msg


# ---------------------------------------------------------------------------------------------
# choice


def test_choice_good():
    assert v.choice("managed", "type", ("managed", "inline")) == "managed"
    assert v.choice(1, "n", (1, 2)) == 1


@pytest.mark.parametrize("value, choices", [("Managed", ("managed", "inline")), (None, ("a",)), (True, (1, 2)), (1.0, (1, 2)), ("1", (1, 2))])
def test_choice_bad(value, choices):
    exc = fails(v.choice, value, "type", choices, option="type")
    assert "must be one of" in exc.msg


# ---------------------------------------------------------------------------------------------
# cross-cutting: every message starts with the option name and never carries raw control characters


@pytest.mark.parametrize(
    "func, args",
    [
        (v.account_id, ("x\ny",)),
        (v.role_arn, ("x\ny",)),
        (v.principal_arn, ("x\ny",)),
        (v.policy_arn, ("x\ny",)),
        (v.iam_name, ("x\ny",)),
        (v.iam_path, ("/x\ny/",)),
        (v_session.external_id, ("x\ny",)),
        (v_session.session_name, ("x\ny",)),
        (v_session.source_identity, ("x\ny",)),
        (v_session.duration, ("x\ny",)),
        (v_session.mfa_serial, ("x\ny",)),
        (v_session.mfa_token, ("x\ny",)),
        (v.tags, ({"x\ny": "v"},)),
        (v.policy_document, ("x\ny",)),
    ],
)
def test_messages_start_with_option_and_are_one_line(func, args):
    exc = fails(func, args[0], "the_option", *args[1:], option="the_option")
    assert exc.msg.startswith("the_option")
