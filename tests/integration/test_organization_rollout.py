# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rollouts you can steer (SPEC 0.3 "Rollouts over many accounts"), end to end on the emulator's organization.

Real ansible-playbook processes run the shipped playbook over an inventory file of the organization_accounts plugin:
waves and failure tolerance, the ledger with its retry file, --limit reruns, prune and retain, invited accounts
without their access role, the guardrail pre-flight, slices at once, and a sliced AWX job.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from ansible_runner import REPO_ROOT
from emulator.testing import RunningEmulator
from organization_support import (
    LEDGER_FILES,
    MAIN,
    MEMBERS,
    ORG_ID,
    ROLE,
    VARS,
    Run,
    aws_calls,
    delete_access_role,
    inventory,
    ledger_text,
    member_iam,
    play,
    policy_document,
    policy_resources,
    report,
    role_exists,
    rows_by_account,
    succeed,
)

# The inventory (hostnames: id) lists the accounts by id, so the batches take them in that order.
ORDERED = sorted(MEMBERS)
WAVES = [4, "40%", "100%"]  # 4, then 8, then 8 of the 20 accounts
SANDBOX_OU = "ou-emu1-00000005"
TEMPLATE = REPO_ROOT / "roles" / "organization_access" / "files" / "organization-account-access-role.yml"
AWX_SLICE = {"awx_job_id": 41, "awx_job_launch_type": "workflow", "awx_workflow_job_id": 40, "awx_workflow_job_name": "Org rollout",
             "awx_job_template_name": "Org rollout"}


@pytest.fixture
def org(org_emu: RunningEmulator) -> RunningEmulator:
    return org_emu


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE}"


def touched(emu: RunningEmulator, account: str) -> list[str]:
    """Every call made with credentials of ``account`` (the role's tasks there run as its access role)."""
    return [f"{c['service']}:{c['action']}" for c in emu.client.calls(account=account)]


def test_three_waves_stop_at_the_tolerance_and_the_retry_file_finishes_them(org: RunningEmulator, tmp_path: Path) -> None:
    inv = inventory(tmp_path)
    broken = ORDERED[1]
    delete_access_role(org, broken)
    org.client.clear_calls()
    run = play(org, tmp_path, MAIN, inv, organization_access_batch=WAVES, organization_access_max_fail_percentage=10)

    assert run.rc != 0
    # Only the first wave ran: one of its four accounts failed, 25% > 10%, so waves 2 and 3 were never started.
    assert sorted(run.recap) == ORDERED[:4] and run.failed_hosts == [broken], run.output[-4000:]
    rows = rows_by_account(tmp_path)
    assert [a for a in ORDERED if rows[a]["status"] == "ok"] == [a for a in ORDERED[:4] if a != broken]
    assert rows[broken]["status"] == "failed" and rows[broken]["error"].startswith("role: sts:AssumeRole failed: AccessDenied")
    assert "invitation" not in rows[broken]["error"]  # a member the organization created
    assert {a: (rows[a]["status"], rows[a]["batch"]) for a in ORDERED[4:]} == {
        **{a: ("pending", 2) for a in ORDERED[4:12]}, **{a: ("pending", 3) for a in ORDERED[12:]}}
    # Untouched: no call at all with credentials of an account of the later waves, no role there.
    assert {a: touched(org, a) for a in ORDERED[4:] if touched(org, a)} == {}
    assert not role_exists(member_iam(org, ORDERED[-1]))
    # The source policy was written once, in the first wave, for every selected account.
    assert policy_resources(org) == sorted(role_arn(a) for a in ORDERED)
    assert len([c for c in org.client.write_calls() if c["action"] in ("CreatePolicy", "CreatePolicyVersion")]) == 1
    retry = ledger_text(tmp_path, "organization_access.retry").splitlines()
    assert retry == sorted([broken, *ORDERED[4:]])
    assert report(tmp_path)["summary"] == {"accounts": 20, "ok": 3, "failed": 1, "pending": 16, "blocked": 0, "removed": 0}

    org.client.create_access_role(broken)
    org.client.clear_calls()
    again = play(org, tmp_path, MAIN, inv, limit=f"@{tmp_path / 'report' / 'organization_access.retry'}",
                 organization_access_batch=WAVES, organization_access_max_fail_percentage=10)
    succeed(again)
    assert sorted(again.recap) == sorted(retry)
    rows = rows_by_account(tmp_path)
    assert all(rows[a]["status"] == "ok" and rows[a]["verified"] for a in ORDERED), rows
    assert ledger_text(tmp_path, "organization_access.retry") == ""
    # The accounts done in the first run were not touched again, and the policy still names every account.
    assert {a: touched(org, a) for a in ORDERED[:4] if a != broken and touched(org, a)} == {}
    assert policy_resources(org) == sorted(role_arn(a) for a in ORDERED)
    assert [c["action"] for c in org.client.write_calls(account="111111111111")] == []


def test_a_rerun_in_waves_rewrites_nothing_and_a_limit_rerun_keeps_the_other_rows(org: RunningEmulator, tmp_path: Path) -> None:
    accounts = ORDERED[:6]
    inv = inventory(tmp_path, accounts)
    succeed(play(org, tmp_path, MAIN, inv, organization_access_batch=[2, "50%"]))
    files = {name: (tmp_path / "report" / name).stat().st_mtime_ns for name in LEDGER_FILES}
    assert [(r["account_id"], r["batch"]) for r in report(tmp_path)["accounts"]] == list(zip(accounts, [1, 1, 2, 2, 2, 3]))

    org.client.clear_calls()
    rerun = succeed(play(org, tmp_path, MAIN, inv, organization_access_batch=[2, "50%"]))
    assert rerun.changed == 0 and org.client.write_calls() == []
    assert {name: (tmp_path / "report" / name).stat().st_mtime_ns for name in LEDGER_FILES} == files, "a no-op rerun in waves rewrote the ledger"

    # One account again, with another tag: its row is rewritten, the five others stay as they were.
    before = rows_by_account(tmp_path)
    org.client.clear_calls()
    limited = succeed(play(org, tmp_path, MAIN, inv, limit=accounts[2], organization_access_tags={"purpose": "limited-rerun"}))
    assert sorted(limited.recap) == [accounts[2]] and limited.changed >= 1
    after = rows_by_account(tmp_path)
    assert sorted(after) == accounts
    assert {a: after[a] for a in accounts if a != accounts[2]} == {a: before[a] for a in accounts if a != accounts[2]}
    assert after[accounts[2]]["batch"] == 1 and after[accounts[2]]["status"] == "ok"
    # The source policy keeps the accounts outside the limit (the playbook's organization_access_hosts is the selection).
    assert policy_resources(org) == sorted(role_arn(a) for a in accounts)
    assert {c["account"] for c in org.client.write_calls()} == {accounts[2]}


def test_prune_takes_the_role_from_an_account_that_moved_out_and_without_prune_it_is_retained(org: RunningEmulator, tmp_path: Path) -> None:
    # Members 1, 2 and 4 are in Root/Workloads (Prod, Dev, Workloads); member 3 is in the sandbox.
    inv = inventory(tmp_path, ORDERED[:4], ou_paths=["Root/Workloads"])
    moved, stays = ORDERED[0], [ORDERED[1], ORDERED[3]]
    succeed(play(org, tmp_path, MAIN, inv))
    assert sorted(rows_by_account(tmp_path)) == sorted([moved, *stays])

    org.client.move_account(moved, SANDBOX_OU)
    retained = succeed(play(org, tmp_path, MAIN, inv))
    assert sorted(retained.recap) == stays
    document = report(tmp_path)
    assert document["retained"] == [moved]
    assert rows_by_account(tmp_path)[moved]["status"] == "ok"
    assert f"| {moved} |" in ledger_text(tmp_path, "organization_access_report.md") and "| ok (retained) |" in ledger_text(
        tmp_path, "organization_access_report.md")
    # Retained: the role stays, and so does its place in the source policy.
    assert role_exists(member_iam(org, moved))
    assert policy_resources(org) == sorted(role_arn(a) for a in [moved, *stays])

    org.client.clear_calls()
    pruned = succeed(play(org, tmp_path, MAIN, inv, organization_access_prune=True))
    assert pruned.changed >= 2  # the source policy and the role in the account that left
    row = rows_by_account(tmp_path)[moved]
    assert (row["status"], row["role_arn"], row["error"]) == ("removed", "", "")
    assert not role_exists(member_iam(org, moved))
    assert policy_resources(org) == sorted(role_arn(a) for a in stays)
    assert report(tmp_path)["retained"] == []
    assert all(role_exists(member_iam(org, a)) for a in stays)
    # Pruned once: a rerun with prune finds nothing to take away.
    org.client.clear_calls()
    assert succeed(play(org, tmp_path, MAIN, inv, organization_access_prune=True)).changed == 0 and org.client.write_calls() == []


# Smoke, so that every core runs it: on 2.17 a lookup in module_defaults would fail the whole prune loop, not the item.
@pytest.mark.smoke
def test_an_account_that_cannot_be_reached_for_pruning_is_reported_not_fatal(org: RunningEmulator, tmp_path: Path) -> None:
    inv = inventory(tmp_path, ORDERED[:3])
    succeed(play(org, tmp_path, MAIN, inv))
    closed = ORDERED[0]
    org.client.close_account(closed)
    # A later run: the lookup's cache holds no session of the closed account's access role from the first run.
    shutil.rmtree(tmp_path / "cache")
    # A closed account is no longer ACTIVE: the inventory leaves it out, and its access role cannot be assumed.
    run = succeed(play(org, tmp_path, MAIN, inv, organization_access_prune=True))
    assert sorted(run.recap) == ORDERED[1:3]
    row = rows_by_account(tmp_path)[closed]
    assert row["status"] == "ok" and row["error"].startswith("prune: sts:AssumeRole failed: AccessDenied"), row
    assert report(tmp_path)["retained"] == [closed]
    assert policy_resources(org) == sorted(role_arn(a) for a in ORDERED[1:3])


def test_an_invited_account_without_its_access_role_fails_with_the_hint_and_the_template(org: RunningEmulator, tmp_path: Path) -> None:
    invited = "222222222222"  # joined the emulator's organization by invitation
    delete_access_role(org, invited)
    inv = inventory(tmp_path, [invited, ORDERED[0]])
    run = play(org, tmp_path, MAIN, inv)
    assert run.rc != 0 and run.failed_hosts == [invited], run.output[-4000:]
    rows = rows_by_account(tmp_path)
    row = rows[invited]
    assert row["joined_method"] == "INVITED" and rows[ORDERED[0]]["joined_method"] == "CREATED" and rows[ORDERED[0]]["status"] == "ok"
    assert row["status"] == "failed" and row["error"].startswith("role: sts:AssumeRole failed: AccessDenied"), row
    assert "joined the organization by invitation: it has OrganizationAccountAccessRole only if someone created it" in row["error"]
    path = row["error"].split("CloudFormation template ", 1)[1].rstrip(")")
    assert Path(path).resolve() == TEMPLATE.resolve() and TEMPLATE.is_file()
    assert f"account {invited} (target): role: sts:AssumeRole failed: AccessDenied" in run.output
    assert ledger_text(tmp_path, "organization_access.retry") == f"{invited}\n"


def test_a_guardrail_that_denies_the_access_blocks_the_account_before_any_write(org: RunningEmulator, tmp_path: Path) -> None:
    # An RCP on the sandbox OU: no principal of the source account may assume a role there.
    statement = {"Sid": "NoToolsAccount", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalAccount": "111111111111"}}}
    policy_id = org.client.guardrail({"Version": "2012-10-17", "Statement": [statement]}, SANDBOX_OU, policy_type="RESOURCE_CONTROL_POLICY",
                                     name="tools-perimeter")
    sandboxed = ORDERED[2]  # member 3
    inv = inventory(tmp_path, ORDERED[:4])
    org.client.clear_calls()
    run = play(org, tmp_path, MAIN, inv)
    assert run.rc != 0 and run.failed_hosts == [sandboxed], run.output[-4000:]
    row = rows_by_account(tmp_path)[sandboxed]
    assert row["status"] == "blocked" and policy_id in row["error"] and "tools-perimeter" in row["error"] and "NoToolsAccount" in row["error"]
    assert touched(org, sandboxed) == [] and not role_exists(member_iam(org, sandboxed))
    assert all(rows_by_account(tmp_path)[a]["status"] == "ok" for a in ORDERED[:4] if a != sandboxed)
    assert f"account {sandboxed} (member-003): blocked: " in run.output
    # Blocked accounts are not in the retry file: the guardrail has to change first.
    assert ledger_text(tmp_path, "organization_access.retry") == ""


def _start(emu: RunningEmulator, tmp_path: Path, inventory_file: Path, overrides: dict[str, t.Any], log: Path) -> subprocess.Popen[bytes]:
    env = dict(emu.env, ANSIBLE_COLLECTIONS_PATH=str(REPO_ROOT / "build" / "collections"), CROSSACCOUNT_EMULATOR_URL=emu.endpoint_url,
               CROSSACCOUNT_AWS_CACHE_DIR=str(tmp_path / "cache"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
               ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_NOCOLOR="1")
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory_file), "--forks", "10", "-e", f"@{VARS}",
           "-e", json.dumps(overrides), str(MAIN)]
    with log.open("wb") as handle:
        return subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=handle, stderr=subprocess.STDOUT)


def test_two_slices_at_once_converge_into_one_ledger_with_the_organization_form(org: RunningEmulator, tmp_path: Path) -> None:
    accounts = ORDERED[:10]
    halves = [accounts[0::2], accounts[1::2]]
    overrides = {"organization_access_report_path": str(tmp_path / "report"), "organization_access_policy_form": "organization",
                 "organization_access_verify_timeout": 60}
    slices = []
    for index, half in enumerate(halves):
        directory = tmp_path / f"slice{index}"
        directory.mkdir()
        slices.append((inventory(directory, half), tmp_path / f"slice{index}.log"))
    processes = [_start(org, tmp_path, inv, overrides, log) for inv, log in slices]
    codes = [process.wait(timeout=600) for process in processes]
    assert codes == [0, 0], "\n".join(log.read_text(encoding="utf-8")[-4000:] for _inv, log in slices)

    document = report(tmp_path)
    assert [row["account_id"] for row in document["accounts"]] == accounts
    assert all(row["status"] == "ok" and row["verified"] for row in document["accounts"]), document["accounts"]
    assert document["policy_form"] == "organization"
    assert ORG_ID in json.dumps(policy_document(org))
    versions = org.aws("iam", "source-admin").list_policy_versions(PolicyArn=f"arn:aws:iam::111111111111:policy/assume-{ROLE}")["Versions"]
    assert len(versions) == 1, versions  # both slices wrote the same constant-size policy
    assert all(role_exists(member_iam(org, a)) for a in accounts)

    # A slice run again changes nothing and keeps the other slice's rows.
    org.client.clear_calls()
    again = succeed(play(org, tmp_path, MAIN, slices[0][0], organization_access_policy_form="organization"))
    assert again.changed == 0 and org.client.write_calls() == []
    assert [row["account_id"] for row in report(tmp_path)["accounts"]] == accounts


def test_a_sliced_awx_job_refuses_the_per_arn_form_and_prune_before_any_write(org: RunningEmulator, tmp_path: Path) -> None:
    inv = inventory(tmp_path, ORDERED[:2])
    for overrides, variable in (({}, "organization_access_policy_form: arns (the exact role ARNs) cannot be sliced"),
                                ({"organization_access_policy_form": "arns"}, "organization_access_policy_form: arns"),
                                ({"organization_access_policy_form": "organization", "organization_access_prune": True},
                                 "organization_access_prune: cannot be used in a slice")):
        org.client.clear_calls()
        run = play(org, tmp_path, MAIN, inv, **AWX_SLICE, **overrides)
        assert run.rc != 0, run.output[-3000:]
        assert variable in run.output and "sliced job template 'Org rollout'" in run.output, run.output[-3000:]
        assert aws_calls(org) == [], [c["action"] for c in aws_calls(org)]
    assert not (tmp_path / "report").exists()
    # The organization form is fine in a slice; a job of a workflow of one's own is no slice.
    succeed(play(org, tmp_path, MAIN, inv, **AWX_SLICE, organization_access_policy_form="organization"))
    succeed(play(org, tmp_path, MAIN, inv, **{**AWX_SLICE, "awx_workflow_job_name": "Nightly"}))


def test_the_ledger_is_private_and_reports_are_written_per_batch(org: RunningEmulator, tmp_path: Path) -> None:
    run: Run = succeed(play(org, tmp_path, MAIN, inventory(tmp_path, ORDERED[:3]), organization_access_batch=1))
    for name in LEDGER_FILES:
        assert oct(os.stat(tmp_path / "report" / name).st_mode & 0o777) == "0o600", name
    assert oct(os.stat(tmp_path / "report").st_mode & 0o777) == "0o700"
    assert [row["batch"] for row in report(tmp_path)["accounts"]] == [1, 2, 3]
    assert run.output.count("this run so far") == 3
