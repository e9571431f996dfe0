# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rollout benchmark: the cost of organization_access's bookkeeping over N accounts, against a bare play.

For each N (default 100 and 200) one emulator with N ACTIVE generated members, and in the same run, with
``--forks 50`` (modules run in the controller's process):

- ``role``: ``playbooks/organization_access.yml`` (validation, plan, guardrail pre-flight, source policy, ledger,
  per-account role and proof), its no-op rerun, and a no-op rerun in three waves ``[1, "10%", "100%"]``;
- ``bare``: what the role does per account and nothing else - one play with ``target_role`` through the access role
  and ``verify_access`` per host, and the source policy once - its first run and no-op rerun.

The emulator is reset between the two. Reported per N: wall time of each run, the ratio role / bare (the price of
validation, waves, guardrails and the ledger), the tasks each account host ran (from the play recap) and the API
calls. Output: ``bench/results/rollout.json``.

    python bench/rollout.py [--sizes 100 200] [--forks 50]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import typing as t
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "tests", ROOT / "tests" / "integration"):
    sys.path.insert(0, str(extra))

import ansible_runner
from ansible_runner import ensure_collection_link, run_playbook
from emulator.testing import RunningEmulator, start_emulator

ensure_collection_link()
ansible_runner.PLAYBOOK_TIMEOUT = 3600

RESULTS = ROOT / "bench" / "results"
ROLE_NAME = "bench-rollout"
RECAP_RE = re.compile(r"^(\d{12})\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)",
                      re.M)

BARE_PLAYBOOK = """
- name: Per account what organization_access does, and nothing else
  hosts: organization_accounts
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: The source policy, once
      run_once: true
      crossaccount.aws.source_policy:
        profile: source-admin
        name: assume-bench-rollout
        target_organization_id: o-emulator0001
        target_role_name: bench-rollout

    - name: The role in each account
      module_defaults:
        group/crossaccount.aws.aws: >-
          {{ lookup('crossaccount.aws.assumed_credentials', aws_account_access_role_arn, wait_timeout=0,
                    profile='management-admin', endpoint_url=bench_endpoint_url) }}
      crossaccount.aws.target_role:
        name: bench-rollout
        trusted_account_ids: ["111111111111"]
        known_account_ids: ["111111111111"]
        managed_policies: [ReadOnlyAccess]

    - name: The proof
      crossaccount.aws.verify_access:
        profile: source-admin
        role_arn: "arn:aws:iam::{{ aws_account_id }}:role/bench-rollout"
        wait_timeout: 60
        expected_account_id: "{{ aws_account_id }}"
"""


def _inventory(tmp: Path) -> Path:
    path = tmp / "bench.organization_accounts.yml"
    config = {"plugin": "crossaccount.aws.organization_accounts", "profile": "management-admin", "hostnames": "id",
              "exclude_account_ids": ["111111111111", "222222222222"]}
    path.write_text(json.dumps(config) + "\n", encoding="utf-8")
    return path


def _run(running: RunningEmulator, what: str, playbook: str | Path, env: dict[str, str], extra: list[str]) -> dict[str, t.Any]:
    running.client.clear_calls()
    started = time.perf_counter()
    result = run_playbook(running, playbook, env=env, extra_args=extra)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (rc={result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    calls = running.client.calls()
    recaps = [tuple(int(value) for value in match.groups()[1:]) for match in RECAP_RE.finditer(result.stdout)]
    # An account host's tasks: ok (changed included) + failed + skipped + ignored; the fewest over the hosts are those of
    # a host that ran no run_once task.
    tasks = min(ok + failed + skipped + ignored for ok, _changed, _unreachable, failed, skipped, _rescued, ignored in recaps)
    return {
        "seconds": round(elapsed, 1),
        "tasks_per_host": tasks,
        "changed": sum(changed for _ok, changed, *_rest in recaps),
        "api_calls": len(calls),
        "write_calls": sum(1 for c in calls if c["write"]),
        "by_action": dict(sorted(Counter(f"{c['service']}:{c['action']}" for c in calls).items())),
    }


def bench_size(n: int, forks: int) -> dict[str, t.Any]:
    with tempfile.TemporaryDirectory(prefix=f"crossaccount-rollout-{n}-") as tmp_name:
        tmp = Path(tmp_name)
        running = start_emulator(tmp / "emulator", "--member-accounts", str(n + 1), timeout=300)
        try:
            inventory = _inventory(tmp)
            env = {"CROSSACCOUNT_EMULATOR_URL": running.endpoint_url, "CROSSACCOUNT_AWS_CACHE_DIR": str(tmp / "cache-role")}
            overrides = {"organization_access_role_name": ROLE_NAME, "organization_access_managed_policies": ["ReadOnlyAccess"],
                         "organization_access_external_id": "", "organization_access_users": [],
                         "organization_access_verify_aws": {"profile": "source-admin"}, "organization_access_verify_timeout": 60,
                         "organization_access_report_path": str(tmp / "report")}
            extra = ["-i", str(inventory), "--forks", str(forks), "-e", f"@{ROOT / 'playbooks' / 'vars' / 'organization_access.yml'}",
                     "-e", json.dumps(overrides)]
            playbook = ROOT / "playbooks" / "organization_access.yml"
            role = _run(running, f"role over {n}", playbook, env, extra)
            role_noop = _run(running, f"role no-op over {n}", playbook, env, extra)
            waves = _run(running, f"role no-op in waves over {n}", playbook, env,
                         [*extra, "-e", json.dumps({"organization_access_batch": [1, "10%", "100%"]})])
            running.reset()
            bare_env = {"CROSSACCOUNT_AWS_CACHE_DIR": str(tmp / "cache-bare")}
            bare_extra = ["-i", str(inventory), "--forks", str(forks), "-e", json.dumps({"bench_endpoint_url": running.endpoint_url})]
            bare = _run(running, f"bare over {n}", BARE_PLAYBOOK, bare_env, bare_extra)
            bare_noop = _run(running, f"bare no-op over {n}", BARE_PLAYBOOK, bare_env, bare_extra)
        finally:
            running.stop()
    result = {
        "accounts": n,
        "forks": forks,
        "role": role,
        "role_noop": role_noop,
        "role_noop_waves": waves,
        "bare": bare,
        "bare_noop": bare_noop,
        "role_over_bare": round(role["seconds"] / bare["seconds"], 2),
        "role_noop_over_bare_noop": round(role_noop["seconds"] / bare_noop["seconds"], 2),
    }
    sys.stdout.write(json.dumps({key: ({k: v for k, v in value.items() if k != "by_action"} if isinstance(value, dict) else value)
                                 for key, value in result.items()}) + "\n")
    sys.stdout.flush()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200])
    parser.add_argument("--forks", type=int, default=50)
    args = parser.parse_args()
    sizes = [bench_size(n, args.forks) for n in args.sizes]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rollout.json").write_text(json.dumps({"sizes": sizes}, indent=2) + "\n", encoding="utf-8")
    for size in sizes:
        sys.stdout.write(f"{size['accounts']:>4} accounts: role {size['role']['seconds']} s (no-op {size['role_noop']['seconds']} s, "
                         f"no-op in 3 waves {size['role_noop_waves']['seconds']} s), bare {size['bare']['seconds']} s (no-op "
                         f"{size['bare_noop']['seconds']} s): role/bare {size['role_over_bare']}x, no-op {size['role_noop_over_bare_noop']}x; "
                         f"tasks per account host: role {size['role']['tasks_per_host']}, bare {size['bare']['tasks_per_host']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
