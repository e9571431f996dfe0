# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-playbook killed (SIGKILL) after any task of the main playbook: a rerun converges, a teardown
leaves nothing behind (issue 6, "Crashes").

The boundaries come from the clean reference run, which the ``crash_points`` callback recorded: every task
result (ok, changed or failed; includes and argument validation too) is one boundary. For each boundary k,
in a freshly reset emulator, the main playbook runs with the callback set to SIGKILL ansible-playbook's
process group right after the k-th result; then the same playbook runs again with the same credential
cache and CLI config file, and the IAM state of both accounts plus the CLI profile must equal the clean
run's. The boundaries are spread over a few tests (k modulo CHUNKS) so pytest-xdist can share them out;
together they cover every boundary, and each test reports all of its failing boundaries at once.

For the boundaries where the state is half-built (right after the role, right after the source policy)
and after the last task, a teardown after the crash must give back the untouched accounts.
"""

from __future__ import annotations

import signal
import typing as t
from pathlib import Path

import pytest

from reliability.conftest import TEARDOWN_PLAYBOOK, CleanReference, FlowRun, flow_snapshot, prepare, record_summary, run_flow
from reliability.state_snapshot import differences

CHUNKS = 6
KILLED = -signal.SIGKILL


def crash_at(emu: t.Any, clean_reference: CleanReference, workdir: Path, k: int) -> tuple[FlowRun, list[str]]:
    """Reset, run the main playbook until it is killed after task result k; returns the run and its problems."""
    prepare(emu)
    crashed = run_flow(emu, workdir, crash_after=k)
    problems = []
    if crashed.rc != KILLED or crashed.killed_after != k:
        problems.append(f"boundary {k}: the run was not killed there (rc={crashed.rc}, killed_after={crashed.killed_after})\n"
                        + crashed.explain())
    expected = [b["task"] for b in clean_reference.boundaries[:k]]
    if [b["task"] for b in crashed.boundaries] != expected:
        problems.append(f"boundary {k}: the crashed run passed other tasks than the clean run: "
                        f"{[b['task'] for b in crashed.boundaries]} != {expected}")
    return crashed, problems


def boundary_label(clean_reference: CleanReference, k: int) -> str:
    boundary = clean_reference.boundaries[k - 1]
    return f"{k} ({boundary['action']}: {boundary['task']})"


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_crashes_rerun_converges(emulator: t.Any, clean_reference: CleanReference, tmp_path: Path, chunk: int) -> None:
    total = len(clean_reference.boundaries)
    assert total >= CHUNKS, f"the clean run recorded only {total} task results: {clean_reference.boundaries}"
    mine = [k for k in range(1, total + 1) if (k - 1) % CHUNKS == chunk]
    failures: list[str] = []
    for k in mine:
        workdir = tmp_path / f"boundary-{k}"
        crashed, problems = crash_at(emulator, clean_reference, workdir, k)
        entry: dict[str, t.Any] = {"boundaries": [k], "task": clean_reference.boundaries[k - 1]["task"], "total_boundaries": total,
                                   "crash_seconds": round(crashed.seconds, 1), "runs": 1, "converged": False}
        if not problems:
            rerun = run_flow(emulator, workdir)
            entry.update(runs=2, rerun_seconds=round(rerun.seconds, 1), rerun_changed=(rerun.recap or {}).get("changed"))
            if rerun.rc != 0:
                problems.append(f"boundary {boundary_label(clean_reference, k)}: the rerun failed:\n" + rerun.explain())
            else:
                diff = differences(clean_reference.state, flow_snapshot(emulator, workdir))
                if diff:
                    problems.append(f"boundary {boundary_label(clean_reference, k)}: the rerun did not converge to the clean state:\n"
                                    + "\n".join(diff))
                entry["converged"] = not diff
        record_summary("crashes", f"boundary-{k:03d}", entry)
        failures.extend(problems)
    assert mine, f"chunk {chunk} has no boundary of {total}"
    assert not failures, "\n\n".join(failures)


def teardown_boundary(clean_reference: CleanReference, where: str) -> int:
    """The boundary right after the role / the source policy was made, or the last one."""
    boundaries = clean_reference.boundaries
    if where == "last":
        return len(boundaries)
    action = {"after-role": "crossaccount.aws.target_role", "after-policy": "crossaccount.aws.source_policy"}[where]
    found = [b["n"] for b in boundaries if b["action"] == action]
    assert found, f"the clean run has no {action} task: {boundaries}"
    return int(found[0])


@pytest.mark.parametrize("where", ["after-role", "after-policy", "last"])
def test_crashes_then_teardown_leaves_nothing(emulator: t.Any, clean_reference: CleanReference, tmp_path: Path, where: str) -> None:
    k = teardown_boundary(clean_reference, where)
    crashed, problems = crash_at(emulator, clean_reference, tmp_path, k)
    assert not problems, "\n".join(problems)
    # The crash left something to take away (what exactly depends on k).
    assert flow_snapshot(emulator, tmp_path) != clean_reference.baseline

    teardown = run_flow(emulator, tmp_path, playbook=TEARDOWN_PLAYBOOK)
    record_summary("crashes", f"teardown-{where}", {"boundary": k, "teardown": True, "runs": 2, "task": crashed.boundaries[-1]["task"],
                                                    "crash_seconds": round(crashed.seconds, 1), "teardown_seconds": round(teardown.seconds, 1),
                                                    "teardown_rc": teardown.rc})
    assert teardown.rc == 0, f"teardown after a crash at boundary {boundary_label(clean_reference, k)} failed:\n" + teardown.explain()
    state = flow_snapshot(emulator, tmp_path)
    diff = differences(clean_reference.baseline, state)
    assert not diff, (f"teardown after a crash at boundary {boundary_label(clean_reference, k)} left something behind:\n"
                      + "\n".join(diff))
    assert state["cli_profile"] is None
