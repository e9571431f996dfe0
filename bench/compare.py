# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""This collection against amazon.aws, side by side in one run.

Three variants do the same two-account setup against their own emulator each:
``peer`` (amazon.aws 10.1.2 from the ``ansible`` package, bench/.venv-peer), ``ours_modules`` (our modules, the
same steps) and ``ours_role`` (the cross_account_access role). For every round and variant (interleaved, so machine
load hits all alike): cold setup with an IAM propagation delay, no-op rerun, teardown. Reported per phase: wall time
(median, min, max), API calls by action, AssumeRole calls, write calls, ``changed``; ratios ours / peer; at 0 ms and
at a per-call latency that mimics real IAM. Writes bench/results/compare.json and PNG plots.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "tests", ROOT / "tests" / "integration"):
    sys.path.insert(0, str(extra))

from ansible_runner import ensure_collection_link
from emulator.testing import RunningEmulator, start_emulator

BENCH = ROOT / "bench"
PLAYBOOKS = BENCH / "playbooks"
RESULTS = BENCH / "results"
OURS_BIN = ROOT / ".venv" / "bin"
PEER_BIN = BENCH / ".venv-peer" / "bin"
PHASES = ("cold", "noop", "teardown")
GOALS = {("noop", "wall"): 0.5, ("noop", "calls"): 0.4, ("cold", "wall"): 0.65}
RECAP_RE = re.compile(r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class Variant(t.NamedTuple):
    name: str
    bin_dir: Path
    setup: list[str]
    teardown: list[str]


VARIANTS = (
    Variant("peer", PEER_BIN, [str(PLAYBOOKS / "peer_setup.yml")], [str(PLAYBOOKS / "peer_teardown.yml")]),
    Variant("ours_modules", OURS_BIN, [str(PLAYBOOKS / "ours_setup.yml")], [str(PLAYBOOKS / "ours_teardown.yml")]),
    Variant("ours_role", OURS_BIN,
            ["-e", f"@{PLAYBOOKS / 'vars' / 'role.yml'}", str(ROOT / "playbooks" / "cross_account_access.yml")],
            ["-e", f"@{PLAYBOOKS / 'vars' / 'role.yml'}", str(ROOT / "playbooks" / "teardown.yml")]),
)


def run_playbook(variant: Variant, args: list[str], emu: RunningEmulator, cache_dir: str) -> tuple[float, int, str]:
    """(seconds, changed, output) of one ansible-playbook run; exits on failure."""
    env = dict(emu.env)
    env.update({
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_LOCAL_TEMP": os.path.join(emu.state_dir, "ansible-tmp"),
        "CROSSACCOUNT_EMULATOR_URL": emu.endpoint_url,
        "CROSSACCOUNT_AWS_CACHE_DIR": cache_dir,
    })
    if variant.bin_dir == OURS_BIN:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(ensure_collection_link())
    else:
        # Only the collections bundled with the `ansible` package: amazon.aws as a user installs it.
        env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(emu.state_dir, "no-collections")
    cmd = [str(variant.bin_dir / "ansible-playbook"), "-i", "localhost,", "-c", "local",
           "-e", "ansible_python_interpreter={{ ansible_playbook_python }}", *args]
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=str(PLAYBOOKS), capture_output=True, text=True, timeout=900, check=False)
    seconds = time.perf_counter() - started
    recap = RECAP_RE.search(proc.stdout)
    if proc.returncode != 0 or recap is None:
        raise SystemExit(f"{variant.name}: {' '.join(args[-1:])} failed (rc={proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return seconds, int(recap.group(2)), proc.stdout


def phase_calls(emu: RunningEmulator) -> dict[str, t.Any]:
    calls = emu.client.calls()
    by_action = Counter(f"{c['service']}:{c['action']}" for c in calls)
    return {
        "calls": len(calls),
        "writes": sum(1 for c in calls if c["write"]),
        "assume_role": sum(n for action, n in by_action.items() if action.startswith("sts:AssumeRole")),
        "by_action": dict(sorted(by_action.items())),
    }


def left_behind(emu: RunningEmulator) -> list[str]:
    iam_target = emu.session("target-admin").client("iam")
    iam_source = emu.session("source-admin").client("iam")
    found = [r["RoleName"] for r in iam_target.list_roles()["Roles"] if r["RoleName"] == "bench-reader"]
    found += [p["PolicyName"] for p in iam_source.list_policies(Scope="Local")["Policies"] if p["PolicyName"] == "assume-bench-reader"]
    return found


def one_round(variant: Variant, emu: RunningEmulator, propagation: float, latency_ms: int) -> dict[str, dict[str, t.Any]]:
    emu.reset()
    # reset() restores the defaults (no latency), so only a non-zero latency needs configuring.
    emu.client.configure(propagation_delay=propagation, **({"latency_ms": latency_ms} if latency_ms else {}))
    out: dict[str, dict[str, t.Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cache-", dir=emu.state_dir) as cache_dir:
        os.chmod(cache_dir, 0o700)
        for phase, args in (("cold", variant.setup), ("noop", variant.setup), ("teardown", variant.teardown)):
            emu.client.clear_calls()
            seconds, changed, _output = run_playbook(variant, args, emu, cache_dir)
            out[phase] = {"seconds": seconds, "changed": changed, **phase_calls(emu)}
    leftovers = left_behind(emu)
    if leftovers:
        raise SystemExit(f"{variant.name}: teardown left {leftovers}")
    return out


def summarise(rounds: list[dict[str, dict[str, t.Any]]]) -> dict[str, dict[str, t.Any]]:
    summary = {}
    for phase in PHASES:
        walls = [r[phase]["seconds"] for r in rounds]
        first = rounds[0][phase]
        summary[phase] = {
            "wall_median": round(statistics.median(walls), 2),
            "wall_min": round(min(walls), 2),
            "wall_max": round(max(walls), 2),
            "calls": statistics.median(r[phase]["calls"] for r in rounds),
            "writes": statistics.median(r[phase]["writes"] for r in rounds),
            "assume_role": statistics.median(r[phase]["assume_role"] for r in rounds),
            "changed": statistics.median(r[phase]["changed"] for r in rounds),
            "by_action": first["by_action"],
        }
    return summary


def ratios(results: dict[str, dict[str, dict[str, t.Any]]], ours: str) -> dict[str, dict[str, float]]:
    peer = results["peer"]
    return {
        phase: {
            "wall": round(results[ours][phase]["wall_median"] / peer[phase]["wall_median"], 2),
            "calls": round(results[ours][phase]["calls"] / peer[phase]["calls"], 2),
        }
        for phase in PHASES
    }


def plot(report: dict[str, t.Any], out_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    settings = report["settings"]
    names = [v.name for v in VARIANTS]
    colours = {"peer": "#999999", "ours_modules": "#1f77b4", "ours_role": "#2ca02c"}
    fig, axes = plt.subplots(1, len(settings), figsize=(6 * len(settings), 4.2), squeeze=False)
    for ax, (label, setting) in zip(axes[0], settings.items()):
        width = 0.26
        for i, name in enumerate(names):
            res = setting["results"][name]
            medians = [res[p]["wall_median"] for p in PHASES]
            errors = [[m - res[p]["wall_min"] for m, p in zip(medians, PHASES)], [res[p]["wall_max"] - m for m, p in zip(medians, PHASES)]]
            xs = [x + (i - 1) * width for x in range(len(PHASES))]
            ax.bar(xs, medians, width, yerr=errors, capsize=3, label=name, color=colours[name])
        ax.set_xticks(range(len(PHASES)), PHASES)
        ax.set_ylabel("wall seconds (median, min-max)")
        ax.set_title(f"wall per phase, {label}")
        ax.legend()
    fig.tight_layout()
    path = out_dir / "compare_wall.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(str(path))

    setting = next(iter(settings.values()))
    actions = sorted({a for name in names for p in ("cold", "noop") for a in setting["results"][name][p]["by_action"]})
    cmap = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(10, 5))
    bars = [(name, phase) for phase in ("cold", "noop") for name in names]
    bottoms = [0.0] * len(bars)
    for j, action in enumerate(actions):
        values = [setting["results"][name][phase]["by_action"].get(action, 0) for name, phase in bars]
        ax.bar(range(len(bars)), values, bottom=bottoms, label=action, color=cmap(j % 20))
        bottoms = [b + v for b, v in zip(bottoms, values)]
    ax.set_xticks(range(len(bars)), [f"{name}\n{phase}" for name, phase in bars], fontsize=8)
    ax.set_ylabel("API calls")
    ax.set_title("API calls by action (cold setup and no-op rerun)")
    ax.legend(fontsize=7, ncol=2, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    path = out_dir / "compare_calls.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(str(path))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="runs per variant and setting (median of these)")
    parser.add_argument("--propagation-delay", type=float, default=5.0, help="IAM propagation delay of the emulator, seconds")
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 100], help="per-call latencies to compare at")
    args = parser.parse_args(argv)
    if not (PEER_BIN / "ansible-playbook").exists():
        raise SystemExit("bench/.venv-peer is missing: run `make bench` (it builds it from bench/requirements-peer.txt)")
    report: dict[str, t.Any] = {"rounds": args.rounds, "propagation_delay": args.propagation_delay, "settings": {}}
    with tempfile.TemporaryDirectory(prefix="crossaccount-compare-") as tmp:
        emulators = {v.name: start_emulator(Path(tmp) / v.name) for v in VARIANTS}
        try:
            for latency in args.latency_ms:
                rounds: dict[str, list[dict[str, t.Any]]] = {v.name: [] for v in VARIANTS}
                for r in range(args.rounds):
                    # Rotate the order so no variant always runs first (or last) in a round.
                    order = VARIANTS[r % len(VARIANTS):] + VARIANTS[:r % len(VARIANTS)]
                    for variant in order:
                        rounds[variant.name].append(one_round(variant, emulators[variant.name], args.propagation_delay, latency))
                        sys.stderr.write(f"latency {latency} ms, round {r + 1}/{args.rounds}: {variant.name} done\n")
                results = {name: summarise(rs) for name, rs in rounds.items()}
                report["settings"][f"{latency} ms per call"] = {
                    "latency_ms": latency,
                    "results": results,
                    "ratios_ours_role_vs_peer": ratios(results, "ours_role"),
                    "ratios_ours_modules_vs_peer": ratios(results, "ours_modules"),
                }
        finally:
            for emu in emulators.values():
                emu.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    report["plots"] = plot(report, RESULTS)
    (RESULTS / "compare.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_summary(report)
    return 0


def print_summary(report: dict[str, t.Any]) -> None:
    lines = [f"crossaccount.aws vs amazon.aws: {report['rounds']} interleaved rounds, IAM propagation {report['propagation_delay']} s"]
    for label, setting in report["settings"].items():
        lines.append(f"\n[{label}]")
        lines.append(f"  {'variant':<13} {'phase':<9} {'wall med (min-max)':<22} {'calls':>5} {'writes':>6} {'assume':>6} {'changed':>7}")
        for name, res in setting["results"].items():
            for phase in PHASES:
                p = res[phase]
                wall = f"{p['wall_median']:.2f} ({p['wall_min']:.2f}-{p['wall_max']:.2f})"
                lines.append(f"  {name:<13} {phase:<9} {wall:<22} {p['calls']:>5} {p['writes']:>6} {p['assume_role']:>6} {p['changed']:>7}")
        for ours in ("ours_role", "ours_modules"):
            rs = setting[f"ratios_{ours}_vs_peer"]
            parts = []
            for phase in PHASES:
                parts.append(f"{phase} wall {rs[phase]['wall']:.2f} calls {rs[phase]['calls']:.2f}")
            lines.append(f"  ratio {ours}/peer: " + "; ".join(parts))
            goals = [f"{phase} {what} <= {limit}: {'met' if rs[phase][what] <= limit else 'MISSED'}" for (phase, what), limit in GOALS.items()]
            lines.append("    goals: " + "; ".join(goals) + f"; no-op changed=0: {'met' if setting['results'][ours]['noop']['changed'] == 0 else 'MISSED'}")
    lines.append("\nplots: " + ", ".join(report["plots"]))
    lines.append(f"results: {RESULTS / 'compare.json'}")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
