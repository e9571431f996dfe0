# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The main playbook, the teardown and the role behind them, end to end against the emulator."""

from __future__ import annotations

import collections
import json
import os
import re
import typing as t
import zlib
from pathlib import Path

import pytest
from ansible_runner import REPO_ROOT, run_playbook

MAIN = REPO_ROOT / "playbooks" / "cross_account_access.yml"
TEARDOWN = REPO_ROOT / "playbooks" / "teardown.yml"
DEMO_VARS = REPO_ROOT / "playbooks" / "vars" / "demo.yml"
ROLE = "crossaccount-demo-reader"
POLICY = "assume-crossaccount-demo-reader"
POLICY_ARN = f"arn:aws:iam::111111111111:policy/{POLICY}"
ROLE_ARN = f"arn:aws:iam::222222222222:role/{ROLE}"
USER = "emulator-user"
PROFILE = "crossaccount-demo"
NOOP_CALL_BUDGET = 10
RECAP_RE = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def _env(emu: t.Any, tmp_path: Path) -> dict[str, str]:
    # The demo vars read the emulator URL; a cache per test, because emu is reset between tests and
    # credentials cached before a reset are unknown to the emulator afterwards.
    return {"CROSSACCOUNT_EMULATOR_URL": emu.endpoint_url, "CROSSACCOUNT_AWS_CACHE_DIR": str(tmp_path / "cache")}


def play(emu: t.Any, tmp_path: Path, playbook: Path, check: bool = False, **extra_vars: t.Any) -> tuple[int, str]:
    """Run a playbook with the demo vars (plus overrides); returns (changed, output). Fails the test on failure."""
    extra_vars.setdefault("cross_account_access_verify_s3_buckets", [bucket_name(tmp_path)])
    result = run_playbook(emu, playbook, check=check, env=_env(emu, tmp_path), extra_args=demo_vars(extra_vars))
    output = result.stdout + result.stderr
    assert result.rc == 0, output[-6000:]
    recap = RECAP_RE.search(result.stdout)
    assert recap is not None, output[-3000:]
    assert recap.group(4) == "0", output[-3000:]
    return int(recap.group(2)), output


def demo_vars(overrides: t.Mapping[str, t.Any]) -> list[str]:
    # The overrides come after the vars file: of two -e options the later one wins.
    return ["-e", f"@{DEMO_VARS}", "-e", json.dumps(dict(overrides))]


def bucket_name(tmp_path: Path) -> str:
    # One bucket name per test: the emulator's reset does not forget bucket names (moto keeps a global
    # name registry), and CreateBucket of a name used before a reset fails with a server error.
    return f"demo-{zlib.crc32(str(tmp_path).encode()):08x}"


def seed_bucket(emu: t.Any, tmp_path: Path) -> str:
    bucket = bucket_name(tmp_path)
    s3 = emu.session("target-admin").client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello\n")
    return bucket


def per_action(calls: list[dict[str, t.Any]]) -> dict[str, int]:
    return dict(sorted(collections.Counter(f"{c['service']}:{c['action']}" for c in calls).items()))


def role_names(emu: t.Any) -> list[str]:
    return [r["RoleName"] for r in emu.session("target-admin").client("iam").list_roles()["Roles"]]


def local_policy_names(emu: t.Any) -> list[str]:
    return [p["PolicyName"] for p in emu.session("source-admin").client("iam").list_policies(Scope="Local")["Policies"]]


def test_setup_state_no_op_rerun_and_teardown_leave_no_trace(emu: t.Any, tmp_path: Path) -> None:
    # One pass over the whole life of the access (each end-to-end path once): set up, rerun, tear down, tear down again.
    bucket = seed_bucket(emu, tmp_path)
    changed, output = play(emu, tmp_path, MAIN)
    assert changed >= 3, output[-3000:]  # role, policy, profile
    assert "verified_as" in output and f"assumed-role/{ROLE}/" in output
    target_iam = emu.session("target-admin").client("iam")
    source_iam = emu.session("source-admin").client("iam")
    role = target_iam.get_role(RoleName=ROLE)["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"]["AWS"] in ("arn:aws:iam::111111111111:root", ["arn:aws:iam::111111111111:root"])
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == "crossaccount-demo-7f3a"
    attached = [p["PolicyArn"] for p in source_iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]]
    assert attached == [POLICY_ARN]
    config = Path(emu.config_file).read_text(encoding="utf-8")
    assert f"[profile {PROFILE}]" in config and f"role_arn = {ROLE_ARN}" in config
    # The written profile works the way the AWS CLI would use it (botocore's own AssumeRole).
    listing = emu.session(PROFILE).client("s3").list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listing["Contents"]] == ["hello.txt"]

    # The second run changes nothing, within the call budget.
    emu.client.clear_calls()
    changed, output = play(emu, tmp_path, MAIN)
    calls = emu.client.calls()
    counts = per_action(calls)
    writes = [f"{c['service']}:{c['action']}" for c in emu.client.write_calls()]
    assert changed == 0, output[-3000:]
    assert writes == [], f"write calls on a no-op run: {writes}"
    assert len(calls) <= NOOP_CALL_BUDGET, f"{len(calls)} API calls on a no-op run (budget {NOOP_CALL_BUDGET}): {counts}"
    # The probe really assumed the role as the source user and listed the bucket with it.
    assert counts.get("sts:AssumeRole") == 1 and counts.get("s3:ListObjectsV2") == 1, counts
    print(f"no-op run: {len(calls)} API calls: {counts}")
    # cross_account_access checked every variable once; the roles it includes do not check them again.
    assert "Validating arguments against arg spec 'main' - Cross-account access" in output
    assert "Validating arguments against arg spec 'main' - The IAM role in the target account" not in output
    assert "Validating arguments against arg spec 'main' - The policy in the source account" not in output
    for role_name in ("target_account", "source_account"):
        assert re.search(rf"TASK \[crossaccount\.aws\.{role_name} : Check the {role_name} variables\][^\n]*\n(skipping|\*+\nskipping)", output), role_name

    changed, output = play(emu, tmp_path, TEARDOWN)
    assert changed == 3, output[-3000:]  # profile, policy, role
    assert ROLE not in role_names(emu)
    assert POLICY not in local_policy_names(emu)
    assert source_iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"] == []
    assert f"[profile {PROFILE}]" not in Path(emu.config_file).read_text(encoding="utf-8")
    # The other profiles of the file survive.
    assert "[profile source-user]" in Path(emu.config_file).read_text(encoding="utf-8")

    emu.client.clear_calls()
    changed, output = play(emu, tmp_path, TEARDOWN)
    assert changed == 0, output[-3000:]
    assert emu.client.write_calls() == []


def test_check_mode_on_a_fresh_account_predicts_and_writes_nothing(emu: t.Any, tmp_path: Path) -> None:
    emu.client.clear_calls()
    changed, output = play(emu, tmp_path, MAIN, check=True)
    assert changed == 3, output[-3000:]
    assert emu.client.write_calls() == []
    assert ROLE_ARN in output  # the predicted ARN
    assert ROLE not in role_names(emu)
    assert f"[profile {PROFILE}]" not in Path(emu.config_file).read_text(encoding="utf-8")


def test_source_account_found_and_inline_policy_with_a_plain_profile(emu: t.Any, tmp_path: Path) -> None:
    # No account id, the target account through the assume-role profile, an inline policy, no S3 check.
    overrides = {
        "cross_account_access_source_account_id": "",
        "cross_account_access_target_aws": {"profile": "target-admin"},
        "cross_account_access_policy_type": "inline",
        "cross_account_access_verify_s3_buckets": [],
        "cross_account_access_profile_name": "",
    }
    emu.client.clear_calls()
    play(emu, tmp_path, MAIN, **overrides)
    source_calls = emu.client.calls(service="sts", action="GetCallerIdentity", account="111111111111")
    assert source_calls, "the source account id was not looked up"
    source_iam = emu.session("source-admin").client("iam")
    assert source_iam.list_user_policies(UserName=USER)["PolicyNames"] == [POLICY]
    assert source_iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"] == []
    trust = emu.session("target-admin").client("iam").get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert "111111111111" in str(trust)

    play(emu, tmp_path, TEARDOWN, **overrides)
    assert source_iam.list_user_policies(UserName=USER)["PolicyNames"] == []
    assert ROLE not in role_names(emu)


def test_probe_says_why_access_is_denied(emu: t.Any, tmp_path: Path) -> None:
    # The source policy goes to nobody, so the probing user has no sts:AssumeRole permission.
    result = run_playbook(
        emu, MAIN, env=_env(emu, tmp_path),
        extra_args=demo_vars({"cross_account_access_users": [], "cross_account_access_verify_timeout": 0,
                              "cross_account_access_verify_s3_buckets": [], "cross_account_access_profile_name": ""}),
    )
    output = result.stdout + result.stderr
    assert result.rc != 0
    assert "Assume the role as the source principal" in output
    assert re.search(r"identity polic", output), output[-4000:]
    # The probe failed before a profile could advertise access that does not work.
    assert f"[profile {PROFILE}]" not in Path(emu.config_file).read_text(encoding="utf-8")


@pytest.mark.parametrize("playbook", [MAIN, TEARDOWN], ids=["main", "teardown"])
def test_playbooks_pass_syntax_check(emu: t.Any, tmp_path: Path, playbook: Path) -> None:
    result = run_playbook(emu, playbook, env=_env(emu, tmp_path), extra_args=["--syntax-check"])
    assert result.rc == 0, result.stdout + result.stderr
    assert os.path.exists(playbook)
