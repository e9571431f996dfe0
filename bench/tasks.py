# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one module task costs above an ``ansible.builtin.debug`` task, in the same run.

A play of N tasks (default 20) is timed for each variant, in interleaved rounds (the order rotates so that machine
load hits all alike), against one emulator:

- ``debug``: N x ``ansible.builtin.debug`` (the floor: ansible-core's own cost of a task);
- ``in_process``: N x ``crossaccount.aws.verify_access`` (one GetCallerIdentity), run in the controller's process;
- ``module``: the same tasks with ``crossaccount_aws_execution: module`` (a module process per task: the 0.2 way);
- ``mitogen``: the module variant under Mitogen's ``mitogen_linear`` strategy (bench/.venv-mitogen), where it runs;
- ``amazon_aws``: N x ``amazon.aws.aws_caller_info`` from the pinned ``ansible`` package (bench/.venv-peer).

Per variant: the median wall time and ``(wall - debug wall) / N``, the cost of one task above debug. Output:
``bench/results/tasks.json``. ``python bench/tasks.py --rounds 3 --tasks 20``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "tests", ROOT / "tests" / "integration"):
    sys.path.insert(0, str(extra))

from ansible_runner import ensure_collection_link
from emulator.testing import RunningEmulator, start_emulator

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
OURS_BIN = ROOT / ".venv" / "bin"
PEER_BIN = BENCH / ".venv-peer" / "bin"
MITOGEN_BIN = BENCH / ".venv-mitogen" / "bin"


def _play(task: dict[str, t.Any], n: int, extra_vars: dict[str, t.Any] | None = None) -> str:
    play = {
        "name": "bench",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}", **(extra_vars or {})},
        "tasks": [{"name": f"task {i}", **task} for i in range(n)],
    }
    return json.dumps([play])


class Variant(t.NamedTuple):
    name: str
    bin_dir: Path
    task: dict[str, t.Any]
    extra_vars: dict[str, t.Any]
    env: dict[str, str]


def _mitogen_strategy_dir() -> Path | None:
    found = sorted((BENCH / ".venv-mitogen" / "lib").glob("python3*/site-packages/ansible_mitogen/plugins/strategy"))
    return found[0] if found else None


def variants() -> list[Variant]:
    ours = {"crossaccount.aws.verify_access": {"profile": "source-admin"}}
    result = [
        Variant("debug", OURS_BIN, {"ansible.builtin.debug": {"msg": "hello"}}, {}, {}),
        Variant("in_process", OURS_BIN, ours, {"crossaccount_aws_execution": "in_process"}, {}),
        Variant("module", OURS_BIN, ours, {"crossaccount_aws_execution": "module"}, {}),
    ]
    strategy = _mitogen_strategy_dir()
    if strategy is not None and (MITOGEN_BIN / "ansible-playbook").exists():
        result.append(Variant("mitogen", MITOGEN_BIN, ours, {"crossaccount_aws_execution": "module"},
                              {"ANSIBLE_STRATEGY_PLUGINS": str(strategy), "ANSIBLE_STRATEGY": "mitogen_linear"}))
    if (PEER_BIN / "ansible-playbook").exists():
        result.append(Variant("amazon_aws", PEER_BIN, {"amazon.aws.aws_caller_info": {"profile": "source-admin"}}, {}, {}))
    return result


def run_once(variant: Variant, emu: RunningEmulator, n: int, work: Path) -> float:
    playbook = work / f"{variant.name}.json"
    playbook.write_text(_play(variant.task, n, variant.extra_vars), encoding="utf-8")
    env = dict(emu.env)
    env.update({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
                "ANSIBLE_LOCAL_TEMP": str(work / "tmp"), **variant.env})
    if variant.bin_dir == PEER_BIN:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(work / "no-collections")
    else:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(ensure_collection_link())
    started = time.perf_counter()
    proc = subprocess.run([str(variant.bin_dir / "ansible-playbook"), "-i", "localhost,", str(playbook)], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{variant.name} failed (rc={proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=20)
    args = parser.parse_args(argv)
    chosen = variants()
    walls: dict[str, list[float]] = {v.name: [] for v in chosen}
    with tempfile.TemporaryDirectory(prefix="crossaccount-bench-tasks-") as tmp, start_emulator(Path(tmp) / "emulator") as emu:
        work = Path(tmp)
        for round_no in range(args.rounds):
            order = chosen[round_no % len(chosen):] + chosen[:round_no % len(chosen)]
            for variant in order:
                walls[variant.name].append(run_once(variant, emu, args.tasks, work))
    medians = {name: statistics.median(values) for name, values in walls.items()}
    floor = medians["debug"]
    report = {
        "tasks": args.tasks,
        "rounds": args.rounds,
        "load_average": os.getloadavg(),
        "variants": {
            name: {
                "median_seconds": round(medians[name], 2),
                "min_seconds": round(min(values), 2),
                "max_seconds": round(max(values), 2),
                "per_task_above_debug_seconds": round((medians[name] - floor) / args.tasks, 3),
            }
            for name, values in walls.items()
        },
    }
    missing = [name for name in ("mitogen", "amazon_aws") if name not in walls]
    if missing:
        report["not_run"] = {name: "its venv is missing (make bench builds it)" for name in missing}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tasks.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
