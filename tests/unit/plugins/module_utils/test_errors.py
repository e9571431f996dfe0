# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the error layer (_errors.py): one readable line per AWS failure."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import (
    CrossAccountError,
    ValidationFailure,
    aws_operation,
    describe,
    error_code,
    is_error,
)
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ParamValidationError


def client_error(code, message="", operation="GetRole", status=400):
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


def test_validation_failure_message_starts_with_option():
    exc = ValidationFailure("role_arn", "must be an IAM role ARN")
    assert str(exc) == exc.msg == "role_arn: must be an IAM role ARN"
    assert exc.option == "role_arn"
    assert isinstance(exc, CrossAccountError)
    assert exc.extra == {}


def test_cross_account_error_carries_extra():
    exc = CrossAccountError("denied", operation="sts:AssumeRole", code="AccessDenied", diagnosis=["x"])
    assert (exc.msg, exc.operation, exc.code, exc.extra) == ("denied", "sts:AssumeRole", "AccessDenied", {"diagnosis": ["x"]})


@pytest.mark.parametrize(
    "exc, code",
    [(client_error("NoSuchEntity"), "NoSuchEntity"), (ValueError("x"), None), (NoCredentialsError(), None), (ClientError({}, "GetRole"), None)],
)
def test_error_code(exc, code):
    assert error_code(exc) == code


def test_is_error():
    exc = client_error("EntityAlreadyExists")
    assert is_error(exc, "EntityAlreadyExists")
    assert is_error(exc, "NoSuchEntity", "EntityAlreadyExists")
    assert not is_error(exc, "NoSuchEntity")
    assert not is_error(ValueError(), "NoSuchEntity")


def test_describe_client_error_names_operation_and_code():
    result = describe("iam:GetRole", client_error("NoSuchEntity", "The role with name X cannot be found."))
    assert isinstance(result, CrossAccountError)
    assert result.msg == "iam:GetRole failed: NoSuchEntity: The role with name X cannot be found."
    assert (result.operation, result.code) == ("iam:GetRole", "NoSuchEntity")


def test_describe_is_one_line():
    result = describe("iam:PutRolePolicy", client_error("MalformedPolicyDocument", "Syntax errors in policy.\nLine 2\n"))
    assert "\n" not in result.msg
    assert result.msg == "iam:PutRolePolicy failed: MalformedPolicyDocument: Syntax errors in policy. Line 2"


def test_describe_without_message_or_code():
    assert describe("iam:GetRole", client_error("Throttling")).msg == "iam:GetRole failed: Throttling"
    assert describe("iam:GetRole", ClientError({}, "GetRole")).code == "Unknown"


def test_describe_botocore_error():
    result = describe("sts:AssumeRole", EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert result.msg.startswith("sts:AssumeRole failed: EndpointConnectionError: ")
    assert result.code == "EndpointConnectionError"
    assert describe("sts:AssumeRole", NoCredentialsError()).msg == "sts:AssumeRole failed: NoCredentialsError: Unable to locate credentials"


def test_describe_other_exception():
    result = describe("x", RuntimeError("boom"))
    assert result.msg == "x failed: RuntimeError: boom"
    assert result.code is None


def test_aws_operation_wraps_client_errors():
    @aws_operation("iam:CreateRole")
    def create_role():
        raise client_error("EntityAlreadyExists", "Role with name R already exists.", "CreateRole", 409)

    with pytest.raises(CrossAccountError) as info:
        create_role()
    assert info.value.msg == "iam:CreateRole failed: EntityAlreadyExists: Role with name R already exists."
    assert info.value.code == "EntityAlreadyExists"
    assert isinstance(info.value.__cause__, ClientError)


def test_aws_operation_wraps_botocore_errors():
    @aws_operation("sts:AssumeRole")
    def assume():
        raise ParamValidationError(report="Invalid length for parameter RoleSessionName")

    with pytest.raises(CrossAccountError) as info:
        assume()
    assert info.value.msg.startswith("sts:AssumeRole failed: ParamValidationError: ")


def test_aws_operation_missing_returns_default():
    @aws_operation("iam:GetRole", missing=("NoSuchEntity",))
    def get_role():
        raise client_error("NoSuchEntity")

    assert get_role() is None

    @aws_operation("iam:ListRoleTags", missing=("NoSuchEntity",), missing_value=[])
    def list_tags():
        raise client_error("NoSuchEntity")

    assert list_tags() == []


def test_aws_operation_missing_only_for_listed_codes():
    @aws_operation("iam:GetRole", missing=("NoSuchEntity",))
    def get_role():
        raise client_error("AccessDenied", "not authorized", status=403)

    with pytest.raises(CrossAccountError) as info:
        get_role()
    assert info.value.code == "AccessDenied"


def test_aws_operation_passes_results_and_arguments():
    @aws_operation("iam:GetRole")
    def get_role(name, *, path="/"):
        return {"RoleName": name, "Path": path}

    assert get_role("R", path="/x/") == {"RoleName": "R", "Path": "/x/"}
    assert get_role.__name__ == "get_role"


def test_aws_operation_leaves_own_and_unrelated_errors_alone():
    @aws_operation("iam:GetRole")
    def own():
        raise ValidationFailure("name", "bad")

    @aws_operation("iam:GetRole")
    def bug():
        raise KeyError("Role")

    with pytest.raises(ValidationFailure):
        own()
    # A programming error must stay a traceback-worthy bug, not be dressed up as an AWS failure.
    with pytest.raises(KeyError):
        bug()
