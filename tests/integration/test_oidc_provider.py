# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module oidc_provider against the emulator: create, no-op, update, check and diff mode, absent, bad input."""

from __future__ import annotations

import typing as t

import pytest
from ansible_runner import run_module

TARGET = "222222222222"
URL = "https://oidc.emulator.invalid"
ARN = f"arn:aws:iam::{TARGET}:oidc-provider/oidc.emulator.invalid"
THUMB_A = "a" * 40
THUMB_B = "0123456789abcdef0123456789abcdef01234567"


def provider(emu: t.Any, args: t.Mapping[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    kwargs.setdefault("profile", "target-admin")
    return run_module(emu, "oidc_provider", dict(args), **kwargs)


def iam(emu: t.Any) -> t.Any:
    return emu.aws("iam", "target-admin")


def write_actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.write_calls()]


def iam_actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.calls(service="iam")]


def stored(emu: t.Any, arn: str = ARN) -> dict[str, t.Any]:
    answer = iam(emu).get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    return {
        "client_ids": sorted(answer.get("ClientIDList", [])),
        "thumbprints": sorted(answer.get("ThumbprintList", [])),
        "tags": {tag["Key"]: tag["Value"] for tag in answer.get("Tags", [])},
    }


def provider_arns(emu: t.Any) -> list[str]:
    return [item["Arn"] for item in iam(emu).list_open_id_connect_providers()["OpenIDConnectProviderList"]]


FULL = {"url": URL, "client_ids": ["sts.amazonaws.com"], "thumbprints": [THUMB_A], "tags": {"owner": "platform"}}


def test_create_then_rerun_is_a_no_op(emu: t.Any) -> None:
    created = provider(emu, FULL)
    assert created["failed"] is False, created
    assert created["changed"] is True
    assert created["arn"] == ARN
    assert created["url"] == URL
    assert created["client_ids"] == ["sts.amazonaws.com"]
    assert created["thumbprints"] == [THUMB_A]
    assert created["tags"] == {"owner": "platform"}
    assert write_actions(emu) == ["CreateOpenIDConnectProvider"]
    assert stored(emu) == {"client_ids": ["sts.amazonaws.com"], "thumbprints": [THUMB_A], "tags": {"owner": "platform"}}

    emu.client.clear_calls()
    # Same sets in another order and thumbprint case, URL with a trailing slash and upper-case host: no change.
    again = provider(emu, dict(FULL, url="https://OIDC.emulator.invalid/", thumbprints=[THUMB_A.upper()]))
    assert again["failed"] is False, again
    assert again["changed"] is False
    assert again["arn"] == ARN
    assert write_actions(emu) == []
    assert iam_actions(emu) == ["ListOpenIDConnectProviders", "GetOpenIDConnectProvider"]


def test_update_client_ids_thumbprints_and_tags(emu: t.Any) -> None:
    provider(emu, dict(FULL, client_ids=["sts.amazonaws.com", "old-audience"], tags={"owner": "platform", "stale": "x"}))
    emu.client.clear_calls()
    result = provider(emu, dict(FULL, client_ids=["sts.amazonaws.com", "new-audience"], thumbprints=[THUMB_B],
                                tags={"owner": "security"}))
    assert result["failed"] is False, result
    assert result["changed"] is True
    assert result["client_ids"] == ["new-audience", "sts.amazonaws.com"]
    assert result["thumbprints"] == [THUMB_B]
    assert result["tags"] == {"owner": "security"}
    assert sorted(write_actions(emu)) == sorted([
        "AddClientIDToOpenIDConnectProvider", "RemoveClientIDFromOpenIDConnectProvider",
        "UpdateOpenIDConnectProviderThumbprint", "UntagOpenIDConnectProvider", "TagOpenIDConnectProvider",
    ])
    assert stored(emu) == {"client_ids": ["new-audience", "sts.amazonaws.com"], "thumbprints": [THUMB_B], "tags": {"owner": "security"}}


def test_unset_options_are_left_alone_and_purge_tags_false_keeps_tags(emu: t.Any) -> None:
    provider(emu, FULL)
    emu.client.clear_calls()
    result = provider(emu, {"url": URL, "tags": {"team": "ci"}, "purge_tags": False})
    assert result["changed"] is True, result
    assert write_actions(emu) == ["TagOpenIDConnectProvider"]
    assert stored(emu) == {"client_ids": ["sts.amazonaws.com"], "thumbprints": [THUMB_A], "tags": {"owner": "platform", "team": "ci"}}

    emu.client.clear_calls()
    assert provider(emu, {"url": URL})["changed"] is False
    assert write_actions(emu) == []


def test_check_mode_predicts_create_and_update_without_writing(emu: t.Any) -> None:
    predicted = provider(emu, FULL, check=True)
    assert predicted["failed"] is False, predicted
    assert predicted["changed"] is True
    assert predicted["arn"] == ARN
    assert predicted["client_ids"] == ["sts.amazonaws.com"]
    assert write_actions(emu) == []
    assert provider_arns(emu) == []

    provider(emu, FULL)
    emu.client.clear_calls()
    update = provider(emu, dict(FULL, client_ids=["other"]), check=True)
    assert update["changed"] is True
    assert update["client_ids"] == ["other"]
    assert write_actions(emu) == []
    assert stored(emu)["client_ids"] == ["sts.amazonaws.com"]


def test_diff_mode_shows_before_and_after(emu: t.Any) -> None:
    created = provider(emu, FULL, diff=True)
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"]["client_ids"] == ["sts.amazonaws.com"]
    result = provider(emu, dict(FULL, thumbprints=[THUMB_B]), diff=True)
    assert result["diff"]["before"]["thumbprints"] == [THUMB_A]
    assert result["diff"]["after"]["thumbprints"] == [THUMB_B]
    assert result["diff"]["before"]["arn"] == result["diff"]["after"]["arn"] == ARN
    removed = provider(emu, {"url": URL, "state": "absent"}, diff=True)
    assert removed["diff"] == {"before": result["diff"]["after"], "after": {}}


def test_absent_deletes_and_then_is_a_no_op(emu: t.Any) -> None:
    provider(emu, FULL)
    emu.client.clear_calls()
    check = provider(emu, {"url": URL, "state": "absent"}, check=True)
    assert check["changed"] is True
    assert write_actions(emu) == []
    removed = provider(emu, {"url": URL, "state": "absent"})
    assert removed["failed"] is False, removed
    assert removed["changed"] is True
    assert removed["arn"] == ARN
    assert write_actions(emu) == ["DeleteOpenIDConnectProvider"]
    assert provider_arns(emu) == []
    emu.client.clear_calls()
    again = provider(emu, {"url": URL, "state": "absent"})
    assert again["changed"] is False
    assert again["arn"] is None
    assert write_actions(emu) == []


def test_other_providers_are_not_touched(emu: t.Any) -> None:
    iam(emu).create_open_id_connect_provider(Url="https://other.example.invalid", ClientIDList=["x"], ThumbprintList=[THUMB_B])
    result = provider(emu, FULL)
    assert result["arn"] == ARN
    provider(emu, {"url": URL, "state": "absent"})
    assert provider_arns(emu) == [f"arn:aws:iam::{TARGET}:oidc-provider/other.example.invalid"]


# One refusal as a real module process; the whole table is tests/unit/plugins/module_utils/test_oidc_provider.py.
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"url": URL, "thumbprints": [THUMB_A, "g" * 40]}, "thumbprints[1]: must be a certificate thumbprint"),
    ],
)
def test_bad_input_fails_before_any_call(emu: t.Any, args: dict[str, t.Any], message: str) -> None:
    result = provider(emu, args)
    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert emu.client.calls() == []


def test_aws_error_is_one_line_naming_operation_and_code(emu: t.Any) -> None:
    result = provider(emu, dict(FULL, access_key="AKIAUNKNOWNKEY000001", secret_key="not-the-secret",
                                endpoint_url=emu.endpoint_url), profile=None)
    assert result["failed"] is True
    assert result["msg"].startswith("iam:ListOpenIDConnectProviders failed: InvalidClientTokenId"), result["msg"]
    assert "\n" not in result["msg"]
    assert "not-the-secret" not in str(result)


def test_create_answered_with_500_after_it_was_applied_converges(emu: t.Any) -> None:
    emu.client.configure(fail_after_write_rate=1.0)
    result = provider(emu, FULL)
    emu.client.configure(fail_after_write_rate=0.0)
    assert result["failed"] is False, result
    assert result["changed"] is True
    assert result["arn"] == ARN
    creates = emu.client.calls(action="CreateOpenIDConnectProvider")
    assert creates[0]["injected"] == "500-after-write"
    assert creates[1]["error_code"] == "EntityAlreadyExists"
    emu.client.clear_calls()
    assert provider(emu, FULL)["changed"] is False
    assert write_actions(emu) == []


# --- the README walkthrough "CI without keys (OIDC)", first half: provider, role, token exchange ---


def web_identity(emu: t.Any, role_arn: str, token: str) -> tuple[str | None, dict[str, t.Any] | None]:
    """(error code, None) or (None, assumed role user) of an unsigned AssumeRoleWithWebIdentity, as a CI job makes it."""
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError

    sts = emu.session(None).client("sts", endpoint_url=emu.endpoint_url, region_name="us-east-1",
                                   config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    try:
        answer = sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="ci", WebIdentityToken=token)
    except ClientError as exc:
        return exc.response["Error"]["Code"], None
    return None, answer["AssumedRoleUser"]


def test_ci_without_keys_walkthrough(emu: t.Any) -> None:
    from emulator.oidc import mint_token

    subject = "repo:acme/app:ref:refs/heads/main"
    # The provider knows another audience only: STS refuses the token until the client id is added.
    created = provider(emu, {"url": URL, "client_ids": ["other-audience"]})
    assert created["changed"] is True, created
    role = run_module(emu, "target_role", {
        "name": "github-deploy",
        "trusted_oidc": {"provider": created["arn"], "audience": "sts.amazonaws.com", "subjects": [subject]},
    }, profile="target-admin")
    assert role["failed"] is False, role
    role_arn = role["role"]["arn"]
    token = mint_token(URL, "sts.amazonaws.com", subject)
    assert web_identity(emu, role_arn, token)[0] == "InvalidIdentityToken"

    added = provider(emu, {"url": URL, "client_ids": ["other-audience", "sts.amazonaws.com"]})
    assert added["changed"] is True
    error, user = web_identity(emu, role_arn, token)
    assert error is None
    assert user is not None and user["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/github-deploy/ci"
    # Another repository of the same CI service is not let in.
    assert web_identity(emu, role_arn, mint_token(URL, "sts.amazonaws.com", "repo:evil/app:ref:refs/heads/main"))[0] == "AccessDenied"

    audit = run_module(emu, "trust_report", {"fail_on": ["public"]}, profile="target-admin")
    assert audit["failed"] is False, audit
    deploy = next(item for item in audit["roles"] if item["name"] == "github-deploy")
    assert deploy["classes"] == ["federated"]
    assert not [finding for finding in deploy["findings"] if finding["severity"] == "error"]

    # Deleting the provider shuts the door: the role is still there, the token is refused.
    assert provider(emu, {"url": URL, "state": "absent"})["changed"] is True
    assert web_identity(emu, role_arn, token)[0] == "InvalidIdentityToken"
