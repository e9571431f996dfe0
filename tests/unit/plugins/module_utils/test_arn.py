# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the partition-aware ARN helpers (_arn.py)."""

from __future__ import annotations

import dataclasses

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _arn
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import Arn, parse_arn

ACCT = "123456789012"


def test_partitions_are_the_three_supported():
    assert _arn.PARTITIONS == ("aws", "aws-cn", "aws-us-gov")


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_parse_role_arn_in_every_partition(partition):
    text = f"arn:{partition}:iam::{ACCT}:role/team/ops/Deployer"
    parsed = parse_arn(text)
    assert parsed == Arn(partition, "iam", "", ACCT, "role/team/ops/Deployer")
    assert parsed.resource_type == "role"
    assert parsed.resource_name == "Deployer"
    assert parsed.path == "/team/ops/"
    assert str(parsed) == text


@pytest.mark.parametrize(
    "text, resource_type, resource_name, path",
    [
        (f"arn:aws:iam::{ACCT}:role/Deployer", "role", "Deployer", "/"),
        (f"arn:aws:iam::{ACCT}:user/dev/alice", "user", "alice", "/dev/"),
        (f"arn:aws:iam::{ACCT}:root", "root", "root", "/"),
        ("arn:aws:iam::aws:policy/service-role/AWSLambdaRole", "policy", "AWSLambdaRole", "/service-role/"),
        ("arn:aws:iam::aws:policy/AmazonS3FullAccess", "policy", "AmazonS3FullAccess", "/"),
        (f"arn:aws:iam::{ACCT}:mfa/alice", "mfa", "alice", "/"),
        # STS ARNs have no IAM path: the middle element is the role name, not a path.
        (f"arn:aws:sts::{ACCT}:assumed-role/Deployer/session-1", "assumed-role", "session-1", "/"),
        ("arn:aws:s3:::my-bucket", "my-bucket", "my-bucket", "/"),
        ("arn:aws:s3:::my-bucket/key/part", "my-bucket", "part", "/"),
        (f"arn:aws:logs:us-east-1:{ACCT}:log-group:app", "log-group", "app", "/"),
    ],
)
def test_arn_properties(text, resource_type, resource_name, path):
    parsed = parse_arn(text)
    assert parsed is not None
    assert (parsed.resource_type, parsed.resource_name, parsed.path) == (resource_type, resource_name, path)
    assert str(parsed) == text


def test_arn_is_frozen():
    parsed = parse_arn(f"arn:aws:iam::{ACCT}:root")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.account = "999999999999"


def test_region_field_is_parsed():
    parsed = parse_arn(f"arn:aws-cn:sqs:cn-north-1:{ACCT}:queue")
    assert (parsed.partition, parsed.service, parsed.region, parsed.account) == ("aws-cn", "sqs", "cn-north-1", ACCT)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "arn",
        "arn:aws",
        f"arn:aws:iam::{ACCT}",
        f"arn:aws:iam::{ACCT}:",  # empty resource
        f"arn:aws-iso:iam::{ACCT}:root",  # partition outside the supported three
        f"arn:AWS:iam::{ACCT}:root",
        f"ARN:aws:iam::{ACCT}:root",
        f"xarn:aws:iam::{ACCT}:root",  # anchored at the start
        f" arn:aws:iam::{ACCT}:root",
        f"arn:aws:iam::{ACCT}:root\n",  # anchored at the end (re "$" would allow this)
        f"arn:aws:iam::{ACCT}:root\narn:aws:iam::{ACCT}:root",
        f"arn:aws:iam::{ACCT}:role/a b",  # spaces
        f"arn:aws:iam::{ACCT}:role/a;rm -rf /",
        "arn:aws:iam::12345678901:root",  # 11 digits
        "arn:aws:iam::1234567890123:root",  # 13 digits
        "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:root",  # Arabic-Indic digits
        f"arn:aws:IAM::{ACCT}:root",
        f"arn:aws::us-east-1:{ACCT}:x",  # empty service
        f"arn:aws:iam::{ACCT}:rôle/x",  # non-ASCII resource
        "arn:aws:iam::" + ACCT + ":role/" + "x" * 2100,
    ],
)
def test_parse_rejects(text):
    assert parse_arn(text) is None


@pytest.mark.parametrize("value", [None, 42, b"arn:aws:iam::123456789012:root", ["arn:aws:iam::123456789012:root"]])
def test_parse_non_strings_is_none(value):
    assert parse_arn(value) is None


@pytest.mark.parametrize(
    "region, partition",
    [
        ("us-east-1", "aws"),
        ("eu-west-3", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        (None, "aws"),
        ("", "aws"),
        ("us-west-2", "aws"),
    ],
)
def test_partition_for_region(region, partition):
    assert _arn.partition_for_region(region) == partition


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_builders_in_every_partition(partition):
    assert _arn.root_arn(ACCT, partition) == f"arn:{partition}:iam::{ACCT}:root"
    assert _arn.role_arn(ACCT, "R", partition=partition) == f"arn:{partition}:iam::{ACCT}:role/R"
    assert _arn.user_arn(ACCT, "U", "/dev/", partition) == f"arn:{partition}:iam::{ACCT}:user/dev/U"
    assert _arn.group_arn(ACCT, "G", partition=partition) == f"arn:{partition}:iam::{ACCT}:group/G"
    assert _arn.policy_arn(ACCT, "P", "/x/y/", partition) == f"arn:{partition}:iam::{ACCT}:policy/x/y/P"
    assert _arn.aws_managed_policy_arn("ReadOnlyAccess", partition) == f"arn:{partition}:iam::aws:policy/ReadOnlyAccess"
    assert _arn.assumed_role_arn(ACCT, "R", "s", partition) == f"arn:{partition}:sts::{ACCT}:assumed-role/R/s"


def test_builders_default_to_aws_partition():
    assert _arn.root_arn(ACCT) == f"arn:aws:iam::{ACCT}:root"
    assert _arn.role_arn(ACCT, "R") == f"arn:aws:iam::{ACCT}:role/R"
    assert _arn.policy_arn(ACCT, "P") == f"arn:aws:iam::{ACCT}:policy/P"


@pytest.mark.parametrize(
    "path, expected",
    [("/", "role/R"), ("", "role/R"), (None, "role/R"), ("/a/", "role/a/R"), ("a", "role/a/R"), ("/a/b", "role/a/b/R"), ("/a/b/", "role/a/b/R")],
)
def test_builders_normalise_the_path(path, expected):
    assert _arn.role_arn(ACCT, "R", path) == f"arn:aws:iam::{ACCT}:{expected}"


def test_built_arns_parse_back():
    text = _arn.role_arn(ACCT, "Deployer", "/team/", "aws-us-gov")
    parsed = parse_arn(text)
    assert (parsed.partition, parsed.path, parsed.resource_name) == ("aws-us-gov", "/team/", "Deployer")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("AmazonS3FullAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess"),
        ("service-role/AWSLambdaRole", "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"),
        ("/service-role/AWSLambdaRole", "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"),
    ],
)
def test_aws_managed_policy_arn(name, expected):
    assert _arn.aws_managed_policy_arn(name) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (f"arn:aws:sts::{ACCT}:assumed-role/Deployer/s1", f"arn:aws:iam::{ACCT}:role/Deployer"),
        (f"arn:aws-cn:sts::{ACCT}:assumed-role/Deployer/s1", f"arn:aws-cn:iam::{ACCT}:role/Deployer"),
        (f"arn:aws-us-gov:sts::{ACCT}:assumed-role/Deployer/a@b.c", f"arn:aws-us-gov:iam::{ACCT}:role/Deployer"),
        (f"arn:aws:iam::{ACCT}:role/Deployer", None),
        (f"arn:aws:iam::{ACCT}:user/alice", None),
        (f"arn:aws:sts::{ACCT}:federated-user/alice", None),
        (f"arn:aws:sts::{ACCT}:assumed-role/Deployer", None),
        (f"arn:aws:sts::{ACCT}:assumed-role//s1", None),
        (f"arn:aws:sts::{ACCT}:assumed-role/a/b/c", None),
        ("arn:aws:sts:::assumed-role/Deployer/s1", None),
        ("not an arn", None),
        (None, None),
    ],
)
def test_role_arn_from_assumed_role_arn(value, expected):
    assert _arn.role_arn_from_assumed_role_arn(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (f"arn:aws:iam::{ACCT}:root", True),
        (f"arn:aws-cn:iam::{ACCT}:root", True),
        (f"arn:aws-us-gov:iam::{ACCT}:root", True),
        (f"arn:aws:iam::{ACCT}:role/root", False),
        (f"arn:aws:sts::{ACCT}:root", False),
        (ACCT, False),
        ("*", False),
    ],
)
def test_is_root_arn(value, expected):
    assert _arn.is_root_arn(value) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("AROA" + "A" * 17, True),
        ("AIDAJQABLZS4A3QDU576Q", True),
        ("AGPA" + "Z9" * 8, True),
        ("ANPA" + "1" * 16, True),
        ("ASIA" + "X" * 16, True),
        ("AKIA" + "X" * 128, True),
        ("AKIA" + "X" * 129, False),
        ("AROA" + "A" * 15, False),  # too short
        ("aroa" + "A" * 17, False),  # prefixes are upper case
        ("AROA" + "a" * 17, False),
        ("AROA" + "A" * 16 + "-", False),
        ("AROA" + "A" * 17 + "\n", False),
        ("ABCD" + "A" * 17, False),
        ("arn:aws:iam::123456789012:root", False),
        ("", False),
        (None, False),
        (12345, False),
    ],
)
def test_is_unique_id(value, expected):
    assert _arn.is_unique_id(value) is expected
