# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: cross-account access between two simulated AWS accounts, end to end, on this machine.

1. starts the local two-account emulator (source 111111111111, target 222222222222) and puts a bucket
   with a few objects into the target account;
2. runs playbooks/demo.yml (the main playbook with playbooks/vars/demo.yml): role in the target account,
   policy in the source account, a real AssumeRole probe as the source user, an S3 check, a CLI profile;
3. runs it again: nothing changes and no write call is made;
4. lists the bucket with the real AWS CLI through the profile the play wrote
   (`aws s3 ls s3://BUCKET --recursive --profile crossaccount-demo`, the CLI assuming the role itself);
5. runs playbooks/teardown.yml and checks that nothing is left;
6. stops the emulator and prints a summary (never a secret);
7. then an organization: an emulator organization of 20 member accounts, read by the organization_accounts
   inventory plugin, gets a role in every account in three waves (playbooks/organization_access.yml with
   organization_access_batch [1, "25%", "100%"]) shown by the progress callback; a rerun that changes nothing
   (and its report table); and playbooks/organization_teardown.yml.

Usage: .venv/bin/python scripts/demo.py [--verbose]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from emulator.testing import RunningEmulator, start_emulator

BUCKET = "crossaccount-demo-bucket"
OBJECTS = ("README.txt", "reports/2026-10.csv", "reports/2026-11.csv")
PROFILE = "crossaccount-demo"
ROLE = "crossaccount-demo-reader"
POLICY = "assume-crossaccount-demo-reader"
USER = "emulator-user"
RECAP_RE = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def collection_path() -> Path:
    """build/collections/ansible_collections/crossaccount/aws -> the repository (made here on a fresh clone)."""
    base = ROOT / "build" / "collections"
    link = base / "ansible_collections" / "crossaccount" / "aws"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.join("..", "..", "..", ".."), link)
    return base


def playbook(emu: RunningEmulator, name: str, verbose: bool, *extra: str) -> tuple[int, int, float]:
    """Run one playbook of playbooks/ with the demo's vars; returns (changed, failed, seconds)."""
    ansible_playbook = Path(sys.executable).parent / "ansible-playbook"
    cmd = [str(ansible_playbook), str(ROOT / "playbooks" / name), "-e", f"@{ROOT / 'playbooks' / 'vars' / 'demo.yml'}", *extra]
    env = dict(emu.env)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collection_path()),
        CROSSACCOUNT_EMULATOR_URL=emu.endpoint_url,
        # A cache of its own: cached credentials of an earlier emulator would be worthless here.
        CROSSACCOUNT_AWS_CACHE_DIR=os.path.join(emu.state_dir, "credential-cache"),
        ANSIBLE_LOCAL_TEMP=os.path.join(emu.state_dir, "ansible-tmp"),
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=str(ROOT), capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if verbose or proc.returncode != 0:
        print(proc.stdout[-20000:], proc.stderr[-5000:], sep="\n")
    if proc.returncode != 0:
        raise SystemExit(f"ansible-playbook {name} failed (rc={proc.returncode})")
    recap = RECAP_RE.search(proc.stdout)
    if recap is None:
        raise SystemExit(f"ansible-playbook {name}: no play recap in the output")
    return int(recap.group(2)), int(recap.group(4)), seconds


def call_counts(emu: RunningEmulator) -> tuple[int, int, dict[str, int]]:
    calls = emu.client.calls()
    per_action = collections.Counter(f"{c['service']}:{c['action']}" for c in calls)
    return len(calls), sum(1 for c in calls if c["write"]), dict(sorted(per_action.items()))


def seed_bucket(emu: RunningEmulator) -> None:
    s3 = emu.session("target-admin").client("s3")
    s3.create_bucket(Bucket=BUCKET)
    for key in OBJECTS:
        s3.put_object(Bucket=BUCKET, Key=key, Body=f"demo object {key}\n".encode())


CLI_COMMAND = ("s3", "ls", f"s3://{BUCKET}", "--recursive", "--profile", PROFILE)


def list_with_cli(emu: RunningEmulator, home: str) -> list[str]:
    """The output of the real `aws s3 ls s3://BUCKET --recursive --profile crossaccount-demo` (awscli, tests/requirements.txt)."""
    aws = Path(sys.executable).parent / "aws"
    # A HOME of its own: the CLI caches assumed-role credentials in ~/.aws/cli/cache, and an entry from an
    # earlier emulator would be an unknown key here. The profile itself is in the emulator's AWS_CONFIG_FILE.
    os.makedirs(home, exist_ok=True)
    env = dict(emu.env, HOME=home)
    proc = subprocess.run([str(aws), *CLI_COMMAND], env=env, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"aws {' '.join(CLI_COMMAND)} failed (rc={proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc.stdout.splitlines()


def leftovers(emu: RunningEmulator) -> list[str]:
    found = []
    target_iam = emu.session("target-admin").client("iam")
    if any(r["RoleName"] == ROLE for r in target_iam.list_roles()["Roles"]):
        found.append(f"role {ROLE}")
    source_iam = emu.session("source-admin").client("iam")
    if any(p["PolicyName"] == POLICY for p in source_iam.list_policies(Scope="Local")["Policies"]):
        found.append(f"policy {POLICY}")
    if source_iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]:
        found.append(f"attachments of {USER}")
    if f"[profile {PROFILE}]" in Path(emu.config_file).read_text(encoding="utf-8"):
        found.append(f"profile {PROFILE}")
    return found


ORG_MEMBERS = 20  # generated members; the last one is suspended, 222222222222 joins: 20 ACTIVE accounts besides the source
ORG_ROLE = "crossaccount-org-auditor"
ORG_WAVES = [1, "25%", "100%"]
ORG_RECAP_RE = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def org_playbook(emu: RunningEmulator, tmp: str, name: str, show: bool, *extra: str) -> tuple[int, int, float, str]:
    """Run playbooks/NAME over the emulator's organization with the progress callback; (changed, failed, seconds, output)."""
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(ROOT / "playbooks" / "inventory" / "emulator.organization_accounts.yml"),
           str(ROOT / "playbooks" / name), "--forks", "20", "-e", f"@{ROOT / 'playbooks' / 'vars' / 'organization_access.yml'}",
           "-e", json.dumps({"organization_access_report_path": os.path.join(tmp, "org-report"), "organization_access_batch": ORG_WAVES}),
           *extra]
    env = dict(emu.env)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collection_path()),
        ANSIBLE_STDOUT_CALLBACK="crossaccount.aws.progress",
        CROSSACCOUNT_AWS_PROGRESS_IN_PLACE="false",
        CROSSACCOUNT_EMULATOR_URL=emu.endpoint_url,
        CROSSACCOUNT_AWS_CACHE_DIR=os.path.join(emu.state_dir, "credential-cache"),
        ANSIBLE_LOCAL_TEMP=os.path.join(emu.state_dir, "ansible-tmp"),
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_NOCOLOR="1",
    )
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=str(ROOT), capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    output = proc.stdout
    if show or proc.returncode != 0:
        print(output.rstrip(), proc.stderr[-5000:] if proc.returncode else "", sep="\n", flush=True)
    if proc.returncode != 0:
        raise SystemExit(f"ansible-playbook {name} over the organization failed (rc={proc.returncode})")
    recaps = [tuple(int(value) for value in match.groups()[1:]) for match in ORG_RECAP_RE.finditer(output)]
    return sum(r[1] for r in recaps), sum(r[3] for r in recaps), seconds, output


def organization(tmp: str, verbose: bool) -> tuple[list[str], bool]:
    """The organization part of the demo; returns its summary lines and whether it did what it should."""
    print(f"\nStarting an emulator organization ({ORG_MEMBERS} member accounts) ...", flush=True)
    emu = start_emulator(os.path.join(tmp, "org-emulator"), "--member-accounts", str(ORG_MEMBERS))
    try:
        print(f"Rolling out role {ORG_ROLE} to every member in waves {ORG_WAVES} "
              "(playbooks/organization_access.yml, ANSIBLE_STDOUT_CALLBACK=crossaccount.aws.progress) ...", flush=True)
        changed1, _failed, seconds1, _out = org_playbook(emu, tmp, "organization_access.yml", True)
        ledger = json.loads(Path(tmp, "org-report", "organization_access_report.json").read_text(encoding="utf-8"))
        print("\nRunning it again: nothing may change (the report table comes at the end) ...", flush=True)
        emu.client.clear_calls()
        changed2, _failed, seconds2, _out = org_playbook(emu, tmp, "organization_access.yml", True)
        total2, writes2, _per2 = call_counts(emu)
        print("\nTearing it down (playbooks/organization_teardown.yml) ...", flush=True)
        changed3, _failed, seconds3, _out = org_playbook(emu, tmp, "organization_teardown.yml", verbose)
        after = json.loads(Path(tmp, "org-report", "organization_access_report.json").read_text(encoding="utf-8"))
        left = [account for account in (row["account_id"] for row in ledger["accounts"])
                if any(r["RoleName"] == ORG_ROLE for r in org_member_roles(emu, account))]
    finally:
        emu.stop()
    summary = ledger["summary"]
    ok = summary["ok"] == summary["accounts"] and changed2 == 0 and writes2 == 0 and not left \
        and after["summary"]["removed"] == summary["accounts"]
    lines = [
        "",
        f"crossaccount.aws demo: an organization of {summary['accounts']} member accounts",
        f"  roll-out in waves {ORG_WAVES}   {summary['ok']}/{summary['accounts']} ok, source policy ({ledger['policy_form']} form) "
        f"written once  changed={changed1}  {seconds1:.1f}s",
        f"  rerun (no-op)          changed={changed2}  API calls={total2} (writes {writes2})  {seconds2:.1f}s",
        f"  teardown               changed={changed3}  rows removed: {after['summary']['removed']}  roles left: {len(left)}  {seconds3:.1f}s",
    ]
    return lines, ok


def org_member_roles(emu: RunningEmulator, account: str) -> list[dict[str, t.Any]]:
    sts = emu.session("management-admin").client("sts")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="demo-check")["Credentials"]
    return list(emu.aws("iam", credentials=creds).list_roles()["Roles"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--verbose", action="store_true", help="show the ansible-playbook output")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="crossaccount-demo-") as tmp:
        print("Starting the two-account emulator ...", flush=True)
        emu = start_emulator(os.path.join(tmp, "emulator"))
        try:
            seed_bucket(emu)
            emu.client.clear_calls()
            summary_file = os.path.join(tmp, "summary.json")

            print("Running the main playbook (playbooks/demo.yml -e @playbooks/vars/demo.yml) ...", flush=True)
            changed1, _failed, seconds1 = playbook(emu, "demo.yml", args.verbose, "-e", f"demo_summary_file={summary_file}")
            total1, writes1, _per1 = call_counts(emu)
            summary = json.loads(Path(summary_file).read_text(encoding="utf-8"))

            print("Running it again (nothing may change) ...", flush=True)
            emu.client.clear_calls()
            changed2, _failed, seconds2 = playbook(emu, "cross_account_access.yml", args.verbose)
            total2, writes2, per2 = call_counts(emu)

            emu.client.clear_calls()
            print(f"$ aws {' '.join(CLI_COMMAND)}", flush=True)
            listing = list_with_cli(emu, os.path.join(tmp, "home"))
            print("\n".join(listing), flush=True)

            print("Tearing it down (playbooks/teardown.yml) ...", flush=True)
            changed3, _failed, seconds3 = playbook(emu, "teardown.yml", args.verbose)
            left = leftovers(emu)
        finally:
            emu.stop()

    s3_checks = [c["detail"] for c in summary["checks"] if c["name"].startswith("s3")]
    lines = [
        "",
        "crossaccount.aws demo: cross-account access through sts:AssumeRole",
        f"  source account        {summary['source_account']}  (automation: profile source-admin; principal: user {USER})",
        f"  target account        {summary['target_account']}  (automation: role EmulatorTargetAdmin, via the assumed_credentials lookup)",
        f"  role (target)         {summary['role_arn']}",
        f"  policy (source)       {summary['policy_arn']}  (sts:AssumeRole on that role only, attached to {USER})",
        f"  verified identity     {summary['identity']['arn']}",
        f"                        account {summary['identity']['account']}, verified={summary['verified']}",
        f"  S3 check (probe)      {'; '.join(s3_checks) or 'none'}",
        f"  CLI profile           [profile {PROFILE}]  ->  aws {' '.join(CLI_COMMAND)}  (the real AWS CLI)",
        *[f"                        {line}" for line in listing],
        "",
        f"  run 1 (set up)        changed={changed1}  API calls={total1} (writes {writes1})  {seconds1:.1f}s",
        f"  run 2 (no-op)         changed={changed2}  API calls={total2} (writes {writes2})  {seconds2:.1f}s",
        "                        " + ", ".join(f"{action} {count}" for action, count in per2.items()),
        f"  teardown              changed={changed3}  left behind: {', '.join(left) or 'nothing'}  {seconds3:.1f}s",
        f"  wall time             {time.monotonic() - started:.1f}s (emulator started and stopped)",
    ]
    print("\n".join(lines), flush=True)
    ok = summary["verified"] and changed2 == 0 and writes2 == 0 and not left and bool(listing)
    with tempfile.TemporaryDirectory(prefix="crossaccount-demo-org-") as tmp:
        org_lines, org_ok = organization(tmp, args.verbose)
    print("\n".join(org_lines))
    ok = ok and org_ok
    print(f"\ndemo wall time {time.monotonic() - started:.1f}s")
    if not ok:
        print("demo: FAILED (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
