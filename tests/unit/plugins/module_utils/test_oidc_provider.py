# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""oidc_provider: option validation, finding the provider by URL, planning (no AWS)."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _oidc_provider as oidc
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure

GITHUB = "https://token.actions.githubusercontent.com"
THUMB = "6938fd4d98bab03faadb97b34396831e3780aea1"


def request(**values: t.Any) -> oidc.OidcProviderRequest:
    return oidc.request_from_options(OptionAdapter.from_dict(values))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (GITHUB, GITHUB),
        ("https://Token.Actions.GitHubUserContent.com/", GITHUB),
        ("HTTPS://gitlab.example.com", "https://gitlab.example.com"),
        ("https://login.example.com/tenant-1/v2.0", "https://login.example.com/tenant-1/v2.0"),
        ("https://login.example.com/tenant-1/v2.0/", "https://login.example.com/tenant-1/v2.0"),
    ],
)
def test_good_urls(url: str, expected: str) -> None:
    assert request(url=url).url == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://gitlab.example.com", "url: must be an https URL"),
        ("gitlab.example.com", "url: must be an https URL"),
        ("https://", "url: must be an https URL of an OpenID Connect issuer such as 'https://token.actions.githubusercontent.com'; ''"),
        ("https://gitlab.example.com:8443", "without user info or port"),
        ("https://user@gitlab.example.com", "without user info or port"),
        ("https://gitlab.example.com/?x=1", "without query string"),
        ("https://gitlab.example.com/#frag", "without query string"),
        ("https://gitlab.example.com/a b", "without query string"),
        ("https://gitlab.example.com//a", "empty path segments"),
        ("https://bad_host.example.com", "is not a host name"),
        ("https://example.com/" + "a" * 300, "url: must have at most 255 characters"),
        (None, "url: must be an https URL"),
        (42, "url: must be an https URL"),
    ],
)
def test_bad_urls(url: t.Any, message: str) -> None:
    with pytest.raises(ValidationFailure) as caught:
        request(url=url)
    assert message in str(caught.value)


def test_options_are_cleaned() -> None:
    got = request(url=GITHUB, client_ids=["sts.amazonaws.com", "sts.amazonaws.com"], thumbprints=[THUMB.upper(), THUMB],
                  tags={"team": "ci"}, purge_tags=False, state="present")
    assert got == oidc.OidcProviderRequest(url=GITHUB, client_ids=("sts.amazonaws.com",), thumbprints=(THUMB,), tags={"team": "ci"},
                                           purge_tags=False)
    assert got.name == "token.actions.githubusercontent.com"
    unset = request(url=GITHUB)
    assert (unset.client_ids, unset.thumbprints, unset.tags, unset.purge_tags, unset.state) == (None, None, None, True, "present")
    assert request(url=GITHUB, client_ids=[]).client_ids == ()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"thumbprints": ["abc"]}, "thumbprints[0]: must be a certificate thumbprint of 40 hex characters"),
        ({"thumbprints": ["z" * 40]}, "thumbprints[0]: must be a certificate thumbprint"),
        ({"thumbprints": [THUMB, 7]}, "thumbprints[1]: must be a certificate thumbprint"),
        ({"thumbprints": [f"{i:040x}" for i in range(6)]}, "thumbprints: at most 5 thumbprints"),
        ({"thumbprints": THUMB}, "thumbprints: must be a list"),
        ({"client_ids": [""]}, "client_ids[0]: must be a client id (audience) of 1 to 255 characters"),
        ({"client_ids": ["x" * 256]}, "client_ids[0]: must be a client id (audience) of 1 to 255 characters"),
        ({"client_ids": [f"c{i}" for i in range(101)]}, "client_ids: at most 100 client ids"),
        ({"tags": {"aws:owner": "x"}}, "tags: tag key 'aws:owner' uses the reserved 'aws:' prefix"),
        ({"state": "gone"}, "state: must be one of present, absent"),
    ],
)
def test_bad_options(values: dict[str, t.Any], message: str) -> None:
    with pytest.raises(ValidationFailure) as caught:
        request(url=GITHUB, **values)
    assert message in str(caught.value)


def test_find_provider_arn_matches_host_case_insensitively_and_path_exactly() -> None:
    arns = [
        "arn:aws:iam::222222222222:oidc-provider/login.example.com/tenant-1",
        "arn:aws:iam::222222222222:oidc-provider/Token.Actions.GitHubUserContent.com",
        "arn:aws:iam::222222222222:saml-provider/token.actions.githubusercontent.com",
    ]
    assert oidc.find_provider_arn(arns, "token.actions.githubusercontent.com") == arns[1]
    assert oidc.find_provider_arn(arns, "login.example.com/tenant-1") == arns[0]
    assert oidc.find_provider_arn(arns, "login.example.com/Tenant-1") is None
    assert oidc.find_provider_arn(arns, "login.example.com") is None


def current() -> dict[str, t.Any]:
    return {"arn": "arn:aws:iam::222222222222:oidc-provider/x.example.com", "url": "https://x.example.com",
            "client_ids": ["a", "b"], "thumbprints": [THUMB.upper()], "tags": {"Team": "ci", "keep": "1"}, "create_date": None}


def test_sets_and_case_are_no_change() -> None:
    have = current()
    want = oidc.desired(request(url="https://x.example.com", client_ids=["b", "a"], thumbprints=[THUMB]), have, have["arn"])
    assert not oidc.differs(have, want)
    assert want["thumbprints"] == [THUMB.upper()]


def test_tags_purge_and_case_insensitive_replacement() -> None:
    have = current()
    purged = oidc.desired(request(url="https://x.example.com", tags={"team": "ci"}), have, have["arn"])
    assert purged["tags"] == {"team": "ci"}
    kept = oidc.desired(request(url="https://x.example.com", tags={"team": "cd"}, purge_tags=False), have, have["arn"])
    assert kept["tags"] == {"keep": "1", "team": "cd"}
    assert oidc.differs(have, kept)


def test_new_provider_plan() -> None:
    want = oidc.desired(request(url=GITHUB, client_ids=["sts.amazonaws.com"]), None, "arn")
    assert want == {"arn": "arn", "url": GITHUB, "client_ids": ["sts.amazonaws.com"], "thumbprints": [], "tags": {}, "create_date": None}


def test_provider_view_adds_the_scheme_and_sorts() -> None:
    view = oidc.provider_view("arn", {"Url": "x.example.com", "ClientIDList": ["b", "a"], "ThumbprintList": [THUMB],
                                      "Tags": [{"Key": "k", "Value": "v"}]})
    assert view["url"] == "https://x.example.com"
    assert view["client_ids"] == ["a", "b"]
    assert view["tags"] == {"k": "v"}


URL = "https://oidc.emulator.invalid"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"url": "http://oidc.emulator.invalid"}, "url: must be an https URL"),
        ({"url": "oidc.emulator.invalid"}, "url: must be an https URL"),
        ({"url": "https://oidc.emulator.invalid:8443"}, "url: must be an https URL of an OpenID Connect issuer such as"),
        ({"url": "https://oidc.emulator.invalid/?a=b"}, "without query string"),
        ({"url": URL, "thumbprints": ["abc"]}, "thumbprints[0]: must be a certificate thumbprint of 40 hex characters"),
        ({"url": URL, "thumbprints": ["a" * 40, "g" * 40]}, "thumbprints[1]: must be a certificate thumbprint"),
        ({"url": URL, "thumbprints": [f"{i:040x}" for i in range(6)]}, "thumbprints: at most 5"),
        ({"url": URL, "client_ids": ["has space"]}, "client_ids[0]: must be a client id"),
        ({"url": URL, "tags": {"aws:x": "y"}}, "tags: tag key 'aws:x' uses the reserved"),
    ],
)
def test_the_module_refuses_bad_input_before_any_call(offline: t.Any, args: dict[str, t.Any], message: str) -> None:
    assert message in offline("oidc_provider", args)
