# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One validation layer: the same option accepts the same values everywhere.

For every (option, value) of the table, each place that takes the option -- every module that has it and the
assumed_credentials lookup -- says "accepted" or "refused", and all places must agree with the expected verdict.
"Refused" means the run failed naming the option before any AWS call; "accepted" means the value got past
validation. The lookup runs in a playbook against the emulator (one run for the whole table); a module's verdict is
what its ARGSPEC (in ansible-core's own validator) and its handle() decide before asking for the AWS connection, in
this process (tests/unit/offline_module.py): the verdict is all this test compares, and the module processes
themselves are run by the modules' own integration tests. A place that accepts what another refuses fails the test,
naming both.
"""

from __future__ import annotations

import json
import textwrap
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest
from ansible_runner import run_playbook

from ansible_collections.crossaccount.aws.tests.unit.offline_module import outcome  # isort: skip

SOURCE = "111111111111"
TARGET = "222222222222"
ROLE = f"arn:aws:iam::{TARGET}:role/Consistency"
MFA = f"arn:aws:iam::{SOURCE}:mfa/alice"
LOOKUP = "crossaccount.aws.assumed_credentials"
ENDPOINT = "{endpoint}"  # replaced by the emulator's URL


@dataclass(frozen=True)
class Place:
    name: str  # module name, or "lookup"
    build: t.Callable[[t.Any], dict[str, t.Any]]  # value -> module arguments (or lookup options, with "_terms")
    label: str  # the option name the refusal must start with
    profile: str | None = "source-admin"


def _assume(**extra: t.Any) -> dict[str, t.Any]:
    return {"role_arn": ROLE, "wait_timeout": 0, **extra}


def _profile(**extra: t.Any) -> dict[str, t.Any]:
    return {"name": "consistency", "kind": "role", "role_arn": ROLE, "source_profile": "source-admin", **extra}


def _sts_places(option: str, extra: t.Callable[[t.Any], dict[str, t.Any]] | None = None) -> list[Place]:
    def args(value: t.Any) -> dict[str, t.Any]:
        return {option: value, **(extra(value) if extra else {})}

    return [
        Place("assume_role", lambda value: _assume(**args(value)), option),
        Place("verify_access", lambda value: _assume(**args(value)), option),
        Place("lookup", lambda value: {"_terms": [ROLE], "wait_timeout": 0, **args(value)}, option),
    ]


PLACES: dict[str, list[Place]] = {
    "external_id": [
        *_sts_places("external_id"),
        Place("target_role", lambda value: {"name": "consistency", "trusted_account_ids": [SOURCE], "external_id": value}, "external_id",
              "target-admin"),
        Place("trust_policy", lambda value: {"role_name": "consistency", "trusted_account_ids": [SOURCE], "external_id": value},
              "external_id", "target-admin"),
        Place("aws_profile", lambda value: _profile(external_id=value), "external_id", None),
    ],
    "role_session_name": [
        *_sts_places("role_session_name"),
        Place("assume_role", lambda value: _assume(via=[{"role_arn": ROLE, "role_session_name": value}]), "via[0].role_session_name"),
        Place("aws_profile", lambda value: _profile(role_session_name=value), "role_session_name", None),
    ],
    "duration_seconds": [
        *_sts_places("duration_seconds"),
        Place("assume_role", lambda value: _assume(via=[{"role_arn": ROLE, "duration_seconds": value}]), "via[0].duration_seconds"),
        Place("aws_profile", lambda value: _profile(duration_seconds=value), "duration_seconds", None),
    ],
    "mfa_serial_number": [
        *_sts_places("mfa_serial_number", lambda value: {"mfa_token": "123456"}),
        Place("aws_profile", lambda value: _profile(mfa_serial=value), "mfa_serial", None),
    ],
    "session_tags": _sts_places("session_tags"),
    "role_arn": [
        Place("assume_role", lambda value: {"role_arn": value, "wait_timeout": 0}, "role_arn"),
        Place("verify_access", lambda value: {"role_arn": value, "wait_timeout": 0}, "role_arn"),
        Place("lookup", lambda value: {"_terms": [value], "wait_timeout": 0}, "role_arn"),
        Place("assume_role", lambda value: _assume(via=[value]), "via[0].role_arn"),
        Place("lookup", lambda value: {"_terms": [ROLE], "wait_timeout": 0, "via": [{"role_arn": value}]}, "via[0].role_arn"),
        Place("source_policy", lambda value: {"name": "consistency", "target_role_arns": [value]}, "target_role_arns[0]"),
        Place("aws_profile", lambda value: _profile(role_arn=value), "role_arn", None),
    ],
    "endpoint_url": [
        Place("assume_role", lambda value: _assume(endpoint_url=value), "endpoint_url"),
        Place("verify_access", lambda value: {"wait_timeout": 0, "endpoint_url": value}, "endpoint_url"),
        Place("verify_access", lambda value: {"wait_timeout": 0, "target_aws": {"profile": "target-admin", "endpoint_url": value}},
              "target_aws.endpoint_url"),
        Place("lookup", lambda value: {"_terms": [ROLE], "wait_timeout": 0, "endpoint_url": value}, "endpoint_url"),
        Place("target_role", lambda value: {"name": "consistency", "trusted_account_ids": [SOURCE], "endpoint_url": value}, "endpoint_url",
              "target-admin"),
        Place("trust_policy", lambda value: {"role_name": "consistency", "trusted_account_ids": [SOURCE], "endpoint_url": value},
              "endpoint_url", "target-admin"),
        Place("source_policy", lambda value: {"name": "consistency", "target_role_arns": [ROLE], "endpoint_url": value}, "endpoint_url"),
        Place("aws_profile", lambda value: _profile(endpoint_url=value), "endpoint_url", None),
    ],
    "account_id": [
        Place("target_role", lambda value: {"name": "consistency", "trusted_account_ids": [value]}, "trusted_account_ids[0]", "target-admin"),
        Place("trust_policy", lambda value: {"role_name": "consistency", "trusted_account_ids": [value]}, "trusted_account_ids[0]",
              "target-admin"),
        Place("verify_access", lambda value: {"expected_account_id": value, "wait_timeout": 0}, "expected_account_id"),
    ],
}

# (option, value, accepted?)
TABLE: list[tuple[str, t.Any, bool]] = [
    ("external_id", "ab", True), ("external_id", "a+=,.@:/-_b", True), ("external_id", "x" * 1224, True),
    ("external_id", "x", False), ("external_id", "has space", False), ("external_id", "y" * 1225, False),
    ("external_id", "\u00fc-umlaut", False),
    ("role_session_name", "ab", True), ("role_session_name", "a+=,.@_-b", True), ("role_session_name", "a", False),
    ("role_session_name", "has space", False), ("role_session_name", "x" * 65, False), ("role_session_name", "semi;colon", False),
    ("duration_seconds", 900, True), ("duration_seconds", "3600", True), ("duration_seconds", 43200, True),
    ("duration_seconds", 899, False), ("duration_seconds", 43201, False), ("duration_seconds", "an hour", False),
    ("mfa_serial_number", MFA, True), ("mfa_serial_number", "GAHT12345678", True),
    ("mfa_serial_number", f"arn:aws:iam::{SOURCE}:u2f/user/alice/key", False), ("mfa_serial_number", "short", False),
    ("mfa_serial_number", f"arn:aws:iam::{SOURCE}:user/alice", False),
    ("session_tags", {"team": "blue", "n": 1}, True), ("session_tags", {"aws:x": "1"}, False), ("session_tags", {"k": "semi;colon"}, False),
    ("session_tags", {"Team": "a", "team": "b"}, False),
    ("role_arn", ROLE, True), ("role_arn", f"arn:aws-us-gov:iam::{TARGET}:role/path/Gov", True),
    ("role_arn", f"arn:aws:iam::{TARGET}:role", False), ("role_arn", f"arn:aws:iam::{TARGET}:role//Double", False),
    ("role_arn", f"arn:aws:iam::{'2' * 11}:role/Short", False), ("role_arn", f"arn:aws:iam::{TARGET}:user/NotARole", False),
    ("role_arn", f"arn:aws:iam::{TARGET}:role/bad name", False),
    ("endpoint_url", ENDPOINT, True), ("endpoint_url", "http://a b", False), ("endpoint_url", "http://127.0.0.1:99999", False),
    ("endpoint_url", "ftp://host", False), ("endpoint_url", "127.0.0.1:5000", False),
    ("account_id", SOURCE, True), ("account_id", "11111111111", False), ("account_id", "1111-1111-111", False),
    ("account_id", "\u0661" * 12, False),
]
CASES = [pytest.param(option, value, accepted, id=f"{option}-{index}") for index, (option, value, accepted) in enumerate(TABLE)]


def _value(value: t.Any, emu: t.Any) -> t.Any:
    return emu.endpoint_url if value == ENDPOINT else value


def _names(message: str, label: str) -> bool:
    # Our validators start with the option name; ansible-core's type checks quote it ("argument 'duration_seconds' ...").
    return label in message and not message.startswith(("sts:", "iam:"))


@pytest.fixture(scope="module")
def lookup_verdicts(emulator: t.Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every lookup case of the table in one playbook: {case id: the lookup's error message, or "" when it returned}."""
    emulator.reset()
    tmp = tmp_path_factory.mktemp("lookup")
    tasks = []
    ids = []
    for index, (option, value, _accepted) in enumerate(TABLE):
        for place_index, place in enumerate(PLACES[option]):
            if place.name != "lookup":
                continue
            case_id = f"c{index}_{place_index}"
            ids.append(case_id)
            options = place.build(_value(value, emulator))
            terms = options.pop("_terms")
            options.update(profile="source-admin", cache=False)
            tasks.append(textwrap.dedent(f"""
                - name: {case_id}
                  ansible.builtin.set_fact:
                    probe: "{{{{ lookup('{LOOKUP}', *terms, **options) | length }}}}"
                  vars:
                    terms: !unsafe {json.dumps(terms)}
                    options: !unsafe {json.dumps(options)}
                  register: {case_id}
                  ignore_errors: true
                """))
    out = tmp / "verdicts.json"
    content = ", ".join(f"'{case_id}': {case_id}.msg | default('')" for case_id in ids)
    play = f"""
- hosts: localhost
  gather_facts: false
  tasks:
{textwrap.indent(''.join(tasks), '    ')}
    - name: Write the messages
      ansible.builtin.copy:
        content: "{{{{ {{{content}}} | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""
    proc = run_playbook(emulator, play)
    assert proc.rc == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return t.cast(dict[str, str], json.loads(out.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("option", "value", "accepted"), CASES)
def test_same_option_same_verdict_everywhere(emu: t.Any, tmp_path: Path, lookup_verdicts: dict[str, str], option: str, value: t.Any,
                                             accepted: bool) -> None:
    index = next(i for i, row in enumerate(TABLE) if row[0] == option and row[1] == value)
    verdicts: dict[str, str] = {}
    for place_index, place in enumerate(PLACES[option]):
        where = f"{place.name}:{place.label}"
        if place.name == "lookup":
            message = lookup_verdicts[f"c{index}_{place_index}"]
            # Ansible wraps a lookup's failure: "Task failed: ... The lookup plugin '...' failed: <the lookup's message>".
            message = message.split(f"{LOOKUP}' failed: ", 1)[-1]
            refused = bool(message) and _names(message, place.label)
        else:
            args = place.build(_value(value, emu))
            if place.profile is not None:
                args["profile"] = place.profile
            if place.name == "aws_profile":
                args.update(config_file=str(tmp_path / "config"), credentials_file=str(tmp_path / "credentials"))
            message = outcome(place.name, args, check_mode=True) or ""
            refused = bool(message) and _names(message, place.label)
            if message and not refused:
                raise AssertionError(f"{where}: failed without naming {place.label}: {message}")
        verdicts[where] = "refused" if refused else "accepted"
    expected = "accepted" if accepted else "refused"
    disagree = {where: verdict for where, verdict in verdicts.items() if verdict != expected}
    assert not disagree, f"{option}={value!r} should be {expected} everywhere; instead: {disagree} (all: {verdicts})"
