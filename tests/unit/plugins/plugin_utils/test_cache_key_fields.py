# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What goes into the lookup's cache key, option by option (the keys the lookup and the credential_process compute).

Two lookups may share cached credentials only when AWS would have answered both the same: every option that changes
what sts:AssumeRole (or AssumeRoleWithWebIdentity) returns, or whom and how it asks, must change the key of the step
it belongs to (and of every step after it); what changes nothing AWS sees must not, or the cache would never hit.
Pure computation: explicit keys as the source, so botocore resolves them without any network call.
"""

from __future__ import annotations

import os
import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection, OptionAdapter, settings_from
from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import request_from_options
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _assumed

ROLE = "arn:aws:iam::222222222222:role/Target"
HUB = "arn:aws:iam::111111111111:role/Hub"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmV4YW1wbGUvYXBwIn0.c2lnbmF0dXJl"
BASE: dict[str, t.Any] = {
    "role_arn": ROLE,
    "access_key": "AKIAEXAMPLEEXAMPLE01",
    "secret_key": "base-secret-key",
    "region": "us-east-1",
    "endpoint_url": "https://sts.example.invalid",
}
HOP = {"role_arn": HUB, "external_id": "hub-external-id", "role_session_name": "hub-session", "duration_seconds": 1800}


@pytest.fixture(autouse=True)
def shared_files(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shared files of this test only, with the profile one case uses (the environment is part of the key)."""
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    (tmp_path / "config").write_text("[profile other]\nregion = us-east-1\n")
    (tmp_path / "credentials").write_text("[other]\naws_access_key_id = AKIAEXAMPLEEXAMPLE03\naws_secret_access_key = other-secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def keys(**changes: t.Any) -> list[str]:
    options = {**BASE, **changes}
    options = {name: value for name, value in options.items() if value is not None}
    adapter = OptionAdapter.from_dict(options)
    request = request_from_options(adapter)
    connection = AwsConnection(settings_from(adapter))
    return _assumed.step_keys(_assumed.source_of(connection, request), request)


# (case, changes to BASE): each changes what AWS returns for the final step, or who asks, or how.
CHANGES_THE_ANSWER = [
    ("role_arn", {"role_arn": "arn:aws:iam::222222222222:role/Other"}),
    ("partition", {"role_arn": "arn:aws-cn:iam::222222222222:role/Target"}),
    ("role_session_name", {"role_session_name": "explicit-session"}),
    ("external_id", {"external_id": "partner-42"}),
    ("duration_seconds", {"duration_seconds": 1800}),
    ("mfa_serial_number", {"mfa_serial_number": "arn:aws:iam::111111111111:mfa/me", "mfa_token": "123456"}),
    ("policy", {"policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}}),
    ("policy_arns", {"policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}),
    ("session_tags", {"session_tags": {"team": "blue"}}),
    ("transitive_tag_keys", {"session_tags": {"team": "blue"}, "transitive_tag_keys": ["team"]}),
    ("source_identity", {"source_identity": "alice"}),
    ("access_key (the source principal)", {"access_key": "AKIAEXAMPLEEXAMPLE02"}),
    ("profile instead of keys", {"access_key": None, "secret_key": None, "profile": "other"}),
    ("region", {"region": "eu-west-1"}),
    ("endpoint_url", {"endpoint_url": "https://sts.other.invalid"}),
    ("validate_certs", {"validate_certs": False}),
    ("aws_ca_bundle", {"aws_ca_bundle": "/etc/ssl/private-ca.pem"}),
    ("via: a hop first", {"via": [HUB]}),
    ("web identity token", {"access_key": None, "secret_key": None, "web_identity_token": TOKEN}),
]
# The same for the hop of a chain: each field of the hop changes the hop's key and the final one.
HOP_FIELDS = ["role_arn", "external_id", "role_session_name", "duration_seconds"]
HOP_CHANGES = {"role_arn": "arn:aws:iam::111111111111:role/OtherHub", "external_id": "other-id",
               "role_session_name": "other-session", "duration_seconds": 900}


@pytest.mark.parametrize(("case", "changes"), CHANGES_THE_ANSWER, ids=[case for case, _changes in CHANGES_THE_ANSWER])
def test_every_field_that_changes_the_answer_changes_the_key(case: str, changes: dict[str, t.Any]) -> None:
    assert keys(**changes)[-1] != keys()[-1], case


def test_every_case_has_a_key_of_its_own() -> None:
    finals = [keys(**changes)[-1] for _case, changes in CHANGES_THE_ANSWER] + [keys()[-1]]
    assert len(set(finals)) == len(finals)


@pytest.mark.parametrize("field", HOP_FIELDS)
def test_every_field_of_a_via_hop_changes_its_key_and_the_next(field: str) -> None:
    base = keys(via=[HOP])
    changed = keys(via=[dict(HOP, **{field: HOP_CHANGES[field]})])
    assert changed[0] != base[0] and changed[1] != base[1]


def test_what_comes_before_a_step_is_part_of_it_but_not_what_comes_after() -> None:
    # The hub's entry is shared by every role behind it; each role's entry depends on the hub's.
    one, two = keys(via=[HOP]), keys(via=[HOP], role_arn="arn:aws:iam::333333333333:role/Target")
    assert one[0] == two[0] and one[1] != two[1]


def test_another_web_identity_token_is_another_key_and_no_token_is_in_it() -> None:
    first = keys(access_key=None, secret_key=None, web_identity_token=TOKEN)
    second = keys(access_key=None, secret_key=None, web_identity_token=TOKEN[:-4] + "AAAA")
    assert first != second


def test_the_ca_bundle_of_the_environment_changes_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    base = keys()
    monkeypatch.setenv("AWS_CA_BUNDLE", "/etc/ssl/other-ca.pem")
    assert keys() != base


@pytest.mark.parametrize(("case", "changes"), [
    ("the secret key", {"secret_key": "another-secret-key"}),
    ("the MFA code", {"mfa_serial_number": "arn:aws:iam::111111111111:mfa/me", "mfa_token": "654321"}),
    ("wait_timeout", {"wait_timeout": 7}),
    ("a derived session name", {"role_session_name": None}),
])
def test_what_aws_does_not_see_differently_leaves_the_key(case: str, changes: dict[str, t.Any]) -> None:
    reference = {"mfa_serial_number": "arn:aws:iam::111111111111:mfa/me", "mfa_token": "123456"} if "mfa_token" in changes else {}
    assert keys(**{**reference, **changes}) == keys(**reference), case
