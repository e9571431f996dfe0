# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks: our way against a baseline measured in the same run; ratios, not absolute times."""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import time
import typing as t
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "tests", ROOT / "tests" / "integration", ROOT / "build" / "collections"):
    sys.path.insert(0, str(extra))

from ansible_runner import ensure_collection_link, run_playbook
from emulator.testing import start_emulator

ensure_collection_link()

from ansible_collections.crossaccount.aws.plugins.module_utils import _policy, _policy_build

ROLE_ARN = "arn:aws:iam::222222222222:role/EmulatorTargetAdmin"


def _rewritten_like_aws(doc: dict[str, t.Any], variant: int) -> dict[str, t.Any]:
    """The same meaning, written the way IAM hands it back or a human edits it."""
    out = copy.deepcopy(doc)
    stmt = out["Statement"][0]
    principals = stmt["Principal"]["AWS"]
    if variant % 4 == 0:
        stmt["Principal"]["AWS"] = [p.split(":")[4] + "" if p.endswith(":root") else p for p in principals]
    elif variant % 4 == 1:
        stmt["Principal"]["AWS"] = list(reversed(principals))
    elif variant % 4 == 2:
        out["Statement"] = stmt
        stmt["Action"] = stmt["Action"][0] if len(stmt["Action"]) == 1 else stmt["Action"]
    else:
        stmt.setdefault("Condition", {})["Bool"] = {"aws:MultiFactorAuthPresent": True}
        doc["Statement"][0].setdefault("Condition", {})["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    return out


def bench_policy_compare(rounds: int = 2000) -> dict[str, t.Any]:
    pairs = []
    for i in range(rounds):
        accounts = [f"{111111111111 + i + k:012d}" for k in range(3)]
        wanted = _policy_build.build_trust(_policy_build.TrustIntent(account_ids=tuple(accounts), external_id=f"ext-{i}"))
        stored = _rewritten_like_aws(wanted, i)
        pairs.append((wanted, stored))
    started = time.perf_counter()
    naive_false_changes = sum(json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True) for a, b in pairs)
    naive_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ours_false_changes = sum(not _policy.equivalent(a, b) for a, b in pairs)
    ours_seconds = time.perf_counter() - started
    return {
        "documents": rounds,
        "false_changes_baseline": naive_false_changes,
        "false_changes_ours": ours_false_changes,
        "cpu_ratio_ours_vs_baseline": round(ours_seconds / naive_seconds, 1),
        "microseconds_per_compare_ours": round(ours_seconds / rounds * 1e6, 1),
    }


def _lookup_playbook(tasks: int, cache: bool, cache_dir: str) -> str:
    lookup = (f"lookup('crossaccount.aws.assumed_credentials', '{ROLE_ARN}', profile='source-admin', "
              f"cache={cache}, cache_dir='{cache_dir}', role_session_name='bench')")
    return f"""
- name: Lookup benchmark
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Use the credentials
      ansible.builtin.assert:
        that: ({lookup}).access_key | length > 0
        quiet: true
      loop: "{{{{ range({tasks}) | list }}}}"
"""


def _assume_role_calls(running: t.Any) -> int:
    return len(running.client.calls(service="sts", action="AssumeRole"))


def bench_lookup_cache(running: t.Any, tasks: int = 20) -> dict[str, t.Any]:
    results = {}
    for cache in (False, True):
        running.reset()
        with tempfile.TemporaryDirectory() as cache_dir:
            started = time.perf_counter()
            run = run_playbook(running, _lookup_playbook(tasks, cache, cache_dir))
            elapsed = time.perf_counter() - started
        if run.returncode != 0:
            raise SystemExit(f"lookup benchmark failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
        results[cache] = {"seconds": elapsed, "assume_role_calls": _assume_role_calls(running)}
    return {
        "tasks": tasks,
        "assume_role_calls_baseline_no_cache": results[False]["assume_role_calls"],
        "assume_role_calls_ours_cache": results[True]["assume_role_calls"],
        "wall_ratio_cache_vs_no_cache": round(results[True]["seconds"] / results[False]["seconds"], 2),
    }


def bench_noop_run(running: t.Any) -> dict[str, t.Any]:
    running.reset()
    playbook = ROOT / "playbooks" / "cross_account_access.yml"
    bucket = "bench-noop-bucket"
    running.session("target-admin").client("s3").create_bucket(Bucket=bucket)
    timings = []
    calls = []
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"cross_account_access_verify_s3_buckets": [bucket], "cross_account_access_profile_config_file": f"{tmp}/aws-config"}
        extra = ["-e", f"@{ROOT / 'playbooks' / 'vars' / 'demo.yml'}", "-e", json.dumps(overrides)]
        env = {"CROSSACCOUNT_EMULATOR_URL": running.endpoint_url, "CROSSACCOUNT_AWS_CACHE_DIR": f"{tmp}/cache"}
        for _run in range(2):
            running.client.clear_calls()
            started = time.perf_counter()
            run = run_playbook(running, playbook, extra_args=extra, env=env)
            timings.append(time.perf_counter() - started)
            if run.returncode != 0:
                raise SystemExit(f"noop benchmark failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
            calls.append(running.client.calls())
    second = calls[1]
    return {
        "api_calls_first_run": len(calls[0]),
        "api_calls_noop_run": len(second),
        "write_calls_noop_run": sum(1 for c in second if c["write"]),
        "noop_calls_by_action": dict(Counter(f"{c['service']}:{c['action']}" for c in second)),
        "wall_ratio_noop_vs_first": round(timings[1] / timings[0], 2),
    }


def main() -> int:
    report: dict[str, t.Any] = {"policy_compare": bench_policy_compare()}
    with tempfile.TemporaryDirectory(prefix="crossaccount-bench-") as tmp:
        running = start_emulator(tmp)
        try:
            report["lookup_cache"] = bench_lookup_cache(running)
            report["noop_run"] = bench_noop_run(running)
        finally:
            running.stop()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
