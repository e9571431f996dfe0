# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fan-out benchmark: role organization_access over N member accounts against a loop of cross_account_access.

For each N (default 10, 50, 100; the loop at 10 and 50 unless ``--loop-sizes`` says more) one emulator with N
ACTIVE generated members (``--member-accounts N+1``: the last generated member is suspended) and, in the same run:

- ``fanout``: ``playbooks/organization_access.yml`` over the ``organization_accounts`` inventory plugin
  (every generated member, ``--forks 20``), then its no-op rerun;
- ``loop``: what a user writes without it: one play on localhost with ``include_role`` of the two-account
  ``crossaccount.aws.cross_account_access`` in a ``loop`` over the same accounts (target connection from the
  ``assumed_credentials`` lookup through each member's access role, one source policy per account).

Both make the same role in every account, trusting the source account, with an external id and
``ReadOnlyAccess``, and prove each account with a real AssumeRole as the source administrator. The emulator
is reset between the two. Reported per N: wall time of each, the ratio loop / fan-out, API calls (all, and
AssumeRole, and writes) of the fan-out's first run and no-op rerun; per variant the marginal cost per account
(least-squares slope of wall time against N). Output: ``bench/results/fanout.json`` and the plot
``bench/results/fanout.png`` (wall time and API calls against N).

    python bench/fanout.py [--sizes 10 50 100] [--loop-sizes 10 50] [--forks 20] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import json
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
# A serial loop over 100 accounts takes longer than the integration tests' playbook timeout.
ansible_runner.PLAYBOOK_TIMEOUT = 4 * 3600

RESULTS = ROOT / "bench" / "results"
SOURCE = "111111111111"
EXTERNAL_ID = "bench-fanout-9d2c"
GOAL_AT_50 = 3.0

LOOP_PLAYBOOK = """
- name: Cross-account access in many accounts, the way a user writes it without organization_access
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Run the two-account role once per account
      ansible.builtin.include_role:
        name: crossaccount.aws.cross_account_access
      loop: "{{ bench_accounts }}"
      loop_control:
        loop_var: bench_account
      vars:
        cross_account_access_source_aws: {profile: source-admin}
        cross_account_access_target_aws: >-
          {{ lookup('crossaccount.aws.assumed_credentials',
                    'arn:aws:iam::' ~ bench_account ~ ':role/OrganizationAccountAccessRole',
                    profile='management-admin', endpoint_url=bench_endpoint_url, wait_timeout=0) }}
        cross_account_access_source_account_id: "111111111111"
        cross_account_access_role_name: bench-loop
        cross_account_access_policy_name: "assume-bench-loop-{{ bench_account }}"
        cross_account_access_external_id: bench-fanout-9d2c
        cross_account_access_managed_policies: [ReadOnlyAccess]
        cross_account_access_verify_aws: {profile: source-admin}
        cross_account_access_verify_timeout: 60
"""


def members(n: int) -> list[str]:
    return [f"{200000000000 + i:012d}" for i in range(1, n + 1)]


def _inventory(tmp: Path, n: int) -> Path:
    path = tmp / "bench.organization_accounts.yml"
    config = {"plugin": "crossaccount.aws.organization_accounts", "profile": "management-admin", "hostnames": "id",
              "exclude_account_ids": [SOURCE, "222222222222"]}
    path.write_text(json.dumps(config) + "\n", encoding="utf-8")
    return path


def _calls(running: RunningEmulator) -> dict[str, t.Any]:
    calls = running.client.calls()
    return {
        "api_calls": len(calls),
        "assume_role_calls": sum(1 for c in calls if c["action"] == "AssumeRole"),
        "write_calls": sum(1 for c in calls if c["write"]),
        "by_action": dict(sorted(Counter(f"{c['service']}:{c['action']}" for c in calls).items())),
    }


def _timed(running: RunningEmulator, what: str, playbook: str | Path, env: dict[str, str], extra: list[str]) -> tuple[float, dict[str, t.Any]]:
    running.client.clear_calls()
    started = time.perf_counter()
    result = run_playbook(running, playbook, env=env, extra_args=extra)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (rc={result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    return elapsed, _calls(running)


def bench_size(n: int, forks: int, latency_ms: int, with_loop: bool) -> dict[str, t.Any]:
    with tempfile.TemporaryDirectory(prefix=f"crossaccount-fanout-{n}-") as tmp_name:
        tmp = Path(tmp_name)
        options = ["--member-accounts", str(n + 1)]
        if latency_ms:
            options += ["--latency-ms", str(latency_ms)]
        started = time.perf_counter()
        running = start_emulator(tmp / "emulator", *options, timeout=300)
        startup = time.perf_counter() - started
        try:
            env = {"CROSSACCOUNT_EMULATOR_URL": running.endpoint_url, "CROSSACCOUNT_AWS_CACHE_DIR": str(tmp / "cache-fanout")}
            overrides = {
                "organization_access_role_name": "bench-fanout",
                "organization_access_external_id": EXTERNAL_ID,
                "organization_access_managed_policies": ["ReadOnlyAccess"],
                "organization_access_users": [],
                "organization_access_verify_aws": {"profile": "source-admin"},
                "organization_access_verify_timeout": 60,
                "organization_access_report_path": str(tmp / "report"),
            }
            extra = ["-i", str(_inventory(tmp, n)), "--forks", str(forks), "-e", f"@{ROOT / 'playbooks' / 'vars' / 'organization_access.yml'}",
                     "-e", json.dumps(overrides)]
            playbook = ROOT / "playbooks" / "organization_access.yml"
            fan_wall, fan_calls = _timed(running, f"fan-out over {n} accounts", playbook, env, extra)
            rows = json.loads((tmp / "report" / "organization_access_report.json").read_text(encoding="utf-8"))
            if rows["summary"]["ok"] != n:
                raise SystemExit(f"fan-out over {n} accounts: {rows['summary']}")
            noop_wall, noop_calls = _timed(running, f"no-op fan-out over {n} accounts", playbook, env, extra)

            loop_wall, loop_calls = float("nan"), {}
            if with_loop:
                running.reset()
                loop_env = {"CROSSACCOUNT_AWS_CACHE_DIR": str(tmp / "cache-loop")}
                loop_extra = ["-e", json.dumps({"bench_accounts": members(n), "bench_endpoint_url": running.endpoint_url})]
                loop_wall, loop_calls = _timed(running, f"loop over {n} accounts", LOOP_PLAYBOOK, loop_env, loop_extra)
        finally:
            running.stop()
    result = {
        "accounts": n,
        "emulator_startup_seconds": round(startup, 2),
        "fanout_seconds": round(fan_wall, 1),
        "fanout_noop_seconds": round(noop_wall, 1),
        "loop_seconds": round(loop_wall, 1) if with_loop else None,
        "loop_over_fanout": round(loop_wall / fan_wall, 2) if with_loop else None,
        "fanout_first_run": {k: v for k, v in fan_calls.items() if k != "by_action"},
        "fanout_noop_run": noop_calls,
        "noop_api_calls_per_account": round(noop_calls["api_calls"] / n, 2),
        "loop_first_run": {k: v for k, v in loop_calls.items() if k != "by_action"} if with_loop else None,
    }
    sys.stdout.write(json.dumps({k: v for k, v in result.items() if k != "fanout_noop_run"}) + "\n")
    sys.stdout.flush()
    return result


def slope(points: list[tuple[float, float | None]]) -> float | None:
    """Least-squares slope: the marginal cost of one more account (None below two points)."""
    points = [(x, y) for x, y in points if y is not None]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _y in points) / len(points)
    mean_y = sum(y for _x, y in points) / len(points)
    return round(sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _y in points), 2)


def plot(sizes: list[dict[str, t.Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [s["accounts"] for s in sizes]
    fig, (wall, calls) = plt.subplots(1, 2, figsize=(11, 4.2))
    looped = [s for s in sizes if s["loop_seconds"] is not None]
    wall.plot([s["accounts"] for s in looped], [s["loop_seconds"] for s in looped], "o-", label="loop of cross_account_access")
    wall.plot(n, [s["fanout_seconds"] for s in sizes], "o-", label="organization_access (first run)")
    wall.plot(n, [s["fanout_noop_seconds"] for s in sizes], "o--", label="organization_access (no-op rerun)")
    wall.set_xlabel("member accounts")
    wall.set_ylabel("wall time (s)")
    wall.set_title("Wall time (--forks 20)")
    wall.legend()
    wall.grid(alpha=0.3)
    calls.plot([s["accounts"] for s in looped], [s["loop_first_run"]["api_calls"] for s in looped], "o-", label="loop, all calls")
    calls.plot(n, [s["fanout_first_run"]["api_calls"] for s in sizes], "o-", label="fan-out first run, all calls")
    calls.plot(n, [s["fanout_noop_run"]["api_calls"] for s in sizes], "o--", label="fan-out no-op rerun, all calls")
    calls.plot(n, [s["fanout_noop_run"]["assume_role_calls"] for s in sizes], "s:", label="fan-out no-op rerun, AssumeRole")
    calls.set_xlabel("member accounts")
    calls.set_ylabel("AWS API calls")
    calls.set_title("API calls")
    calls.legend()
    calls.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--loop-sizes", type=int, nargs="*", default=[10, 50],
                        help="sizes at which the loop baseline runs too (it is serial: 100 accounts take half an hour on a busy machine)")
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=0, help="added delay per AWS call in the emulator (real IAM: 50-150 ms)")
    args = parser.parse_args(argv)
    sizes = [bench_size(n, args.forks, args.latency_ms, n in args.loop_sizes) for n in sorted(args.sizes)]
    report = {
        "forks": args.forks,
        "latency_ms": args.latency_ms,
        "sizes": sizes,
        "marginal_seconds_per_account": {
            "fanout": slope([(s["accounts"], s["fanout_seconds"]) for s in sizes]),
            "fanout_noop": slope([(s["accounts"], s["fanout_noop_seconds"]) for s in sizes]),
            "loop": slope([(s["accounts"], s["loop_seconds"]) for s in sizes]),
        },
        "marginal_noop_api_calls_per_account": slope([(s["accounts"], s["fanout_noop_run"]["api_calls"]) for s in sizes]),
        "marginal_noop_assume_role_calls_per_account": slope([(s["accounts"], s["fanout_noop_run"]["assume_role_calls"]) for s in sizes]),
    }
    at_50 = [s for s in sizes if s["accounts"] == 50 and s["loop_over_fanout"] is not None]
    if at_50:
        report["goal_fanout_3x_faster_at_50"] = {"ratio": at_50[0]["loop_over_fanout"], "met": at_50[0]["loop_over_fanout"] >= GOAL_AT_50}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fanout.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    plot(sizes, RESULTS / "fanout.png")
    summary = {k: v for k, v in report.items() if k != "sizes"}
    sys.stdout.write(json.dumps(summary, indent=2, sort_keys=True) + f"\nplot: {RESULTS / 'fanout.png'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
