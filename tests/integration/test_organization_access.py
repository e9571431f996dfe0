# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role organization_access and its playbooks over the emulator's organization, end to end.

The hosts come from a real inventory file of the crossaccount.aws.organization_accounts plugin, read by
ansible-playbook from an emulator started with 20 generated members (the last one suspended, so the
inventory's default ACTIVE filter leaves 222222222222 plus 19 generated members once the source account
111111111111 is excluded: 20 member accounts).
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from ansible import release as ansible_release
from ansible_runner import REPO_ROOT, inventory_text, run_playbook
from botocore.exceptions import ClientError
from emulator.testing import RunningEmulator
from organization_support import (
    ACCESS_ROLE,
    ASSUME_ROLE_CONSTANT,
    EXAMPLE_INVENTORY,
    FEW,
    LEDGER_FILES,
    MAIN,
    MEMBERS,
    ORG_ID,
    OUTSIDER,
    POLICY,
    POLICY_ARN,
    ROLE,
    SOURCE,
    TEARDOWN,
    VARS,
    aws_calls,
    delete_access_role,
    inventory,
    member_iam,
    per_action,
    play,
    report,
    role_exists,
    succeed,
)


@pytest.fixture
def org(org_emu: RunningEmulator) -> RunningEmulator:
    # The shared 20-member organization of conftest.py (GENERATED must match it), reset before each test.
    return org_emu


def test_example_inventory_selects_every_active_member_but_the_source(org: RunningEmulator) -> None:
    import subprocess
    import sys

    env = dict(org.env, ANSIBLE_COLLECTIONS_PATH=str(REPO_ROOT / "build" / "collections"))
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(EXAMPLE_INVENTORY), "--list"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    hostvars = inventory_text(json.loads(proc.stdout)["_meta"]["hostvars"])
    assert sorted(v["aws_account_id"] for v in hostvars.values()) == sorted(MEMBERS)


# Smoke: the tasks per account differ by core (2.17 has no meta: end_role).
@pytest.mark.smoke
def test_fan_out_on_20_members_twice_second_run_changes_and_writes_nothing(org: RunningEmulator, tmp_path: Path) -> None:
    inv = inventory(tmp_path)
    org.client.clear_calls()
    first = succeed(play(org, tmp_path, MAIN, inv))
    first_calls = aws_calls(org)
    assert sorted(first.recap) == sorted(MEMBERS)
    rows = report(tmp_path)["accounts"]
    assert [r["account_id"] for r in rows] == sorted(MEMBERS)
    assert all(r["status"] == "ok" and r["verified"] and r["error"] == "" for r in rows), rows
    assert all(r["role_arn"] == f"arn:aws:iam::{r['account_id']}:role/{ROLE}" for r in rows)
    assert report(tmp_path)["policy_form"] == "arns"
    # The policy names exactly the 20 roles.
    source_iam = org.aws("iam", "source-admin")
    version = source_iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]["DefaultVersionId"]
    document = source_iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId=version)["PolicyVersion"]["Document"]
    resources = document["Statement"][0]["Resource"]
    assert sorted([resources] if isinstance(resources, str) else resources) == sorted(f"arn:aws:iam::{a}:role/{ROLE}" for a in MEMBERS)
    first_assume = len([c for c in first_calls if c["action"] == "AssumeRole"])
    # One AssumeRole per account through the access role (the lookup's cache) and one probe per account.
    assert first_assume <= 2 * len(MEMBERS) + ASSUME_ROLE_CONSTANT, per_action(first_calls)
    for account in (MEMBERS[0], MEMBERS[-1]):
        trust = member_iam(org, account).get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
        assert "arn:aws:iam::111111111111:root" in json.dumps(trust)
    files = {name: (tmp_path / "report" / name).stat().st_mtime_ns for name in LEDGER_FILES}
    markdown = (tmp_path / "report" / "organization_access_report.md").read_text(encoding="utf-8")
    assert "| account id | account name | joined | batch | role ARN | status | verified | error |" in markdown
    assert markdown.count("| ok | yes |") == len(MEMBERS)
    assert (tmp_path / "report" / "organization_access.retry").read_text(encoding="utf-8") == ""

    # An account that does not fail costs one task (one forked worker) per wave, member_access; on ansible-core 2.17 also
    # the skipped failure task (2.18 ends the role for it on the controller). Only the host that runs the run_once tasks
    # shows more. Four before: ansible-core's argument check, target_role, verify_access, the failure.
    per_host = {host: len(re.findall(rf"^(?:ok|changed|skipping|failed|fatal): \[{re.escape(host)}\]", first.output, re.M))
                for host in first.recap}
    expected = 2 if ansible_release.__version__.startswith("2.17.") else 1
    assert sorted(per_host.values())[:-1] == [expected] * (len(per_host) - 1), per_host

    org.client.clear_calls()
    second = succeed(play(org, tmp_path, MAIN, inv))
    calls = aws_calls(org)
    writes = [f"{c['service']}:{c['action']}" for c in org.client.write_calls()]
    assume = [c for c in calls if c["action"] == "AssumeRole"]
    assert second.changed == 0, second.output[-4000:]
    assert writes == [], f"write calls on a no-op run: {writes}"
    assert len(assume) <= len(MEMBERS) + ASSUME_ROLE_CONSTANT, per_action(calls)
    assert {name: (tmp_path / "report" / name).stat().st_mtime_ns for name in files} == files, "a no-op rerun rewrote the report"
    print(f"first run: {len(first_calls)} API calls, {first_assume} AssumeRole; no-op rerun over {len(MEMBERS)} accounts: "
          f"{len(calls)} API calls ({len(calls) / len(MEMBERS):.1f} per account), {len(assume)} AssumeRole, 0 writes: {per_action(calls)}")


def test_organization_form_reaches_members_but_not_a_same_named_role_outside(org: RunningEmulator, tmp_path: Path) -> None:
    # A report directory the user made keeps its mode; the files in it are private whatever the umask.
    (tmp_path / "report").mkdir()
    os.chmod(tmp_path / "report", 0o750)
    succeed(play(org, tmp_path, MAIN, inventory(tmp_path, FEW), organization_access_policy_form="organization"))
    assert stat.S_IMODE((tmp_path / "report").stat().st_mode) == 0o750
    for name in ("organization_access_report.json", "organization_access_report.md"):
        assert stat.S_IMODE((tmp_path / "report" / name).stat().st_mode) == 0o600, name
    assert report(tmp_path)["policy_form"] == "organization"
    source_iam = org.aws("iam", "source-admin")
    version = source_iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]["DefaultVersionId"]
    document = json.dumps(source_iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId=version)["PolicyVersion"]["Document"])
    assert "aws:ResourceOrgID" in document and ORG_ID in document and f"role/{ROLE}" in document
    # The same role name in an account outside the organization, trusting the source account.
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    org.aws("iam", "third-admin").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))

    user_sts = org.aws("sts", "source-user")
    for account in FEW:
        identity = user_sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="org-test",
                                        ExternalId="crossaccount-org-3c9e")["AssumedRoleUser"]["Arn"]
        assert f":{account}:assumed-role/{ROLE}/" in identity
    with pytest.raises(ClientError) as denied:
        user_sts.assume_role(RoleArn=f"arn:aws:iam::{OUTSIDER}:role/{ROLE}", RoleSessionName="org-test", ExternalId="crossaccount-org-3c9e")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_auto_form_switches_to_the_organization_form_when_the_arns_do_not_fit(org: RunningEmulator, tmp_path: Path) -> None:
    # 20 ARNs with a 300-character path are about 7,000 characters: above one managed policy.
    path = "/" + "p" * 298 + "/"
    inv = inventory(tmp_path)
    org.client.clear_calls()
    refused = play(org, tmp_path, MAIN, inv, organization_access_role_path=path, organization_access_policy_form="arns")
    assert refused.rc != 0
    # The source_policy module's own refusal, naming the role's variable and how many ARNs fit.
    assert "organization_access_policy_form: arns: the source_policy module refuses the role ARNs of the 20 selected accounts" in refused.output
    assert re.search(r"which fits the first \d+ of these ARNs", refused.output), refused.output[-3000:]
    assert aws_calls(org) == [], "AWS was called before the input was refused"

    refused = play(org, tmp_path, MAIN, inv, organization_access_role_path=path, organization_access_organization_id="")
    assert refused.rc != 0
    assert "organization_access_organization_id: is required" in refused.output
    assert aws_calls(org) == []

    succeed(play(org, tmp_path, MAIN, inv, organization_access_role_path=path, organization_access_verify=False))
    assert report(tmp_path)["policy_form"] == "organization"


def test_teardown_leaves_nothing(org: RunningEmulator, tmp_path: Path) -> None:
    inv = inventory(tmp_path, FEW)
    succeed(play(org, tmp_path, MAIN, inv))
    assert all(role_exists(member_iam(org, account)) for account in FEW)

    run = succeed(play(org, tmp_path, TEARDOWN, inv))
    assert run.changed >= len(FEW) + 1, run.output[-3000:]  # every role and the policy
    assert not any(role_exists(member_iam(org, account)) for account in FEW)
    source_iam = org.aws("iam", "source-admin")
    assert POLICY not in [p["PolicyName"] for p in source_iam.list_policies(Scope="Local")["Policies"]]
    assert source_iam.list_attached_user_policies(UserName="emulator-user")["AttachedPolicies"] == []
    rows = report(tmp_path)["accounts"]
    assert [(r["status"], r["role_arn"]) for r in rows] == [("removed", "")] * len(FEW)
    # The access roles themselves are untouched.
    assert all(role_exists(member_iam(org, account), ACCESS_ROLE) for account in FEW)

    org.client.clear_calls()
    again = succeed(play(org, tmp_path, TEARDOWN, inv))
    assert again.changed == 0, again.output[-3000:]
    assert org.client.write_calls() == []


def test_member_without_its_access_role_is_reported_failed_while_the_others_succeed(org: RunningEmulator, tmp_path: Path) -> None:
    broken = FEW[1]
    delete_access_role(org, broken)
    inv = inventory(tmp_path, FEW)

    run = play(org, tmp_path, MAIN, inv)
    assert run.rc != 0, run.output[-3000:]
    assert run.failed_hosts == [broken], run.output[-4000:]
    rows = {r["account_id"]: r for r in report(tmp_path)["accounts"]}
    assert rows[broken]["status"] == "failed" and not rows[broken]["verified"] and rows[broken]["role_arn"] == ""
    assert rows[broken]["error"].startswith("role: sts:AssumeRole failed: AccessDenied"), rows[broken]
    assert all(rows[a]["status"] == "ok" and rows[a]["verified"] for a in FEW if a != broken), rows
    assert re.search(rf"account {broken} \(member-\d+\): role: sts:AssumeRole failed: AccessDenied", run.output), run.output[-3000:]
    assert "| failed | no | role: sts:AssumeRole failed: AccessDenied" in (tmp_path / "report" / "organization_access_report.md").read_text(encoding="utf-8")

    tolerated = play(org, tmp_path, MAIN, inv, organization_access_fail_on_error=False)
    assert tolerated.rc == 0, tolerated.output[-4000:]
    assert tolerated.failed_hosts == []
    assert report(tmp_path)["summary"] == {"accounts": len(FEW), "ok": len(FEW) - 1, "failed": 1, "pending": 0, "blocked": 0, "removed": 0}
    assert (tmp_path / "report" / "organization_access.retry").read_text(encoding="utf-8") == f"{broken}\n"


def test_throttling_during_the_fan_out_converges(org: RunningEmulator, tmp_path: Path) -> None:
    inv = inventory(tmp_path, MEMBERS[:8])
    org.client.configure(throttle_rate=0.3, seed=7)
    try:
        succeed(play(org, tmp_path, MAIN, inv))
        throttled = [c for c in org.client.calls() if c.get("injected")]
    finally:
        org.client.configure(throttle_rate=0.0)
    assert throttled, "the emulator injected no throttling"
    assert all(r["status"] == "ok" and r["verified"] for r in report(tmp_path)["accounts"])
    org.client.clear_calls()
    again = succeed(play(org, tmp_path, MAIN, inv))
    assert again.changed == 0 and org.client.write_calls() == []


def test_a_run_killed_midway_converges_on_the_next_run(org: RunningEmulator, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    inv = inventory(tmp_path, MEMBERS[:8])
    overrides = {"organization_access_report_path": str(tmp_path / "report")}
    env = dict(org.env, ANSIBLE_COLLECTIONS_PATH=str(REPO_ROOT / "build" / "collections"), CROSSACCOUNT_EMULATOR_URL=org.endpoint_url,
               CROSSACCOUNT_AWS_CACHE_DIR=str(tmp_path / "cache"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"))
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inv), "--forks", "4", "-e", f"@{VARS}",
           "-e", json.dumps(overrides), str(MAIN)]
    org.client.clear_calls()
    proc = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # Killed as soon as the first role exists: the other roles, the source policy and the probes are not done.
        deadline = time.monotonic() + 300
        while not org.client.calls(action="CreateRole") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert org.client.calls(action="CreateRole"), "no role was made before the kill"

    succeed(play(org, tmp_path, MAIN, inv))
    assert all(r["status"] == "ok" and r["verified"] for r in report(tmp_path)["accounts"])
    org.client.clear_calls()
    again = succeed(play(org, tmp_path, MAIN, inv))
    assert again.changed == 0 and org.client.write_calls() == []


def _secrets(emu: RunningEmulator, cache_dir: Path) -> list[str]:
    found = re.findall(r"^\s*aws_secret_access_key\s*=\s*(\S+)", Path(emu.credentials_file).read_text(encoding="utf-8"), re.M)
    # Every secret the lookup received from sts:AssumeRole (the cache files hold them).
    for entry in cache_dir.rglob("*"):
        if entry.is_file():
            try:
                data = json.loads(entry.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            text = json.dumps(data)
            found += re.findall(r'"(?:SecretAccessKey|SessionToken|secret_key|session_token)":\s*"([^"]+)"', text)
    return [s for s in found if len(s) >= 16]


def test_secrets_never_appear_at_vvv(org: RunningEmulator, tmp_path: Path) -> None:
    # Two batches (the run's state carried between them) and module processes, whose arguments -vvv prints too.
    run = succeed(play(org, tmp_path, MAIN, inventory(tmp_path, FEW[:2]), verbosity=3, organization_access_batch=1,
                       crossaccount_aws_execution="module"))
    secrets = _secrets(org, tmp_path / "cache")
    # The profiles' secret keys, and a secret key and session token for each member the lookup reached.
    assert len(secrets) >= 4 + 2 * 2, f"only {len(secrets)} secrets found: the lookup cached no session for the members"
    leaked = [s[:6] + "..." for s in secrets if s in run.output]
    assert leaked == [], f"secrets in -vvv output: {leaked}"
    # Control: the run really printed at -vvv (every module execution line), on every ansible-core version.
    assert re.search(r"^<\d{12}> EXEC ", run.output, re.M), run.output[-3000:]


def test_bad_input_is_refused_naming_the_variable_before_any_call(org: RunningEmulator, tmp_path: Path) -> None:
    inv = inventory(tmp_path, FEW)
    cases = {
        "organization_access_role_name": {"organization_access_role_name": "bad name!"},
        "organization_access_source_account_id": {"organization_access_source_account_id": "1234"},
        "organization_access_organization_id": {"organization_access_organization_id": "org-1"},
        "organization_access_policy_form": {"organization_access_policy_form": "everything"},
        "organization_access_management_aws": {"organization_access_management_aws": {"profile": "x", "secret": "y"}},
        "organization_access_account_role_arn": {"organization_access_account_role_arn": "arn:aws:iam::999999999999:role/X"},
        "organization_access_users/groups/roles": {"organization_access_users": ["arn:aws:iam::111111111111:user/x"]},
    }
    for variable, overrides in cases.items():
        org.client.clear_calls()
        run = play(org, tmp_path, MAIN, inv, **overrides)
        assert run.rc != 0, (variable, run.output[-2000:])
        assert variable.split("/", maxsplit=1)[0] in run.output, (variable, run.output[-3000:])
        assert aws_calls(org) == [], (variable, per_action(aws_calls(org)))


def test_check_mode_predicts_and_writes_nothing(org: RunningEmulator, tmp_path: Path) -> None:
    inv = inventory(tmp_path, FEW)
    org.client.clear_calls()
    # Without the source account id the role reads it, once, from the source connection.
    run = succeed(play(org, tmp_path, MAIN, inv, check=True, organization_access_source_account_id=""))
    assert len(org.client.calls(service="sts", action="GetCallerIdentity", account=SOURCE)) >= 1
    assert run.changed >= len(FEW) + 1, run.output[-3000:]
    assert org.client.write_calls() == []
    assert not (tmp_path / "report" / "organization_access_report.json").exists()
    assert not any(role_exists(member_iam(org, account)) for account in FEW)


def test_a_source_policy_that_fails_fails_every_account_and_writes_in_none(org: RunningEmulator, tmp_path: Path) -> None:
    # A user that does not exist: source_policy refuses before its first write, and no account can be reached.
    org.client.clear_calls()
    run = play(org, tmp_path, MAIN, inventory(tmp_path, FEW), organization_access_users=["nobody-here"])
    assert run.rc != 0
    assert run.failed_hosts == sorted(FEW), run.output[-4000:]
    rows = report(tmp_path)["accounts"]
    assert all(r["status"] == "failed" and not r["verified"] and r["error"].startswith("source policy: ") and "nobody-here" in r["error"]
               for r in rows), rows
    # The source policy comes before any write in the accounts: nothing was made there.
    assert org.client.write_calls() == []
    assert all(r["role_arn"] == "" for r in rows) and not any(role_exists(member_iam(org, account)) for account in FEW)
    succeed(play(org, tmp_path, MAIN, inventory(tmp_path, FEW)))
    assert report(tmp_path)["summary"]["ok"] == len(FEW)


@pytest.mark.parametrize("playbook", [MAIN, TEARDOWN], ids=["main", "teardown"])
def test_playbooks_pass_syntax_check(org: RunningEmulator, tmp_path: Path, playbook: Path) -> None:
    result = run_playbook(org, playbook, extra_args=["-i", str(inventory(tmp_path, FEW)), "--syntax-check"])
    assert result.rc == 0, result.stdout + result.stderr
