# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""trust_report: classification of trust statements, summary, fail_on message, option validation (no AWS)."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _trust_report as report
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure

OWN = "222222222222"
KNOWN = "111111111111"
STRANGER = "333333333333"
ORG = "o-emulator0001"
OIDC = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"


def allow(principal: t.Any, condition: dict[str, t.Any] | None = None, action: str = "sts:AssumeRole") -> dict[str, t.Any]:
    statement: dict[str, t.Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def classify(statement: dict[str, t.Any], known: tuple[str, ...] = (KNOWN,)) -> str:
    return report.classify_statement(statement, OWN, known)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        # One principal per class.
        (allow({"AWS": f"arn:aws:iam::{OWN}:root"}), "same_account"),
        (allow({"AWS": OWN}), "same_account"),
        (allow({"AWS": f"arn:aws:iam::{OWN}:role/admin"}), "same_account"),
        (allow({"AWS": f"arn:aws:sts::{OWN}:assumed-role/admin/session"}), "same_account"),
        (allow({"AWS": f"arn:aws:iam::{KNOWN}:root"}), "known_account"),
        (allow({"AWS": f"arn:aws:iam::{STRANGER}:user/bob"}), "unknown_account"),
        (allow({"AWS": f"arn:aws:iam::{STRANGER}:root"}, {"StringEquals": {"sts:ExternalId": "x1"}}), "unknown_account"),
        (allow({"Service": "ec2.amazonaws.com"}), "service"),
        (allow({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}), "service"),
        (allow({"Federated": OIDC}, {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
               "sts:AssumeRoleWithWebIdentity"), "federated"),
        (allow({"Federated": "cognito-identity.amazonaws.com"}, action="sts:AssumeRoleWithWebIdentity"), "federated"),
        (allow({"AWS": "AROAEXAMPLEEXAMPLE1234"}), "dangling"),
        (allow({"AWS": "AIDAEXAMPLEEXAMPLE5678"}), "dangling"),
        (allow({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}), "unknown_account"),
        # Wildcards: public unless a condition really narrows them.
        (allow("*"), "public"),
        (allow({"AWS": "*"}), "public"),
        (allow({"AWS": ["*", f"arn:aws:iam::{OWN}:root"]}), "public"),
        (allow("*", {"StringLike": {"aws:PrincipalArn": "*"}}), "public"),
        (allow("*", {"StringEquals": {}}), "public"),
        (allow("*", {"StringEquals": {"sts:ExternalId": "x1"}}), "public"),
        (allow("*", {"StringEquals": {"aws:PrincipalOrgID": ORG}}), "organization"),
        (allow("*", {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-emu1/ou-emu1-00000002/*"}}), "organization"),
        (allow("*", {"StringEquals": {"aws:PrincipalAccount": OWN}}), "same_account"),
        (allow("*", {"StringEquals": {"aws:PrincipalAccount": [OWN, KNOWN]}}), "known_account"),
        (allow("*", {"StringEquals": {"aws:PrincipalAccount": STRANGER}}), "unknown_account"),
        (allow("*", {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{KNOWN}:role/ci-*"}}), "known_account"),
        (allow("*", {"StringEquals": {"aws:SourceAccount": OWN}}), "same_account"),
        (allow("*", {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:PrincipalAccount": OWN}}), "same_account"),
        (allow("*", {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:PrincipalAccount": STRANGER}}), "organization"),
        # An organization condition makes a foreign account's principal an organization member.
        (allow({"AWS": f"arn:aws:iam::{STRANGER}:root"}, {"StringEquals": {"aws:PrincipalOrgID": ORG}}), "organization"),
        (allow({"AWS": f"arn:aws:iam::{KNOWN}:root"}, {"StringEquals": {"aws:PrincipalOrgID": ORG}}), "known_account"),
        # NotPrincipal in an Allow statement trusts everyone else.
        ({"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{OWN}:root"}, "Action": "sts:AssumeRole"}, "public"),
    ],
)
def test_classify_statement(statement: dict[str, t.Any], expected: str) -> None:
    assert classify(statement) == expected


def test_without_known_accounts_a_known_account_is_unknown() -> None:
    assert classify(allow({"AWS": KNOWN}), known=()) == "unknown_account"


def test_negated_account_condition_names_no_account() -> None:
    # "everyone except account X" does not narrow the wildcard to X.
    statement = allow("*", {"StringNotEquals": {"aws:PrincipalAccount": OWN}, "StringEquals": {"aws:PrincipalOrgID": ORG}})
    assert classify(statement) == "organization"


@pytest.mark.parametrize(
    ("principals", "expected"),
    [
        # Widest exposure wins when a statement's principals fall into several classes.
        ([f"arn:aws:iam::{OWN}:root", f"arn:aws:iam::{STRANGER}:root"], "unknown_account"),
        ([f"arn:aws:iam::{OWN}:root", f"arn:aws:iam::{KNOWN}:root"], "known_account"),
        ([f"arn:aws:iam::{OWN}:root", "AROAEXAMPLEEXAMPLE1234"], "dangling"),
        ([f"arn:aws:iam::{STRANGER}:root", "AROAEXAMPLEEXAMPLE1234"], "unknown_account"),
    ],
)
def test_precedence_inside_one_statement(principals: list[str], expected: str) -> None:
    assert classify(allow({"AWS": principals})) == expected


def test_precedence_across_principal_kinds() -> None:
    assert classify(allow({"AWS": f"arn:aws:iam::{OWN}:root", "Service": "ec2.amazonaws.com"})) == "service"
    assert classify(allow({"AWS": f"arn:aws:iam::{KNOWN}:root", "Federated": OIDC})) == "federated"


def test_precedence_order_is_the_documented_one() -> None:
    assert report.CLASSES == ("public", "unknown_account", "dangling", "federated", "organization", "known_account", "service",
                              "same_account")


def role(name: str, *statements: dict[str, t.Any]) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
    listed = {"RoleName": name, "Arn": f"arn:aws:iam::{OWN}:role/{name}", "Path": "/"}
    return listed, {"Version": "2012-10-17", "Statement": list(statements)}


def test_report_role_lists_allow_statements_with_document_indexes() -> None:
    deny = {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{STRANGER}:user/mallory"}, "Action": "sts:AssumeRole"}
    listed, document = role("mixed", deny, allow({"Service": "ec2.amazonaws.com"}),
                            allow({"AWS": STRANGER}, {"StringEquals": {"sts:ExternalId": "x1"}}))
    entry = report.report_role(listed, document, OWN, (KNOWN,), "aws")
    assert entry["name"] == "mixed"
    assert entry["arn"] == f"arn:aws:iam::{OWN}:role/mixed"
    assert entry["path"] == "/"
    assert [(s["index"], s["class"]) for s in entry["statements"]] == [(1, "service"), (2, "unknown_account")]
    assert entry["statements"][1]["principals"] == {"AWS": [STRANGER]}
    assert entry["statements"][1]["conditions"] == {"StringEquals": {"sts:ExternalId": "x1"}}
    assert entry["statements"][0]["conditions"] == {}
    assert entry["classes"] == ["unknown_account", "service"]
    assert isinstance(entry["findings"], list)


def test_report_role_reads_a_json_string_and_a_single_statement() -> None:
    listed, _document = role("single")
    text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}'
    entry = report.report_role(listed, text, OWN, (), "aws")
    assert entry["statements"] == [{"index": 0, "class": "public", "principals": {"AWS": ["*"]}, "conditions": {}}]
    assert any(f["code"] == "wildcard_principal" and f["statement"] == 0 for f in entry["findings"])


def test_not_principal_is_marked() -> None:
    listed, document = role("np", {"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{OWN}:root"}, "Action": "sts:AssumeRole"})
    entry = report.report_role(listed, document, OWN, (), "aws")
    assert entry["statements"][0]["not_principal"] is True
    assert entry["statements"][0]["principals"] == {"AWS": [f"arn:aws:iam::{OWN}:root"]}
    assert entry["classes"] == ["public"]


def test_summary_counts_statements_and_has_every_class() -> None:
    roles = [
        report.report_role(*role("a", allow("*"), allow({"Service": "ec2.amazonaws.com"})), OWN, (), "aws"),
        report.report_role(*role("b", allow({"Service": "lambda.amazonaws.com"})), OWN, (), "aws"),
    ]
    summary = report.summarize(roles)
    assert set(summary) == set(report.CLASSES)
    assert summary["public"] == 1
    assert summary["service"] == 2
    assert sum(summary.values()) == 3


def test_gate_failure_names_classes_and_roles() -> None:
    roles = [
        {"name": "open", "classes": ["public"]},
        {"name": "vendor", "classes": ["unknown_account", "service"]},
        {"name": "vendor2", "classes": ["unknown_account"]},
        {"name": "ec2", "classes": ["service"]},
    ]
    assert report.gate_failure(roles, ["dangling"]) is None
    assert report.gate_failure(roles, []) is None
    message = report.gate_failure(roles, ["unknown_account", "public"])
    assert message == "fail_on: found public trust in role open; unknown_account trust in roles vendor, vendor2"


def test_gate_failure_shortens_long_lists() -> None:
    roles = [{"name": f"r{i:02d}", "classes": ["public"]} for i in range(25)]
    message = report.gate_failure(roles, ["public"])
    assert message is not None
    assert message.endswith("r19 and 5 more")


def options(**values: t.Any) -> OptionAdapter:
    return OptionAdapter.from_dict(values)


def test_request_from_options() -> None:
    request = report.request_from_options(options(known_account_ids=[KNOWN, KNOWN], path_prefix="/ci/", fail_on=["public", "dangling"]))
    assert request == report.TrustReportRequest(known_account_ids=(KNOWN,), path_prefix="/ci/", fail_on=("public", "dangling"))
    assert report.request_from_options(options()) == report.TrustReportRequest()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"known_account_ids": ["12345"]}, "known_account_ids[0]: must be a 12-digit AWS account id"),
        ({"path_prefix": "ci/"}, "path_prefix: must be an IAM path prefix beginning with '/'"),
        ({"fail_on": ["everything"]}, "fail_on[0]: must be one of public, unknown_account"),
        ({"fail_on": "public"}, "fail_on: must be a list"),
    ],
)
def test_bad_options(values: dict[str, t.Any], message: str) -> None:
    with pytest.raises(ValidationFailure) as caught:
        report.request_from_options(options(**values))
    assert str(caught.value).startswith(message), str(caught.value)


def test_source_arn_pattern_with_wildcard_region_names_its_account() -> None:
    statement = allow("*", {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{KNOWN}:alerts"}})
    assert report.narrowed_accounts(statement, {"aws:sourcearn"}) == [KNOWN]
    assert report.narrowed_accounts(allow("*", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}}), {"aws:sourcearn"}) == [None]
