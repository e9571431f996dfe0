# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the organization_access tests share: the emulator organization's accounts, an inventory file of the plugin
as a user writes it, a run of a shipped playbook with its recap, the ledger, and reads of member accounts.

The organization is the one of the ``org_emulator`` fixture (tests/integration/conftest.py): 20 generated members,
the last one suspended, so the inventory's default ACTIVE filter leaves 222222222222 plus 19 generated members once
the source account 111111111111 is excluded: 20 member accounts.
"""

from __future__ import annotations

import collections
import json
import re
import typing as t
from pathlib import Path

from ansible_runner import REPO_ROOT, run_playbook
from botocore.exceptions import ClientError
from emulator.testing import RunningEmulator

MAIN = REPO_ROOT / "playbooks" / "organization_access.yml"
TEARDOWN = REPO_ROOT / "playbooks" / "organization_teardown.yml"
VARS = REPO_ROOT / "playbooks" / "vars" / "organization_access.yml"
EXAMPLE_INVENTORY = REPO_ROOT / "playbooks" / "inventory" / "emulator.organization_accounts.yml"
ROLE = "crossaccount-org-auditor"
POLICY = "assume-crossaccount-org-auditor"
POLICY_ARN = f"arn:aws:iam::111111111111:policy/{POLICY}"
ORG_ID = "o-emulator0001"
SOURCE = "111111111111"
OUTSIDER = "333333333333"
ACCESS_ROLE = "OrganizationAccountAccessRole"
GENERATED = 20
# 222222222222 and the 19 ACTIVE generated members (the last generated one is SUSPENDED).
MEMBERS = ["222222222222"] + [f"{200000000000 + i:012d}" for i in range(1, GENERATED)]
# A few members for the tests that are about behaviour rather than scale.
FEW = MEMBERS[1:4]
# Calls besides one AssumeRole per account on a no-op rerun: none are expected, a small slack for the
# source account lookup or a retried call.
ASSUME_ROLE_CONSTANT = 2
LEDGER_FILES = ("organization_access_report.json", "organization_access_report.md", "organization_access.retry")
RECAP_RE = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class Run(t.NamedTuple):
    rc: int
    output: str
    recap: dict[str, dict[str, int]]

    @property
    def changed(self) -> int:
        return sum(host["changed"] for host in self.recap.values())

    @property
    def failed_hosts(self) -> list[str]:
        return sorted(name for name, host in self.recap.items() if host["failed"])


def inventory(tmp_path: Path, accounts: t.Sequence[str] | None = None, **options: t.Any) -> Path:
    """An inventory file of the plugin, as a user writes it (hostnames: id keeps the tests readable)."""
    config: dict[str, t.Any] = {
        "plugin": "crossaccount.aws.organization_accounts",
        "profile": "management-admin",
        "exclude_account_ids": [SOURCE],
        "hostnames": "id",
    }
    if accounts is not None:
        config["include_account_ids"] = list(accounts)
    config.update(options)
    path = tmp_path / "org.organization_accounts.yml"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return path


def play(emu: RunningEmulator, tmp_path: Path, playbook: Path, inventory_file: Path, verbosity: int = 0, check: bool = False,
         forks: int = 20, limit: str | None = None, **overrides: t.Any) -> Run:
    overrides.setdefault("organization_access_report_path", str(tmp_path / "report"))
    overrides.setdefault("organization_access_verify_timeout", 30)
    env = {"CROSSACCOUNT_EMULATOR_URL": emu.endpoint_url, "CROSSACCOUNT_AWS_CACHE_DIR": str(tmp_path / "cache")}
    extra = ["-i", str(inventory_file), "--forks", str(forks), "-e", f"@{VARS}", "-e", json.dumps(overrides)]
    if limit is not None:
        extra += ["--limit", limit]
    result = run_playbook(emu, playbook, verbosity=verbosity, check=check, env=env, extra_args=extra)
    recap = {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)), "failed": int(m.group(5))}
             for m in RECAP_RE.finditer(result.stdout)}
    return Run(result.rc, result.stdout + result.stderr, recap)


def succeed(run: Run) -> Run:
    assert run.rc == 0, run.output[-6000:]
    assert run.recap and not run.failed_hosts, run.output[-4000:]
    return run


def report(tmp_path: Path) -> dict[str, t.Any]:
    return json.loads((tmp_path / "report" / "organization_access_report.json").read_text(encoding="utf-8"))


def member_iam(emu: RunningEmulator, account: str) -> t.Any:
    """IAM of a member account through its access role, as an administrator would read it (no retries)."""
    sts = emu.aws("sts", "management-admin")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ACCESS_ROLE}", RoleSessionName="test-reader")["Credentials"]
    return emu.aws("iam", credentials=creds)


def role_exists(iam: t.Any, name: str = ROLE) -> bool:
    try:
        iam.get_role(RoleName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchEntity":
            return False
        raise
    return True


def per_action(calls: list[dict[str, t.Any]]) -> dict[str, int]:
    return dict(sorted(collections.Counter(f"{c['service']}:{c['action']}" for c in calls).items()))


def aws_calls(emu: RunningEmulator) -> list[dict[str, t.Any]]:
    # The inventory plugin's organizations:* reads are not the role's.
    return [c for c in emu.client.calls() if c["service"] != "organizations"]


def ledger_text(tmp_path: Path, name: str) -> str:
    return (tmp_path / "report" / name).read_text(encoding="utf-8")


def rows_by_account(tmp_path: Path) -> dict[str, dict[str, t.Any]]:
    return {row["account_id"]: row for row in report(tmp_path)["accounts"]}


def policy_document(emu: RunningEmulator) -> dict[str, t.Any]:
    source_iam = emu.aws("iam", "source-admin")
    version = source_iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]["DefaultVersionId"]
    return t.cast(dict[str, t.Any], source_iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId=version)["PolicyVersion"]["Document"])


def policy_resources(emu: RunningEmulator) -> list[str]:
    resources = policy_document(emu)["Statement"][0]["Resource"]
    return sorted([resources] if isinstance(resources, str) else resources)


def delete_access_role(emu: RunningEmulator, account: str) -> None:
    iam = member_iam(emu, account)
    for policy in iam.list_attached_role_policies(RoleName=ACCESS_ROLE)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=ACCESS_ROLE, PolicyArn=policy["PolicyArn"])
    for name in iam.list_role_policies(RoleName=ACCESS_ROLE)["PolicyNames"]:
        iam.delete_role_policy(RoleName=ACCESS_ROLE, PolicyName=name)
    iam.delete_role(RoleName=ACCESS_ROLE)
