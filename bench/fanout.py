# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fan-out benchmark: organization_access over N member accounts, modules in process against module processes.

``playbooks/organization_access.yml`` over the ``organization_accounts`` inventory plugin (every ACTIVE generated
member of the emulator's organization, ``--forks 50``): a cold run, then its no-op rerun. Each variant is an
execution mode and a latency added to every AWS call (the emulator's ``latency_ms``; real IAM answers in 50-150 ms):

- ``in_process``: ``crossaccount_aws_execution: in_process``, the modules' logic in the controller's workers (after);
- ``module``: ``crossaccount_aws_execution: module``, one module process per task (before);
- ``mitogen``: the ``module`` variant under Mitogen's ``mitogen_linear`` strategy (bench/.venv-mitogen, which
  ``make bench`` builds; skipped with a note when it is missing), what a user would pick today to make module tasks
  cheaper.

One emulator per size (``--member-accounts N+1``: the last generated member is suspended), reset before each variant,
the variants of a size run back to back so that machine load hits them alike. Per run: wall time, API calls from the
emulator's call log (all, AssumeRole, writes, by action), the hosts that ended ``ok`` and the machine's load average.
Per variant: the marginal cost of one more account (least-squares slope of wall time and of API calls against N) and,
where a variant did not run at a size that another did, its wall time there extrapolated along that slope (marked so). Output:
``bench/results/fanout.json`` and ``bench/results/fanout.png`` (wall time against N, one line per variant and phase).

``--run MODE:LATENCY_MS:SIZES`` (repeatable) picks the variants. The default, what ``make bench`` runs (about 25
minutes on a 2-core machine), is

    python bench/fanout.py --run in_process:0:100,200,500 --run in_process:100:200 --run module:0:50,100 --run mitogen:0:50,100

Module processes cost about 1.1 s per account there (0.7 s under Mitogen), so those variants stop at 100 accounts by
default and their 500 is extrapolated along their slope (the output says EXTRAPOLATED). The run recorded in
bench/README.md:

    python bench/fanout.py --run in_process:0:100,200,500 --run in_process:100:500 --run module:0:50,100

``python bench/fanout.py --run in_process:0:10,20`` for a quick look.
"""

from __future__ import annotations

import argparse
import json
import os
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
# Module processes over 500 accounts take longer than the integration tests' playbook timeout.
ansible_runner.PLAYBOOK_TIMEOUT = 3 * 3600

RESULTS = ROOT / "bench" / "results"
PLAYBOOK = ROOT / "playbooks" / "organization_access.yml"
VARS_FILE = ROOT / "playbooks" / "vars" / "organization_access.yml"
SOURCE = "111111111111"
EXTERNAL_ID = "bench-fanout-9d2c"
MODES = ("in_process", "module", "mitogen")
MITOGEN_BIN = ROOT / "bench" / ".venv-mitogen" / "bin"
# About 20 minutes on a busy 2-core machine (module processes cost ~1.5 s per account, so they stop at 100 by default).
DEFAULT_RUNS = ("in_process:0:100,200,500", "in_process:100:200", "module:0:50,100", "mitogen:0:50,100")
TARGET_SIZE = 500
# Issue targets at 500 accounts and 0 ms, in process.
TARGET_COLD_SECONDS = 120.0
TARGET_NOOP_SECONDS = 60.0


class Variant(t.NamedTuple):
    mode: str
    latency_ms: int

    @property
    def name(self) -> str:
        return f"{self.mode}@{self.latency_ms}ms"


def parse_run(text: str) -> tuple[Variant, list[int]]:
    """``MODE:LATENCY_MS:N[,N...]`` -> (variant, sizes)."""
    parts = text.split(":")
    if len(parts) != 3 or parts[0] not in MODES:
        raise argparse.ArgumentTypeError(f"--run {text!r}: expected MODE:LATENCY_MS:SIZES with MODE one of {', '.join(MODES)}")
    try:
        latency = int(parts[1])
        sizes = sorted({int(size) for size in parts[2].split(",") if size})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--run {text!r}: latency and sizes are integers") from exc
    if latency < 0 or not sizes or any(not 1 <= size <= 998 for size in sizes):
        raise argparse.ArgumentTypeError(f"--run {text!r}: latency >= 0 and sizes between 1 and 998")
    return Variant(parts[0], latency), sizes


def _inventory(tmp: Path) -> Path:
    path = tmp / "bench.organization_accounts.yml"
    config = {"plugin": "crossaccount.aws.organization_accounts", "profile": "management-admin", "hostnames": "id",
              "exclude_account_ids": [SOURCE, "222222222222"]}
    path.write_text(json.dumps(config) + "\n", encoding="utf-8")
    return path


def _mitogen() -> tuple[str, dict[str, str]] | None:
    """(ansible-playbook, environment) of the Mitogen variant, or None without bench/.venv-mitogen."""
    strategy = sorted((ROOT / "bench" / ".venv-mitogen" / "lib").glob("python3*/site-packages/ansible_mitogen/plugins/strategy"))
    if not strategy or not (MITOGEN_BIN / "ansible-playbook").exists():
        return None
    return str(MITOGEN_BIN / "ansible-playbook"), {"ANSIBLE_STRATEGY_PLUGINS": str(strategy[0]), "ANSIBLE_STRATEGY": "mitogen_linear"}


def _calls(running: RunningEmulator) -> dict[str, t.Any]:
    calls = running.client.calls()
    return {
        "api_calls": len(calls),
        "assume_role_calls": sum(1 for c in calls if c["action"] == "AssumeRole"),
        "write_calls": sum(1 for c in calls if c["write"]),
        "by_action": dict(sorted(Counter(f"{c['service']}:{c['action']}" for c in calls).items())),
    }


def _run(running: RunningEmulator, what: str, env: dict[str, str], extra: list[str], report: Path, n: int,
         ansible_playbook: str | None = None) -> dict[str, t.Any]:
    running.client.clear_calls()
    started = time.perf_counter()
    result = run_playbook(running, PLAYBOOK, env=env, extra_args=extra, ansible_playbook=ansible_playbook)
    elapsed = time.perf_counter() - started
    # The machine is shared: the 1-minute load average at the end says how far to trust the wall time.
    load = round(os.getloadavg()[0], 1)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (rc={result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    summary = json.loads((report / "organization_access_report.json").read_text(encoding="utf-8"))["summary"]
    if summary.get("ok") != n:
        raise SystemExit(f"{what}: not every account ended ok: {summary}")
    return {"seconds": round(elapsed, 1), "load_average": load, **_calls(running)}


def bench_size(n: int, variants: list[Variant], forks: int) -> dict[str, t.Any]:
    rows: dict[str, t.Any] = {}
    with tempfile.TemporaryDirectory(prefix=f"crossaccount-fanout-{n}-") as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        running = start_emulator(tmp / "emulator", "--member-accounts", str(n + 1), timeout=300)
        startup = time.perf_counter() - started
        try:
            inventory = _inventory(tmp)
            for variant in variants:
                ansible_playbook, strategy_env = None, {}
                if variant.mode == "mitogen":
                    found = _mitogen()
                    if found is None:
                        sys.stdout.write(f"{n:>4} accounts  {variant.name:<16} skipped: no bench/.venv-mitogen (make bench builds it)\n")
                        continue
                    ansible_playbook, strategy_env = found
                running.reset()
                running.client.configure(latency_ms=variant.latency_ms)
                report = tmp / f"report-{variant.name}"
                # A fresh credential cache: the emulator forgot the sessions of the previous variant.
                env = {"CROSSACCOUNT_EMULATOR_URL": running.endpoint_url, "CROSSACCOUNT_AWS_CACHE_DIR": str(tmp / f"cache-{variant.name}"),
                       **strategy_env}
                overrides = {
                    "crossaccount_aws_execution": "module" if variant.mode == "mitogen" else variant.mode,
                    "organization_access_role_name": "bench-fanout",
                    "organization_access_external_id": EXTERNAL_ID,
                    "organization_access_managed_policies": ["ReadOnlyAccess"],
                    "organization_access_users": [],
                    "organization_access_verify_aws": {"profile": "source-admin"},
                    "organization_access_verify_timeout": 60,
                    "organization_access_report_path": str(report),
                }
                extra = ["-i", str(inventory), "--forks", str(forks),
                         "-e", f"@{VARS_FILE}", "-e", json.dumps(overrides)]
                cold = _run(running, f"{variant.name} cold over {n}", env, extra, report, n, ansible_playbook)
                noop = _run(running, f"{variant.name} no-op over {n}", env, extra, report, n, ansible_playbook)
                if noop["write_calls"]:
                    raise SystemExit(f"{variant.name} no-op over {n} made {noop['write_calls']} write calls: {noop['by_action']}")
                rows[variant.name] = {"mode": variant.mode, "latency_ms": variant.latency_ms, "cold": cold, "noop": noop}
                sys.stdout.write(f"{n:>4} accounts  {variant.name:<16} cold {cold['seconds']:>7.1f} s {cold['api_calls']:>6} calls   "
                                 f"no-op {noop['seconds']:>7.1f} s {noop['api_calls']:>6} calls\n")
                sys.stdout.flush()
        finally:
            running.stop()
    return {"accounts": n, "emulator_startup_seconds": round(startup, 2), "variants": rows}


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope: the marginal cost of one more account (None below two sizes)."""
    if len({x for x, _y in points}) < 2:
        return None
    mean_x = sum(x for x, _y in points) / len(points)
    mean_y = sum(y for _x, y in points) / len(points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _y in points)


def _fit(points: list[tuple[float, float]]) -> dict[str, float] | None:
    per_account = slope(points)
    if per_account is None:
        return None
    mean_x = sum(x for x, _y in points) / len(points)
    mean_y = sum(y for _x, y in points) / len(points)
    return {"per_account": round(per_account, 4), "intercept": round(mean_y - per_account * mean_x, 2)}


def summarise(sizes: list[dict[str, t.Any]], variants: list[Variant]) -> dict[str, t.Any]:
    all_sizes = sorted({s["accounts"] for s in sizes} | {TARGET_SIZE})
    result: dict[str, t.Any] = {}
    for variant in variants:
        measured = [(s["accounts"], s["variants"][variant.name]) for s in sizes if variant.name in s["variants"]]
        entry: dict[str, t.Any] = {"mode": variant.mode, "latency_ms": variant.latency_ms, "measured_sizes": [n for n, _row in measured]}
        for phase in ("cold", "noop"):
            wall = _fit([(n, row[phase]["seconds"]) for n, row in measured])
            calls = _fit([(n, row[phase]["api_calls"]) for n, row in measured])
            entry[f"{phase}_seconds_fit"] = wall
            entry[f"{phase}_api_calls_per_account"] = calls["per_account"] if calls else None
            if wall:
                entry[f"{phase}_seconds_extrapolated"] = {
                    str(n): round(wall["intercept"] + wall["per_account"] * n, 1) for n in all_sizes if n not in entry["measured_sizes"]}
        result[variant.name] = entry
    return result


def compare_calls(sizes: list[dict[str, t.Any]]) -> list[str]:
    """Sizes and phases where the two modes made a different number of API calls at the same latency (should be none)."""
    differences = []
    for size in sizes:
        by_latency: dict[int, list[dict[str, t.Any]]] = {}
        for row in size["variants"].values():
            by_latency.setdefault(row["latency_ms"], []).append(row)
        for latency, rows in by_latency.items():
            for phase in ("cold", "noop"):
                counts = {row["mode"]: row[phase]["by_action"] for row in rows}
                if len(counts) > 1 and len({json.dumps(c, sort_keys=True) for c in counts.values()}) > 1:
                    differences.append(f"{size['accounts']} accounts, {latency} ms, {phase}: "
                                       + "; ".join(f"{mode} {sum(c.values())}" for mode, c in counts.items()))
    return differences


def targets(sizes: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    at = [s["variants"].get("in_process@0ms") for s in sizes if s["accounts"] == TARGET_SIZE]
    if not at or at[0] is None:
        return {}
    row = at[0]
    return {
        f"in_process_{TARGET_SIZE}_cold_seconds": {"value": row["cold"]["seconds"], "target": TARGET_COLD_SECONDS,
                                                   "met": row["cold"]["seconds"] <= TARGET_COLD_SECONDS},
        f"in_process_{TARGET_SIZE}_noop_seconds": {"value": row["noop"]["seconds"], "target": TARGET_NOOP_SECONDS,
                                                   "met": row["noop"]["seconds"] <= TARGET_NOOP_SECONDS},
    }


def plot(sizes: list[dict[str, t.Any]], summary: dict[str, t.Any], forks: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(8.5, 5))
    for name, entry in summary.items():
        for phase, style in (("cold", "o-"), ("noop", "s--")):
            points = [(s["accounts"], s["variants"][name][phase]["seconds"]) for s in sizes if name in s["variants"]]
            if not points:
                continue
            line, = axis.plot([n for n, _y in points], [y for _n, y in points], style, label=f"{name} {'no-op' if phase == 'noop' else phase}")
            fit = entry.get(f"{phase}_seconds_fit")
            extrapolated = entry.get(f"{phase}_seconds_extrapolated") or {}
            if fit and extrapolated:
                last = points[-1]
                further = sorted((int(n), y) for n, y in extrapolated.items() if int(n) > last[0])
                if further:
                    axis.plot([last[0], *[n for n, _y in further]], [last[1], *[y for _n, y in further]], ":", color=line.get_color(),
                              alpha=0.6)
    axis.set_xlabel("member accounts")
    axis.set_ylabel("wall time (s)")
    axis.set_title(f"organization_access, --forks {forks} (dotted: extrapolated along the slope)")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", dest="runs", type=parse_run, action="append", metavar="MODE:LATENCY_MS:SIZES",
                        help=f"a variant and the sizes it runs at (repeatable; default {' '.join(DEFAULT_RUNS)})")
    parser.add_argument("--forks", type=int, default=50)
    parser.add_argument("--output", type=Path, default=RESULTS / "fanout.json", help="the JSON (the plot goes next to it, .png)")
    args = parser.parse_args(argv)
    runs: list[tuple[Variant, list[int]]] = args.runs or [parse_run(run) for run in DEFAULT_RUNS]
    variants = list(dict.fromkeys(variant for variant, _sizes in runs))
    plan: dict[int, list[Variant]] = {}
    for variant, variant_sizes in runs:
        for n in variant_sizes:
            if variant not in plan.setdefault(n, []):
                plan[n].append(variant)
    sys.stdout.write(f"fan-out: {', '.join(f'{v.name} at {sorted(n for n in plan if v in plan[n])}' for v in variants)}; --forks {args.forks}\n")
    sizes = [bench_size(n, plan[n], args.forks) for n in sorted(plan)]
    summary = summarise(sizes, variants)
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "forks": args.forks,
        "sizes": sizes,
        "variants": summary,
        "call_differences_between_modes": compare_calls(sizes),
        "targets": targets(sizes),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    plot(sizes, summary, args.forks, args.output.with_suffix(".png"))
    for name, entry in summary.items():
        line = [f"{name:<16}"]
        for phase in ("cold", "noop"):
            fit = entry[f"{phase}_seconds_fit"]
            calls = entry[f"{phase}_api_calls_per_account"]
            slope_text = f"{fit['per_account']:.3f} s and {calls:.2f} calls per account" if fit else "one size, no slope"
            line.append(f"{'no-op' if phase == 'noop' else phase}: {slope_text}")
            for n, seconds in sorted((entry.get(f"{phase}_seconds_extrapolated") or {}).items(), key=lambda item: int(item[0])):
                line.append(f"{phase} at {n} EXTRAPOLATED {seconds} s")
        sys.stdout.write("  ".join(line) + "\n")
    differences = report["call_differences_between_modes"]
    sys.stdout.write("API calls per run: " + ("the same in both modes\n" if not differences else "DIFFER: " + " | ".join(differences) + "\n"))
    for key, value in report["targets"].items():
        sys.stdout.write(f"target {key}: {value['value']} s (<= {value['target']} s: {'met' if value['met'] else 'NOT met'})\n")
    sys.stdout.write(f"results: {args.output}, plot: {args.output.with_suffix('.png')}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
