# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the shared helpers and the core validators of _validators.py (ids, ARNs, IAM names and paths,
tags, policy documents): good values, bad values, messages."""

from __future__ import annotations

import json

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import Arn
from ansible_collections.crossaccount.aws.tests.unit.validator_checks import ACCT, HOSTILE, NOT_STRINGS, PARTITIONS, fails

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
# booleans


def test_a_converted_boolean_option_takes_no_spelling():
    assert v.boolean(True, "include_management_account", spellings=False) is True
    assert fails(v.boolean, "yes", "include_management_account", spellings=False, option="include_management_account").msg == (
        "include_management_account: must be a boolean, got 'yes'")
    assert v.boolean("yes", "validate_certs") is True


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
        (v.tags, ({"x\ny": "v"},)),
        (v.policy_document, ("x\ny",)),
    ],
)
def test_messages_start_with_option_and_are_one_line(func, args):
    exc = fails(func, args[0], "the_option", *args[1:], option="the_option")
    assert exc.msg.startswith("the_option")
