# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module assume_role against the emulator: parameters allowed and denied, propagation, chaining, bad input."""

from __future__ import annotations

import json

import pytest
from ansible_runner import run_module
from credentials_support import MFA_SERIAL, TARGET, assume_calls, create_role, identity_with, role_arn, trust


@pytest.mark.smoke
def test_assume_role_returns_working_credentials(emu):
    arn = create_role(emu, "Basic")
    result = run_module(emu, "assume_role", {"role_arn": arn, "role_session_name": "deploy-1"}, profile="source-admin")
    assert result["failed"] is False, result
    assert result["changed"] is False
    assert result["account_id"] == TARGET
    assert result["assumed_role"]["arn"] == f"arn:aws:sts::{TARGET}:assumed-role/Basic/deploy-1"
    assert result["assumed_role"]["assumed_role_id"].endswith(":deploy-1")
    creds = result["credentials"]
    assert set(creds) == {"access_key", "secret_key", "session_token", "expiration"}
    assert creds["expiration"].endswith("Z")
    who = identity_with(emu, creds)
    assert who["Account"] == TARGET and who["Arn"] == result["assumed_role"]["arn"]


def test_check_mode_runs_for_real_and_reports_no_change(emu):
    arn = create_role(emu, "Checked")
    result = run_module(emu, "assume_role", {"role_arn": arn}, check=True, profile="source-admin")
    assert result["failed"] is False and result["changed"] is False
    assert result["credentials"]["access_key"].startswith("ASIA")
    assert len(assume_calls(emu)) == 1


def test_default_session_name_is_derived_and_valid(emu):
    arn = create_role(emu, "Named")
    result = run_module(emu, "assume_role", {"role_arn": arn}, profile="source-admin")
    assert result["failed"] is False, result
    session = result["assumed_role"]["arn"].rsplit("/", 1)[1]
    assert session.startswith("ansible-") and 2 <= len(session) <= 64


def test_user_without_identity_policy_is_denied_at_once(emu):
    arn = create_role(emu, "NoPolicy")
    result = run_module(emu, "assume_role", {"role_arn": arn, "wait_timeout": 0}, profile="source-user")
    assert result["failed"] is True
    assert result["msg"].startswith("sts:AssumeRole failed: AccessDenied")
    assert "denied at once" in result["msg"] and "verify_access" in result["msg"]
    assert result["attempts"] == 1
    assert "Traceback" not in result["msg"] and "\n" not in result["msg"]


@pytest.mark.smoke
@pytest.mark.parametrize("given, allowed", [("partner-42", True), ("partner-43", False), (None, False)], ids=["right", "wrong", "missing"])
def test_external_id(emu, given, allowed):
    arn = create_role(emu, "ExtId", trust(condition={"StringEquals": {"sts:ExternalId": "partner-42"}}))
    args = {"role_arn": arn, "wait_timeout": 0}
    if given:
        args["external_id"] = given
    result = run_module(emu, "assume_role", args, profile="source-admin")
    assert result["failed"] is not allowed, result
    if not allowed:
        assert "AccessDenied" in result["msg"]


@pytest.mark.parametrize("mfa, allowed", [(True, True), (False, False)], ids=["with-mfa", "without-mfa"])
def test_mfa(emu, mfa, allowed):
    arn = create_role(emu, "Mfa", trust(condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    args = {"role_arn": arn, "wait_timeout": 0}
    if mfa:
        args.update(mfa_serial_number=MFA_SERIAL, mfa_token="123456")
    result = run_module(emu, "assume_role", args, profile="source-admin")
    assert result["failed"] is not allowed, result
    if allowed:
        # The token is a no_log parameter: masked wherever the result echoes arguments (the invocation on 2.19).
        assert "123456" not in json.dumps(result)


@pytest.mark.parametrize("trusted, allowed", [(True, True), (False, False)], ids=["tag-session-trusted", "not-trusted"])
def test_session_tags(emu, trusted, allowed):
    actions = ("sts:AssumeRole", "sts:TagSession") if trusted else ("sts:AssumeRole",)
    arn = create_role(emu, "Tagged", trust(actions=actions))
    args = {"role_arn": arn, "wait_timeout": 0, "session_tags": {"project": "atlas", "cost": 42}, "transitive_tag_keys": ["project"]}
    result = run_module(emu, "assume_role", args, profile="source-admin")
    assert result["failed"] is not allowed, result
    if not allowed:
        assert "sts:TagSession" in result["msg"]


@pytest.mark.parametrize("trusted, allowed", [(True, True), (False, False)], ids=["set-source-identity-trusted", "not-trusted"])
def test_source_identity(emu, trusted, allowed):
    actions = ("sts:AssumeRole", "sts:SetSourceIdentity") if trusted else ("sts:AssumeRole",)
    arn = create_role(emu, "Sourced", trust(actions=actions))
    result = run_module(emu, "assume_role", {"role_arn": arn, "wait_timeout": 0, "source_identity": "alice"}, profile="source-admin")
    assert result["failed"] is not allowed, result
    if not allowed:
        assert "sts:SetSourceIdentity" in result["msg"]


def test_chaining_within_one_hour_allowed_and_beyond_refused_before_the_call(emu):
    first = create_role(emu, "Hop1", max_session=43200, clear_log=False)
    second = create_role(emu, "Hop2", trust(principal=f"arn:aws:iam::{TARGET}:role/Hop1"), max_session=43200)
    hop1 = run_module(emu, "assume_role", {"role_arn": first, "duration_seconds": 7200}, profile="source-admin")
    # A user may ask for more than an hour: the cap applies only to chained sessions.
    assert hop1["failed"] is False, hop1
    creds = hop1["credentials"]
    chained = {"access_key": creds["access_key"], "secret_key": creds["secret_key"], "session_token": creds["session_token"],
               "endpoint_url": emu.endpoint_url, "region": "us-east-1"}
    emu.client.clear_calls()
    refused = run_module(emu, "assume_role", dict(chained, role_arn=second, duration_seconds=3601))
    assert refused["failed"] is True
    assert refused["msg"].startswith("duration_seconds: ")
    assert "role chaining is limited to 3600 seconds" in refused["msg"]
    assert assume_calls(emu) == []
    allowed = run_module(emu, "assume_role", dict(chained, role_arn=second, duration_seconds=3600))
    assert allowed["failed"] is False, allowed
    assert allowed["assumed_role"]["arn"].startswith(f"arn:aws:sts::{TARGET}:assumed-role/Hop2/")


def test_role_created_moments_ago_is_assumed_without_a_pause(emu):
    emu.client.configure(propagation_delay=5)
    arn = create_role(emu, "Fresh")
    result = run_module(emu, "assume_role", {"role_arn": arn}, profile="source-admin")
    assert result["failed"] is False, result
    calls = assume_calls(emu)
    # The backoff rode out the emulator's propagation delay: denied first, then allowed.
    assert calls[0]["error_code"] == "AccessDenied"
    assert calls[-1]["error_code"] in (None, "")
    assert result["account_id"] == TARGET


def test_still_denied_after_waiting_says_so(emu):
    emu.client.configure(propagation_delay=600)
    arn = create_role(emu, "Slow")
    result = run_module(emu, "assume_role", {"role_arn": arn, "wait_timeout": 2}, profile="source-admin")
    assert result["failed"] is True
    assert "still denied after waiting" in result["msg"] and "may still be propagating" in result["msg"]
    assert result["attempts"] == len(assume_calls(emu)) >= 2


def test_other_errors_fail_at_once(emu):
    arn = create_role(emu, "Short", max_session=3600)
    result = run_module(emu, "assume_role", {"role_arn": arn, "duration_seconds": 7200}, profile="source-admin")
    assert result["failed"] is True
    assert result["msg"].startswith("sts:AssumeRole failed: ValidationError: ")
    assert len(assume_calls(emu)) == 1


# One refusal by ansible-core and one by the collection's validators, as real module processes; the whole table is
# tests/unit/plugins/module_utils/test_assume_role.py.
@pytest.mark.parametrize(
    "args, option",
    [
        ({"bogus_option": 1}, "bogus_option"),
        ({"mfa_serial_number": MFA_SERIAL, "mfa_token": "12345"}, "mfa_token"),
    ],
)
def test_bad_input_names_the_option_and_makes_no_call(emu, args, option):
    full = {"role_arn": role_arn("Anything"), "profile": "source-admin"}
    full.update(args)
    emu.client.clear_calls()
    result = run_module(emu, "assume_role", full)
    assert result["failed"] is True
    assert option in result["msg"]
    assert "Traceback" not in result["msg"]
    assert emu.client.calls() == []


def test_missing_role_arn(emu):
    result = run_module(emu, "assume_role", {}, profile="source-admin")
    assert result["failed"] is True and "role_arn" in result["msg"]
    assert emu.client.calls() == []
