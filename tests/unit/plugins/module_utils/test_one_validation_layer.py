# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One validation layer: the STS request, connection options and the roles' filter all go through _validators, so a
value is accepted or refused alike everywhere, a bad value never reaches AWS, and no message carries a secret."""

from __future__ import annotations

import os
import stat

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _connection as c
from ansible_collections.crossaccount.aws.plugins.module_utils import _option_kinds
from ansible_collections.crossaccount.aws.plugins.module_utils import _sts as sts
from ansible_collections.crossaccount.aws.plugins.module_utils import _sts_request as sts_request
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure

ROLE = "arn:aws:iam::222222222222:role/Target"
HUB = "arn:aws:iam::111111111111:role/Hub"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ"


def req(**options):
    options.setdefault("role_arn", ROLE)
    return sts_request.request_from_options(OptionAdapter.from_dict(options))


def refused(option: str, **options) -> ValidationFailure:
    with pytest.raises(ValidationFailure) as info:
        req(**options)
    assert info.value.option == option, info.value.msg
    return info.value


# --- a role ARN is parsed as a role ARN everywhere -----------------------------------------------

@pytest.mark.parametrize("value", [
    "arn:aws:iam::222222222222:role",             # no role name (waited 60 s for a propagation that cannot come)
    "arn:aws:iam::222222222222:role:Target",
    "arn:aws:iam::222222222222:role//Target",
    "arn:aws:iam::222222222222:role/a/../Target",
    "arn:aws:iam:us-east-1:222222222222:role/Target",
    "arn:aws:iam::aws:role/Target",
])
def test_role_arn_without_a_valid_name_or_path_is_refused(value):
    refused("role_arn", role_arn=value)
    refused("via[0].role_arn", via=[value])
    refused("via[0].role_arn", via=[{"role_arn": value}])
    with pytest.raises(ValidationFailure):
        v.role_arns([value], "target_role_arns")


# --- the rules that differed between _sts and _validators ---------------------------------------

def test_session_tag_key_with_aws_prefix_is_refused():
    # _sts passed it to AWS; _validators refused it.
    refused("session_tags", session_tags={"aws:x": "1"})


def test_mfa_serial_rules_are_the_validators_rules():
    # _sts accepted a u2f ARN (which AssumeRole cannot use) and refused nothing the validators refused.
    refused("mfa_serial_number", mfa_serial_number="arn:aws:iam::111111111111:u2f/user/alice/k", mfa_token="123456")
    refused("mfa_serial_number", mfa_serial_number="arn:aws:iam::111111111111:mfa", mfa_token="123456")
    assert req(mfa_serial_number="arn:aws:iam::111111111111:mfa/path/alice", mfa_token="123456").mfa_serial.endswith("/alice")


def test_bad_values_are_echoed_bounded():
    long_name = "x" * 5000 + " "
    err = refused("role_session_name", role_session_name=long_name)
    assert len(err.msg) < 300
    err = refused("external_id", external_id="y" * 3000)
    assert len(err.msg) < 300


@pytest.mark.parametrize("policy_arns, option", [
    (["arn:aws:iam::aws:policy/ReadOnlyAccess", "nope"], "policy_arns[1]"),
    (["arn:aws:iam::222222222222:role/NotAPolicy"], "policy_arns[0]"),
])
def test_policy_arns_name_the_item(policy_arns, option):
    refused(option, policy_arns=policy_arns)


# --- wait_timeout is part of the request ----------------------------------------------------------

def test_wait_timeout_in_request():
    assert req().wait_timeout == sts_request.DEFAULT_WAIT_TIMEOUT
    assert req(wait_timeout=0).wait_timeout == 0
    assert req(wait_timeout="30").wait_timeout == 30
    for bad in (-1, 3601, "soon", True, 1.5):
        refused("wait_timeout", wait_timeout=bad)


def test_assume_role_reads_wait_timeout_from_request():
    from botocore.exceptions import ClientError

    class Client:
        calls = 0

        def assume_role(self, **kwargs):
            Client.calls += 1
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")

    class Conn:
        sts = Client()

    sleeps: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(Exception) as info:
        sts.assume_role(Conn(), req(wait_timeout=5), sleep=sleep, clock=lambda: now[0])
    assert "still denied after waiting 5 s" in str(info.value)
    assert now[0] == 5


# --- via --------------------------------------------------------------------------------------------

def test_via_hops_are_built():
    request = req(via=[HUB, {"role_arn": "arn:aws:iam::333333333333:role/Mid", "external_id": "ext-1", "role_session_name": "hop",
                             "duration_seconds": "900"}])
    assert request.via == (sts_request.Hop(role_arn=HUB), sts_request.Hop("arn:aws:iam::333333333333:role/Mid", "ext-1", "hop", 900))
    assert req().via == ()


@pytest.mark.parametrize("via, option", [
    ("not-a-list", "via"),
    ([5], "via[0]"),
    ([{"external_id": "ext-1"}], "via[0].role_arn"),
    ([{"role_arn": HUB, "secret_access_key": "AKIAsecretvalue0000000"}], "via[0].secret_access_key"),
    ([HUB, {"role_arn": HUB, "external_id": "x"}], "via[1].external_id"),
    ([HUB, {"role_arn": HUB, "role_session_name": "bad name"}], "via[1].role_session_name"),
    ([{"role_arn": HUB, "duration_seconds": 60}], "via[0].duration_seconds"),
])
def test_bad_via_names_the_hop(via, option):
    err = refused(option, via=via)
    assert "AKIAsecretvalue" not in err.msg


def test_chaining_cap_before_any_call():
    # The first hop is assumed with the source credentials: up to 12 h is fine (if the role allows it).
    assert req(via=[{"role_arn": HUB, "duration_seconds": 43200}]).via[0].duration_seconds == 43200
    err = refused("via[1].duration_seconds", via=[HUB, {"role_arn": HUB, "duration_seconds": 7200}])
    assert "role chaining is limited to 3600 seconds" in err.msg
    refused("duration_seconds", via=[HUB], duration_seconds=3601)
    assert req(via=[HUB], duration_seconds=3600).duration_seconds == 3600
    # Without via, only an assumed-role caller is capped (checked against the caller, as before).
    assert req(duration_seconds=43200).duration_seconds == 43200


def test_chaining_cap_against_an_assumed_role_caller_names_the_first_hop():
    session = "arn:aws:sts::111111111111:assumed-role/Admin/s"
    with pytest.raises(ValidationFailure) as info:
        sts_request.check_chaining(req(via=[{"role_arn": HUB, "duration_seconds": 7200}]), session)
    assert info.value.option == "via[0].duration_seconds"
    # A web identity token is no assumed-role session.
    assert not sts_request.chaining_cap_applies(req(duration_seconds=7200, web_identity_token=TOKEN))


# --- web identity -------------------------------------------------------------------------------------

def test_web_identity_token_never_echoed():
    request = req(web_identity_token=TOKEN)
    assert request.web_identity_token == TOKEN and TOKEN not in repr(request)
    assert TOKEN not in str(request.cache_fields())
    for bad in (TOKEN + " x", "abc", "é" * 10):
        err = refused("web_identity_token", web_identity_token=bad)
        assert bad not in err.msg and TOKEN not in err.msg


def test_token_and_token_file_are_mutually_exclusive(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN)
    refused("web_identity_token", web_identity_token=TOKEN, web_identity_token_file=str(path))


def test_token_file_is_read(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    request = req(web_identity_token_file=str(path))
    assert request.web_identity_token == TOKEN and request.web_identity_token_file == str(path)


def test_token_file_must_be_a_readable_regular_file(tmp_path):
    refused("web_identity_token_file", web_identity_token_file=str(tmp_path / "missing"))
    refused("web_identity_token_file", web_identity_token_file=str(tmp_path))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # Opening a FIFO would block forever: refused from its stat alone.
    refused("web_identity_token_file", web_identity_token_file=str(fifo))
    bad = tmp_path / "bad"
    bad.write_text("secret with spaces inside it")
    err = refused("web_identity_token_file", web_identity_token_file=str(bad))
    assert "secret with spaces" not in err.msg
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.write_text(TOKEN)
        locked.chmod(0)
        err = refused("web_identity_token_file", web_identity_token_file=str(locked))
        assert "cannot be read" in err.msg
        locked.chmod(stat.S_IRUSR)


def test_mfa_with_web_identity_is_refused():
    refused("web_identity_token", web_identity_token=TOKEN, mfa_serial_number="arn:aws:iam::111111111111:mfa/a", mfa_token="123456")


# --- endpoint URLs ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://a b", "http://", "https://:443", "http://host:0", "http://host:65536", "http://host:port", "http://[::1",
    "http://ho st.example", "http://host\n", "ftp://host", "127.0.0.1:5000", "http://-bad-.example", "http://host/?x=1",
    "http://host/#frag", "http://h\u00f6st.example",
])
def test_bad_endpoint_urls_name_the_option(url):
    with pytest.raises(ValidationFailure) as info:
        c.settings_from(OptionAdapter.from_dict({"endpoint_url": url}))
    assert info.value.option == "endpoint_url"
    with pytest.raises(ValidationFailure) as info:
        c.settings_from(OptionAdapter.from_dict({"endpoint_url": url}), "target_aws.")
    assert info.value.option == "target_aws.endpoint_url"


def test_endpoint_url_with_credentials_is_refused_without_echo():
    with pytest.raises(ValidationFailure) as info:
        v_session.endpoint_url("https://user:pa55word@host.example", "endpoint_url")
    assert "pa55word" not in info.value.msg


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "https://sts.us-east-1.amazonaws.com", "http://[::1]:8080/", "http://localhost",
                                 "https://vpce-0123-abcd.sts.us-east-1.vpce.amazonaws.com/path/"])
def test_good_endpoint_urls(url):
    assert v_session.endpoint_url(url, "endpoint_url") == url


# --- the roles' filter: same functions ------------------------------------------------------------

def test_problems_uses_the_same_validators():
    found = _option_kinds.problems({
        "r_role_name": ["role_name", "bad name"],
        "r_account_ids": ["account_ids", ["111111111111", "1234"]],
        "r_external_id": ["external_id", ""],
        "r_aws.endpoint_url": ["endpoint_url", "http://a b"],
        "r_arns": ["role_arns", ["arn:aws:iam::222222222222:role"]],
        "r_ok": ["max_session_duration", 3600],
        "r_unset": ["mfa_serial", None],
    })
    assert [message.split(":", 1)[0] for message in found] == ["r_role_name", "r_account_ids[1]", "r_aws.endpoint_url", "r_arns[0]"]


@pytest.mark.parametrize("checks", [["role_name", "x"], {"a": ["no_such_kind", "x"]}, {"a": "role_name"}])
def test_problems_refuses_a_malformed_call(checks):
    with pytest.raises(ValidationFailure):
        _option_kinds.problems(checks)


# --- an unknown key next to a secret (connection dicts) ------------------------------------------

@pytest.mark.parametrize("data", [
    {"secret_access_key": "tOpSeCrEt-0123456789", "region": "us-east-1"},
    {"access_key": "AKIAEXAMPLE", "secret_key": "tOpSeCrEt-0123456789", "regoin": "tOpSeCrEt-0123456789"},
    {"secret_key": "tOpSeCrEt-0123456789", "session_token": 5},
])
def test_normalize_connection_dict_never_prints_values(data):
    with pytest.raises(ValidationFailure) as info:
        c.normalize_connection_dict(data, "target_aws")
    assert info.value.option.startswith("target_aws.")
    assert "tOpSeCrEt" not in info.value.msg


def test_single_assume_role_refuses_a_chain():
    class Conn:
        sts = None

    for request in (req(via=[HUB]), req(web_identity_token=TOKEN)):
        with pytest.raises(Exception) as info:
            sts.assume_role(Conn(), request)
        assert "assume_chain" in str(info.value)
