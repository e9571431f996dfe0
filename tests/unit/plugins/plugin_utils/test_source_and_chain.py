# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side pieces of the lookup without AWS: the resolved source principal, at-most-once fetches."""

from __future__ import annotations

import datetime

import botocore.session
import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials
from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import AssumeRoleRequest, request_from_options
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _assumed
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _credential_cache as cc
from ansible_collections.crossaccount.aws.plugins.plugin_utils._source import resolved_principal

ROLE = "arn:aws:iam::222222222222:role/Target"


def write_files(tmp_path, key_id: str) -> tuple[str, str]:
    config = tmp_path / "config"
    credentials = tmp_path / "credentials"
    config.write_text(
        "[profile dev]\nregion = us-east-1\n"
        # A profile that assumes a role: botocore would call AWS (an unreachable endpoint here) to read its key.
        "[profile hop]\nrole_arn = arn:aws:iam::222222222222:role/Hop\nsource_profile = dev\nendpoint_url = http://127.0.0.1:9\n"
    )
    credentials.write_text(f"[dev]\naws_access_key_id = {key_id}\naws_secret_access_key = secret-of-{key_id}\n")
    return str(config), str(credentials)


@pytest.fixture
def aws_files(tmp_path, monkeypatch):
    def use(key_id: str) -> None:
        config, credentials = write_files(tmp_path, key_id)
        monkeypatch.setenv("AWS_CONFIG_FILE", config)
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", credentials)
        for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)

    return use


def key_for(profile: str) -> str:
    principal = resolved_principal(botocore.session.Session(profile=profile))
    return cc.cache_key(cc.source_fields({"profile": profile}, principal=principal), {"role_arn": ROLE})


def test_profile_whose_keys_changed_gets_another_cache_key(aws_files):
    # Issue 12 (11): same profile name, same files, other keys -> never the previous principal's entry.
    aws_files("AKIAFIRSTKEY00000001")
    first = key_for("dev")
    assert resolved_principal(botocore.session.Session(profile="dev"))["access_key_id"] == "AKIAFIRSTKEY00000001"
    aws_files("AKIASECONDKEY0000002")
    assert key_for("dev") != first
    aws_files("AKIAFIRSTKEY00000001")
    assert key_for("dev") == first


def test_role_profile_is_keyed_by_its_source_without_calling_aws(aws_files):
    # The hop profile's endpoint is a closed port: any AWS call would raise, not return.
    aws_files("AKIAFIRSTKEY00000001")
    principal = resolved_principal(botocore.session.Session(profile="hop"))
    assert principal["method"] == "assume-role"
    assert principal["profile"]["role_arn"] == "arn:aws:iam::222222222222:role/Hop"
    assert principal["profile"]["source"]["access_key_id"] == "AKIAFIRSTKEY00000001"
    first = key_for("hop")
    aws_files("AKIASECONDKEY0000002")
    assert key_for("hop") != first


def test_explicit_keys_and_no_secret_in_the_principal(aws_files):
    aws_files("AKIAFIRSTKEY00000001")
    # What AwsConnection does with explicit keys.
    session = botocore.session.Session()
    session.set_credentials("AKIAEXPLICIT00000001", "very-secret")
    principal = resolved_principal(session)
    assert principal == {"method": "explicit", "access_key_id": "AKIAEXPLICIT00000001"}
    assert "very-secret" not in repr(cc.source_fields({}, principal=principal))


def creds(n: int) -> AssumedCredentials:
    return AssumedCredentials(access_key=f"ASIAFAKE{n:08d}", secret_key=f"s{n}", session_token=f"t{n}",
                              expiration=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1),
                              assumed_role_arn="arn:aws:sts::222222222222:assumed-role/Target/s", assumed_role_id="AROA:s",
                              account_id="222222222222")


class UnusableAfterFetch:
    """A cache whose directory turns unsafe while the credentials are fetched (issue 12, defect 10)."""

    def get_or_fetch(self, key, fetch):
        fetch()
        raise cc.CacheUnusable("cache_dir /x is a symlink or not a directory")


class UnusableAtOnce:
    def get_or_fetch(self, key, fetch):
        raise cc.CacheUnusable("cache_dir /x is owned by another user")


@pytest.mark.parametrize("cache", [UnusableAfterFetch(), UnusableAtOnce()], ids=["after-fetch", "before-fetch"])
def test_one_lookup_never_calls_assume_role_twice(monkeypatch, cache):
    calls = []

    def fake_chain(connection, request, through=None, wait_timeout=None):
        def call():
            calls.append(1)
            return creds(len(calls))

        return through(0, request, call)

    monkeypatch.setattr(_assumed, "assume_chain", fake_chain)
    warnings = []
    request = AssumeRoleRequest(role_arn=ROLE, session_name="s", mfa_serial="arn:aws:iam::111111111111:mfa/me", mfa_token="123456")
    got, fetched = _assumed.fetch_chain(object(), request, cache, warnings.append, keys=["k"])
    assert calls == [1] and got.access_key == "ASIAFAKE00000001" and fetched == [True]
    # Warned only when the cache was given up before any call.
    assert len(warnings) == (1 if isinstance(cache, UnusableAtOnce) else 0)


def test_once_reraises_the_first_error_without_calling_again():
    calls = []

    def failing():
        calls.append(1)
        raise RuntimeError("denied")

    once = _assumed.Once(failing)
    for _attempt in range(2):
        with pytest.raises(RuntimeError):
            once()
    assert calls == [1]


def test_profile_files_hold_no_secret_where_it_could_be_seen_and_are_rewritten_only_on_change(tmp_path):
    import os
    import stat

    cache = cc.CredentialCache(str(tmp_path / "cache"))
    options = {"access_key": "AKIAEXPLICIT00000001", "secret_key": "explicit-secret", "role_arn": ROLE, "mfa": True}
    env = _assumed.write_profile(cache, "ab" * 32, options, "eu-west-1", "http://127.0.0.1:9", None)
    name, config_path, source_path = _assumed.profile_paths(cache, "ab" * 32)
    assert env == {"AWS_CONFIG_FILE": config_path, "AWS_PROFILE": name, "AWS_SDK_LOAD_CONFIG": "1"}
    config = open(config_path, encoding="utf-8").read()
    assert "explicit-secret" not in config and "AKIAEXPLICIT" not in config
    assert f"[profile {name}]" in config and "region = eu-west-1" in config
    # Nor does the source description: a secret is never written to disk (SPEC "Secrets at rest").
    assert "explicit-secret" not in open(source_path, encoding="utf-8").read()
    for path in (config_path, source_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    before = (os.stat(config_path).st_ino, os.stat(source_path).st_ino)
    _assumed.write_profile(cache, "ab" * 32, options, "eu-west-1", "http://127.0.0.1:9", None)
    assert (os.stat(config_path).st_ino, os.stat(source_path).st_ino) == before


def test_descriptor_options_never_keep_the_mfa_code_or_a_token_that_has_a_file():
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter

    adapter = OptionAdapter.from_dict({"mfa_serial_number": "arn:aws:iam::111111111111:mfa/me", "mfa_token": "123456",
                                       "web_identity_token": "eyJtoken", "web_identity_token_file": "/run/token",
                                       "profile": "dev"})
    stored = _assumed.descriptor_options(adapter, ["mfa_serial_number", "mfa_token", "web_identity_token", "web_identity_token_file",
                                                   "profile"], ROLE)
    assert stored == {"mfa_serial_number": "arn:aws:iam::111111111111:mfa/me", "web_identity_token_file": "/run/token",
                      "profile": "dev", "mfa": True, "role_arn": ROLE}


def test_descriptor_options_never_keep_explicit_keys_or_an_inline_token():
    import hashlib

    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter

    given = {"access_key": "AKIAEXPLICIT00000001", "secret_key": "explicit-secret", "session_token": "explicit-token",
             "web_identity_token": " eyJ.inline.token "}
    stored = _assumed.descriptor_options(OptionAdapter.from_dict(given), list(given), ROLE)
    # What identifies the source stays (the key id, which token), never what proves it.
    assert stored == {"access_key": "AKIAEXPLICIT00000001", "explicit_keys": True, "role_arn": ROLE,
                      "web_identity_token_sha256": hashlib.sha256(b"eyJ.inline.token").hexdigest()}


@pytest.mark.parametrize("options", [
    {"access_key": "AKIAEXPLICIT00000001", "secret_key": "explicit-secret", "session_token": "explicit-token"},
    {"web_identity_token": "eyJ.inline.token"},
])
def test_the_credential_process_computes_the_lookup_s_cache_keys_without_the_secret(tmp_path, options):
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection, OptionAdapter, settings_from

    given = OptionAdapter.from_dict(dict(options, role_arn=ROLE, region="us-east-1"))
    request = request_from_options(given)
    connection = AwsConnection(settings_from(given))
    expected = _assumed.step_keys(_assumed.source_of(connection, request), request)

    stored = _assumed.descriptor_options(given, [*options, "region"], ROLE)
    rebuilt = dict(stored)
    _assumed._unstored_source(rebuilt)
    digest = rebuilt.pop("web_identity_token_sha256", None)
    adapter = OptionAdapter.from_dict(rebuilt)
    again = request_from_options(adapter)
    assert _assumed.step_keys(_assumed.source_of(AwsConnection(settings_from(adapter)), again), again, token_digest=digest) == expected


@pytest.mark.parametrize(("via", "extra", "option"), [
    ((), {"external_id": "partner-42"}, "external_id"),
    ((), {"source_identity": "alice"}, "source_identity"),
    (("hop",), {}, "via[0].external_id"),
])
def test_web_identity_step_refuses_what_the_api_cannot_carry(via, extra, option):
    from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
    from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import Hop, check_web_identity_step

    hops = tuple(Hop(role_arn="arn:aws:iam::111111111111:role/Hub", external_id="x-1") for _hop in via)
    request = AssumeRoleRequest(role_arn=ROLE, session_name="s", web_identity_token="eyJ.token.sig", via=hops, **extra)
    with pytest.raises(ValidationFailure) as info:
        check_web_identity_step(request)
    assert info.value.msg.startswith(option) and "eyJ" not in info.value.msg
