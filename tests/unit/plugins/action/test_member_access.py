# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""member_access's pure parts: which options reach the two steps, and what of their results reaches the ledger."""

from __future__ import annotations

from ansible_collections.crossaccount.aws.plugins.action import member_access


def test_an_option_left_empty_or_null_is_not_given_but_false_and_zero_are():
    given = member_access._given({"description": "", "external_id": None, "require_mfa": False, "max_session_duration": 0,
                                  "tags": {}, "managed_policies": [], "name": "auditor"})
    assert given == {"require_mfa": False, "max_session_duration": 0, "tags": {}, "managed_policies": [], "name": "auditor"}


def test_the_registered_outcome_keeps_only_what_the_ledger_reads():
    role = {"changed": True, "role": {"arn": "arn:aws:iam::200000000001:role/auditor", "trust_policy": {"Statement": []}},
            "invocation": {"module_args": {"secret_key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}}, "lint": [], "failed": False}
    assert member_access._outcome(role) == {"changed": True, "failed": False}
    probe = {"verified": True, "identity": {"account": "200000000001"}, "checks": [], "changed": False}
    assert member_access._outcome(probe, member_access.PROBE_KEYS) == {"changed": False, "verified": True}
    assert member_access._outcome(member_access.SKIPPED) == {"skipped": True, "changed": False}
