# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's OpenID Connect issuer and AssumeRoleWithWebIdentity, over real HTTP with boto3."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from emulator.oidc import ISSUER, KEY_ID, mint_token, other_key

SOURCE, TARGET = "111111111111", "222222222222"
HOST = ISSUER.split("://", 1)[1]
AUDIENCE = "sts.amazonaws.com"
SUBJECT = "repo:example/app:ref:refs/heads/main"


def provider_arn(account: str = TARGET, host: str = HOST) -> str:
    return f"arn:aws:iam::{account}:oidc-provider/{host}"


def web_trust(sub: str = "repo:example/app:*", operator: str = "StringLike", host: str = HOST,
              account: str = TARGET, audience: str = AUDIENCE) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn(account, host)},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:aud": audience}, operator: {f"{host}:sub": sub}},
    }]})


def register(emu: t.Any, url: str = ISSUER, client_ids: tuple[str, ...] = (AUDIENCE,), profile: str = "target-admin") -> str:
    return emu.aws("iam", profile).create_open_id_connect_provider(
        Url=url, ClientIDList=list(client_ids), ThumbprintList=["0" * 40])["OpenIDConnectProviderArn"]


def make_role(emu: t.Any, name: str, document: str, profile: str = "target-admin") -> str:
    return emu.aws("iam", profile).create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]


def anonymous_sts(emu: t.Any) -> t.Any:
    """An STS client without any credentials: AssumeRoleWithWebIdentity is an unsigned call."""
    from botocore import UNSIGNED
    from botocore.config import Config

    return emu.session(None).client("sts", endpoint_url=emu.endpoint_url,
                                    config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))


def web_assume(emu: t.Any, role_arn: str, token: str, **kwargs: t.Any) -> dict[str, t.Any]:
    return anonymous_sts(emu).assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="ci-run",
                                                            WebIdentityToken=token, **kwargs)


def error_of(emu: t.Any, role_arn: str, token: str, **kwargs: t.Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        web_assume(emu, role_arn, token, **kwargs)
    err = info.value.response["Error"]
    return err["Code"], err.get("Message", "")


def error_of_create(emu: t.Any, name: str, document: str) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        make_role(emu, name, document)
    err = info.value.response["Error"]
    return err["Code"], err.get("Message", "")


@pytest.fixture
def ci_role(emu: t.Any) -> str:
    assert register(emu) == provider_arn()
    return make_role(emu, "CiDeploy", web_trust())


@pytest.mark.smoke
def test_happy_path_issues_a_session(emu: t.Any, ci_role: str) -> None:
    token = mint_token(ISSUER, AUDIENCE, SUBJECT)
    answer = web_assume(emu, ci_role, token)
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/CiDeploy/ci-run"
    assert answer["SubjectFromWebIdentityToken"] == SUBJECT
    assert answer["Audience"] == AUDIENCE
    assert answer["Provider"] == provider_arn()
    identity = emu.aws("sts", credentials=answer["Credentials"]).get_caller_identity()
    assert identity["Arn"] == answer["AssumedRoleUser"]["Arn"]
    # Unauthenticated in the call log (no key), and the token appears in no log.
    [call] = emu.client.calls(action="AssumeRoleWithWebIdentity")
    assert (call["service"], call["account"], call["access_key"], call["status"]) == ("sts", None, None, 200)
    assert token not in json.dumps(emu.client.calls())
    assert token.split(".")[2] not in Path(emu.log_file).read_text(encoding="utf-8")


def test_the_session_chains_like_assume_role(emu: t.Any, ci_role: str) -> None:
    hub = emu.aws("iam", "target-admin").create_role(RoleName="Next", MaxSessionDuration=43200, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ci_role}, "Action": "sts:AssumeRole"}]}
    ))["Role"]["Arn"]
    emu.aws("iam", "target-admin").put_role_policy(RoleName="CiDeploy", PolicyName="hop", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": hub}]}))
    web = emu.aws("sts", credentials=web_assume(emu, ci_role, mint_token(ISSUER, AUDIENCE, SUBJECT))["Credentials"])
    assert web.assume_role(RoleArn=hub, RoleSessionName="hop")["AssumedRoleUser"]["Arn"].endswith(":assumed-role/Next/hop")
    with pytest.raises(ClientError) as info:
        web.assume_role(RoleArn=hub, RoleSessionName="hop", DurationSeconds=7200)
    assert info.value.response["Error"]["Code"] == "ValidationError"
    assert "role chaining" in info.value.response["Error"]["Message"]


def test_wrong_subject_is_denied(emu: t.Any, ci_role: str) -> None:
    assert error_of(emu, ci_role, mint_token(ISSUER, AUDIENCE, "repo:attacker/app:ref:refs/heads/main")) == (
        "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def test_exact_subject_with_string_equals(emu: t.Any) -> None:
    register(emu)
    role = make_role(emu, "Exact", web_trust(sub=SUBJECT, operator="StringEquals"))
    assert web_assume(emu, role, mint_token(ISSUER, AUDIENCE, SUBJECT))
    assert error_of(emu, role, mint_token(ISSUER, AUDIENCE, SUBJECT + "x"))[0] == "AccessDenied"


def test_wrong_audience(emu: t.Any) -> None:
    register(emu, client_ids=(AUDIENCE, "other-client"))
    role = make_role(emu, "AudCheck", web_trust())
    # Not a client id of the provider: the token is refused.
    assert error_of(emu, role, mint_token(ISSUER, "unknown-client", SUBJECT)) == ("InvalidIdentityToken", "Incorrect token audience")
    # A client id of the provider, but not the audience the trust policy asks for.
    assert error_of(emu, role, mint_token(ISSUER, "other-client", SUBJECT))[0] == "AccessDenied"


def test_expired_token(emu: t.Any, ci_role: str) -> None:
    code, message = error_of(emu, ci_role, mint_token(ISSUER, AUDIENCE, SUBJECT, expires_in=-30))
    assert code == "ExpiredTokenException"
    assert message.startswith("Token expired: current date/time")


def test_wrongly_signed_token(emu: t.Any, ci_role: str) -> None:
    assert error_of(emu, ci_role, mint_token(ISSUER, AUDIENCE, SUBJECT, key=other_key()))[0] == "InvalidIdentityToken"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0."])
def test_malformed_token(emu: t.Any, ci_role: str, token: str) -> None:
    assert error_of(emu, ci_role, token)[0] == "InvalidIdentityToken"


def test_unregistered_provider(emu: t.Any) -> None:
    # The trust may only name a provider that exists.
    code, message = error_of_create(emu, "TooEarly", web_trust())
    assert (code, message) == ("MalformedPolicyDocument", f'Invalid principal in policy: "Federated":"{provider_arn()}"')
    arn = register(emu)
    role = make_role(emu, "NoProvider", web_trust())
    # Registered in the source account only: not the role's account.
    emu.aws("iam", "target-admin").delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    register(emu, profile="source-admin")
    code, message = error_of(emu, role, mint_token(ISSUER, AUDIENCE, SUBJECT))
    assert (code, message) == ("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {ISSUER}")
    # A token whose issuer is not registered anywhere.
    register(emu)
    assert web_assume(emu, role, mint_token(ISSUER, AUDIENCE, SUBJECT))
    assert error_of(emu, role, mint_token("https://elsewhere.invalid", AUDIENCE, SUBJECT))[0] == "InvalidIdentityToken"


def test_any_registered_https_issuer_signed_by_the_emulator_key(emu: t.Any) -> None:
    issuer = "https://ci.example.invalid/tenant-1"
    host = "ci.example.invalid/tenant-1"
    register(emu, url=issuer, client_ids=("aap",))
    role = make_role(emu, "Tenant", web_trust(host=host, audience="aap"))
    answer = web_assume(emu, role, mint_token(issuer, "aap", "repo:example/app:env:prod"))
    assert answer["Provider"] == provider_arn(host=host)


def test_trust_must_name_the_provider_and_the_action(emu: t.Any) -> None:
    register(emu)
    register(emu, profile="source-admin")
    other_account = make_role(emu, "OtherAccount", web_trust(account=SOURCE))
    assert error_of(emu, other_account, mint_token(ISSUER, AUDIENCE, SUBJECT))[0] == "AccessDenied"
    wrong_action = make_role(emu, "WrongAction", web_trust().replace("sts:AssumeRoleWithWebIdentity", "sts:AssumeRole"))
    assert error_of(emu, wrong_action, mint_token(ISSUER, AUDIENCE, SUBJECT))[0] == "AccessDenied"
    assert error_of(emu, f"arn:aws:iam::{TARGET}:role/Missing", mint_token(ISSUER, AUDIENCE, SUBJECT))[0] == "AccessDenied"


def test_amr_condition_absent_is_fine_and_present_is_evaluated(emu: t.Any) -> None:
    register(emu)
    document = json.loads(web_trust())
    document["Statement"][0]["Condition"]["ForAnyValue:StringEquals"] = {f"{HOST}:amr": "mfa"}
    role = make_role(emu, "Amr", json.dumps(document))
    assert web_assume(emu, role, mint_token(ISSUER, AUDIENCE, SUBJECT, claims={"amr": ["pwd", "mfa"]}))
    assert error_of(emu, role, mint_token(ISSUER, AUDIENCE, SUBJECT, claims={"amr": ["pwd"]}))[0] == "AccessDenied"
    # The plain trust (no amr condition) does not care about a missing amr claim.
    plain = make_role(emu, "Plain", web_trust())
    assert web_assume(emu, plain, mint_token(ISSUER, AUDIENCE, SUBJECT))


def test_duration_is_bounded_by_the_role(emu: t.Any, ci_role: str) -> None:
    with pytest.raises(ClientError) as info:
        web_assume(emu, ci_role, mint_token(ISSUER, AUDIENCE, SUBJECT), DurationSeconds=7200)
    assert info.value.response["Error"]["Code"] == "ValidationError"


def test_issuer_key_is_published(emu: t.Any) -> None:
    published = emu.client.oidc()
    assert published["issuer"] == ISSUER
    assert [k["kid"] for k in published["jwks"]["keys"]] == [KEY_ID]
