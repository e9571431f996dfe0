# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading, normalisation, equivalence and display of policy documents."""

from __future__ import annotations

import copy
import json
import urllib.parse

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy as policy

ACCOUNT = "111111111111"


def trust(principal, action="sts:AssumeRole", **extra):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    statement.update(extra)
    return {"Version": "2012-10-17", "Statement": [statement]}


# ---------------------------------------------------------------- load

def test_load_dict_returns_a_copy():
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}
    loaded = policy.load(doc)
    assert loaded == doc
    loaded["Statement"][0]["Effect"] = "Deny"
    assert doc["Statement"][0]["Effect"] == "Allow"


def test_load_json_string_and_bytes():
    doc = {"Version": "2012-10-17", "Statement": []}
    assert policy.load(json.dumps(doc)) == doc
    assert policy.load(json.dumps(doc).encode()) == doc


def test_load_url_encoded_json():
    doc = trust({"AWS": "arn:aws:iam::111111111111:root"})
    assert policy.load(urllib.parse.quote(json.dumps(doc))) == doc


@pytest.mark.parametrize("value, fragment", [
    ("", "empty"),
    ("   ", "empty"),
    ("{not json", "not valid JSON"),
    ("%7Bbroken", "URL-encoded"),
    ("[1, 2]", "JSON object"),
    ("42", "JSON object"),
    (42, "not int"),
    (None, "not NoneType"),
    (b"\xff\xfe", "UTF-8"),
])
def test_load_rejects_bad_values(value, fragment):
    with pytest.raises(ValueError, match=fragment):
        policy.load(value)


# ---------------------------------------------------------------- normalize: structure

def test_missing_version_means_2008_10_17():
    assert policy.normalize({"Statement": []})["Version"] == "2008-10-17"
    assert policy.equivalent({"Statement": []}, {"Version": "2008-10-17", "Statement": []})
    assert not policy.equivalent({"Statement": []}, {"Version": "2012-10-17", "Statement": []})


def test_statement_object_equals_one_item_list():
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    assert policy.equivalent({"Version": "2012-10-17", "Statement": statement}, {"Version": "2012-10-17", "Statement": [statement]})


def test_one_item_lists_equal_scalars():
    a = trust({"AWS": "arn:aws:iam::111111111111:root"}, "sts:AssumeRole", Resource="*")
    b = trust({"AWS": ["arn:aws:iam::111111111111:root"]}, ["sts:AssumeRole"], Resource=["*"])
    assert policy.equivalent(a, b)
    assert policy.normalize(a) == policy.normalize(b)


def test_canonical_form_uses_lists_everywhere():
    canon = policy.normalize(trust("*", "sts:AssumeRole", Condition={"Bool": {"aws:SecureTransport": True}}))
    statement = canon["Statement"][0]
    assert statement["Principal"] == {"AWS": ["*"]}
    assert statement["Action"] == ["sts:assumerole"]
    assert statement["Condition"] == {"Bool": {"aws:securetransport": ["true"]}}


def test_key_and_list_order_do_not_matter():
    a = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:user/a", "arn:aws:iam::1:user/b"]}, "Action": "sts:AssumeRole"},
            {"Sid": "B", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        ],
    }
    b = {
        "Statement": [
            {"Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}, "Effect": "Allow", "Sid": "B"},
            {"Principal": {"AWS": ["arn:aws:iam::1:user/b", "arn:aws:iam::1:user/a"]}, "Effect": "Allow", "Action": "sts:AssumeRole", "Sid": "A"},
        ],
        "Version": "2012-10-17",
    }
    assert policy.equivalent(a, b)
    assert policy.canonical_json(a) == policy.canonical_json(b)


def test_duplicate_statements_and_values_are_ignored():
    statement = {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root"] * 2}, "Action": ["sts:AssumeRole", "sts:AssumeRole"]}
    single = {"Version": "2012-10-17", "Statement": [copy.deepcopy(statement)]}
    double = {"Version": "2012-10-17", "Statement": [copy.deepcopy(statement), copy.deepcopy(statement)]}
    assert policy.equivalent(single, double)
    assert len(policy.normalize(double)["Statement"]) == 1
    assert policy.normalize(double)["Statement"][0]["Action"] == ["sts:assumerole"]


def test_empty_sid_equals_missing_sid_but_sids_still_count():
    assert policy.equivalent(trust("*", Sid=""), trust("*"))
    assert policy.equivalent(trust("*", Sid=None), trust("*"))
    assert not policy.equivalent(trust("*", Sid="Named"), trust("*"))


def test_empty_condition_equals_no_condition():
    assert policy.equivalent(trust("*", Condition={}), trust("*"))
    assert policy.equivalent(trust("*", Condition={"StringEquals": {}}), trust("*"))


# ---------------------------------------------------------------- normalize: values

@pytest.mark.parametrize("value, text", [(True, "true"), (False, "false"), ("TRUE", "true"), ("true", "true")])
def test_bool_condition_values_become_lowercase_strings(value, text):
    doc = trust("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": value}})
    assert policy.normalize(doc)["Statement"][0]["Condition"]["Bool"]["aws:multifactorauthpresent"] == [text]
    assert policy.equivalent(doc, trust("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": text}}))


def test_number_condition_values_become_strings():
    a = trust("*", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}})
    b = trust("*", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})
    assert policy.equivalent(a, b)
    assert not policy.equivalent(a, trust("*", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "7200"}}))


def test_string_condition_values_keep_their_case():
    a = trust("*", Condition={"StringEquals": {"sts:ExternalId": "Secret"}})
    b = trust("*", Condition={"StringEquals": {"sts:ExternalId": "secret"}})
    assert not policy.equivalent(a, b)


def test_condition_key_names_are_case_insensitive_operators_are_not():
    a = trust("*", Condition={"StringEquals": {"sts:ExternalId": "x"}})
    assert policy.equivalent(a, trust("*", Condition={"StringEquals": {"STS:externalid": "x"}}))
    assert not policy.equivalent(a, trust("*", Condition={"StringLike": {"sts:ExternalId": "x"}}))


def test_principal_star_equals_aws_star():
    assert policy.equivalent(trust("*"), trust({"AWS": "*"}))
    assert policy.equivalent(trust("*"), trust({"AWS": ["*"]}))
    not_principal = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotPrincipal": "*", "Action": "*"}]}
    assert policy.normalize(not_principal)["Statement"][0]["NotPrincipal"] == {"AWS": ["*"]}


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_account_id_equals_root_arn_in_every_partition(partition):
    by_id = trust({"AWS": ACCOUNT})
    by_arn = trust({"AWS": f"arn:{partition}:iam::{ACCOUNT}:root"})
    assert policy.equivalent(by_id, by_arn)
    assert policy.equivalent(by_arn, by_id)
    assert policy.normalize(by_id, partition=partition) == policy.normalize(by_arn)


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_bare_id_takes_the_partition_of_the_document(partition):
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": [ACCOUNT, f"arn:{partition}:iam::222222222222:role/r"]}, "Action": "sts:AssumeRole"}],
    }
    assert f"arn:{partition}:iam::{ACCOUNT}:root" in policy.normalize(doc)["Statement"][0]["Principal"]["AWS"]


def test_different_partitions_are_not_equivalent():
    assert not policy.equivalent(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), trust({"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"}))
    assert not policy.equivalent(
        trust({"AWS": f"arn:aws-us-gov:iam::{ACCOUNT}:root"}), trust({"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"})
    )


def test_explicit_partition_decides_what_a_bare_id_means():
    cn_root = trust({"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"})
    assert policy.equivalent(trust({"AWS": ACCOUNT}), cn_root)
    assert policy.equivalent(trust({"AWS": ACCOUNT}), cn_root, partition="aws-cn")
    assert not policy.equivalent(trust({"AWS": ACCOUNT}), cn_root, partition="aws")


def test_action_case_is_ignored():
    assert policy.equivalent(trust("*", "sts:assumerole"), trust("*", "sts:AssumeRole"))
    assert policy.equivalent(trust("*", ["STS:ASSUMEROLE", "sts:tagsession"]), trust("*", ["sts:TagSession", "sts:AssumeRole"]))
    not_action = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": "IAM:*", "Resource": "*"}]}
    assert policy.normalize(not_action)["Statement"][0]["NotAction"] == ["iam:*"]


def test_service_principal_case_is_ignored_but_arns_are_not():
    assert policy.equivalent(trust({"Service": "EC2.amazonaws.com"}), trust({"Service": ["ec2.amazonaws.com"]}))
    assert not policy.equivalent(trust({"AWS": "arn:aws:iam::111111111111:role/Admin"}), trust({"AWS": "arn:aws:iam::111111111111:role/admin"}))


def test_resource_case_matters():
    a = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::1:role/A"}]}
    b = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::1:role/a"}]}
    assert not policy.equivalent(a, b)


# ---------------------------------------------------------------- equivalence is about meaning

@pytest.mark.parametrize("other", [
    trust({"AWS": "222222222222"}),
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]},
    trust({"AWS": ACCOUNT}, Condition={"StringEquals": {"sts:ExternalId": "x"}}),
    trust({"AWS": ACCOUNT}, ["sts:AssumeRole", "sts:TagSession"]),
    trust({"Service": ACCOUNT}),
    {"Version": "2012-10-17", "Statement": []},
])
def test_different_meaning_is_not_equivalent(other):
    assert not policy.equivalent(trust({"AWS": ACCOUNT}), other)


def test_equivalent_accepts_json_strings_and_none():
    doc = trust({"AWS": ACCOUNT})
    assert policy.equivalent(json.dumps(doc), doc)
    assert policy.equivalent(None, None)
    assert not policy.equivalent(None, doc)
    assert not policy.equivalent(doc, None)


def test_normalize_never_mutates_its_input():
    doc = {"Statement": {"Sid": "", "Effect": "Allow", "Principal": "*", "Action": ["b", "A"], "Condition": {"Bool": {"K": True}}}}
    before = copy.deepcopy(doc)
    policy.normalize(doc)
    policy.canonical_json(doc)
    policy.equivalent(doc, doc)
    assert doc == before


def test_unknown_top_level_and_statement_keys_survive():
    doc = {"Version": "2012-10-17", "Id": "my-id", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Extra": [2, 1]}]}
    canon = policy.normalize(doc)
    assert canon["Id"] == "my-id"
    assert canon["Statement"][0]["Extra"] == [1, 2]
    assert not policy.equivalent(doc, {**doc, "Id": "other"})


# ---------------------------------------------------------------- canonical_json / policy_diff

def test_canonical_json_is_stable_and_keeps_case():
    a = {"Version": "2012-10-17", "Statement": {"Action": ["sts:TagSession", "sts:AssumeRole"], "Effect": "Allow", "Principal": {"AWS": "*"}}}
    b = {"Statement": [{"Principal": {"AWS": "*"}, "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession", "sts:AssumeRole"]}],
         "Version": "2012-10-17"}
    text = policy.canonical_json(a)
    assert text == policy.canonical_json(b)
    assert json.loads(text)["Statement"][0]["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert text.index('"Statement"') < text.index('"Version"')


def test_canonical_json_of_nothing_is_empty():
    assert policy.canonical_json(None) == ""


def test_policy_diff_shapes():
    doc = trust({"AWS": ACCOUNT})
    assert policy.policy_diff(None, doc) == {"before": "", "after": policy.canonical_json(doc)}
    assert policy.policy_diff(doc, None) == {"before": policy.canonical_json(doc), "after": ""}
    diff = policy.policy_diff(json.dumps(doc), doc)
    assert diff["before"] == diff["after"]


def test_engine_imports_only_the_standard_library_and_arn_helpers():
    # The policy engine must stay pure: usable (and unit-testable) without boto3 or AWS.
    import ast
    import pathlib
    import sys

    tree = ast.parse(pathlib.Path(policy.__file__).read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module)
    foreign = {m for m in modules if m.split(".")[0] not in sys.stdlib_module_names}
    assert foreign == {"ansible_collections.crossaccount.aws.plugins.module_utils._arn"}
