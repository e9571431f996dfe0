# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures and helpers of the reliability suite (issue 6).

The emulator fixtures are the integration suite's own (``emulator``: one process per pytest worker,
``emu``: reset before the test), imported from tests/integration/conftest.py, not re-implemented.

On top of them:

- ``run_flow(emu, workdir, ...)`` runs the main playbook (or the teardown) with the demo's variables
  (playbooks/vars/demo.yml), with the credential cache and the AWS CLI profile file inside ``workdir``,
  and the ``crash_points`` callback recording every task result (and, with ``crash_after=k``, SIGKILLing
  ansible-playbook right after the k-th).
- ``prepare(emu)`` resets the emulator to the bootstrap state plus the demo's S3 bucket.
- ``clean_reference`` (session): one clean run in a reset emulator with faults off: its state snapshot,
  its task boundaries, and the snapshot of the untouched emulator (what a teardown must return to).
- ``record_summary(kind, key, value)`` collects numbers in tests/output/reliability-<kind>.json; the
  terminal summary prints them, with the wall time, so they can go into the closing note.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import re
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest
from integration.ansible_runner import REPO_ROOT, PlaybookResult, run_playbook
from integration.conftest import emu, emulator  # noqa: F401  pylint: disable=unused-import

from reliability.state_snapshot import snapshot

HERE = Path(__file__).resolve().parent
CALLBACK_DIR = HERE / "callback_plugins"
OUTPUT_DIR = REPO_ROOT / "tests" / "output"
SUMMARY_KINDS = ("faults", "crashes")
MAIN_PLAYBOOK = REPO_ROOT / "playbooks" / "cross_account_access.yml"
TEARDOWN_PLAYBOOK = REPO_ROOT / "playbooks" / "teardown.yml"
DEMO_VARS = REPO_ROOT / "playbooks" / "vars" / "demo.yml"

# What playbooks/vars/demo.yml names; the snapshot looks at that CLI profile and the bucket is what the probe lists.
DEMO_PROFILE = "crossaccount-demo"
DEMO_BUCKET = "crossaccount-demo-bucket"
DEMO_ROLE = "crossaccount-demo-reader"
DEMO_POLICY = "assume-crossaccount-demo-reader"

_BUCKETS = itertools.count(1)
RECAP_RE = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@dataclass
class FlowRun:
    """One ansible-playbook run of the flow, with what the crash_points callback recorded."""

    result: PlaybookResult
    boundaries: list[dict[str, t.Any]]
    killed_after: int | None
    seconds: float

    @property
    def rc(self) -> int:
        return self.result.returncode

    @property
    def recap(self) -> dict[str, int] | None:
        match = RECAP_RE.search(self.result.stdout)
        if match is None:
            return None
        return dict(zip(("ok", "changed", "unreachable", "failed"), (int(g) for g in match.groups())))

    def explain(self) -> str:
        """The tail of the output, for assertion messages."""
        return f"rc={self.rc}\n--- stdout (tail)\n{self.result.stdout[-6000:]}\n--- stderr (tail)\n{self.result.stderr[-3000:]}"


def profile_config_file(workdir: Path) -> Path:
    return workdir / "aws-cli-config"


def run_flow(emu: t.Any, workdir: Path, playbook: Path = MAIN_PLAYBOOK, crash_after: int | None = None) -> FlowRun:
    """Run ``playbook`` with the demo's variables; state that outlives a run (credential cache, CLI profile
    file) lives in ``workdir``, so a rerun in the same ``workdir`` finds what the previous run left."""
    workdir.mkdir(parents=True, exist_ok=True)
    record = workdir / f"boundaries-{time.monotonic_ns()}.jsonl"
    env = {
        "CROSSACCOUNT_EMULATOR_URL": emu.endpoint_url,
        # Cached credentials of an earlier emulator state are worthless after a reset: a cache per workdir.
        "CROSSACCOUNT_AWS_CACHE_DIR": str(workdir / "credential-cache"),
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
        "ANSIBLE_CALLBACKS_ENABLED": "crash_points",
        "CROSSACCOUNT_CRASH_RECORD": str(record),
        "CROSSACCOUNT_CRASH_AFTER": str(crash_after or ""),
    }
    # The CLI profile goes to a file of the test, not into the emulator's shared config file.
    extra: dict[str, t.Any] = {"cross_account_access_profile_config_file": str(profile_config_file(workdir))}
    bucket = getattr(emu, "reliability_bucket", None)
    if bucket:
        extra["cross_account_access_verify_s3_buckets"] = [bucket]
    started = time.monotonic()
    result = run_playbook(emu, playbook, env=env, extra_args=["-e", f"@{DEMO_VARS}", "-e", json.dumps(extra)])
    seconds = time.monotonic() - started
    boundaries: list[dict[str, t.Any]] = []
    killed_after = None
    if record.exists():
        for line in record.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if "killed_after" in entry:
                killed_after = int(entry["killed_after"])
            else:
                boundaries.append(entry)
    return FlowRun(result, boundaries, killed_after, seconds)


def prepare(emu: t.Any) -> str:
    """Bootstrap state (reset: faults off, empty call log) plus an S3 bucket for the probe to list; returns its name.

    The bucket gets a new name after every reset: S3 bucket names are global, and an emulator reset that
    forgets a name (moto keeps them in ``s3_backends.bucket_accounts``, outside the backends a reset drops)
    once made CreateBucket of the same name fail with a 500; a fresh name keeps the suite independent of that.
    """
    emu.reset()
    bucket = f"{DEMO_BUCKET}-{next(_BUCKETS)}"
    emu.aws("s3", "target-admin").create_bucket(Bucket=bucket)
    emu.client.clear_calls()
    emu.reliability_bucket = bucket
    return bucket


def flow_snapshot(emu: t.Any, workdir: Path) -> dict[str, t.Any]:
    return snapshot(emu, profile_config_file(workdir), DEMO_PROFILE)


@dataclass
class CleanReference:
    baseline: dict[str, t.Any]      # the prepared emulator before any run: what a teardown must give back
    state: dict[str, t.Any]         # after one clean run
    boundaries: list[dict[str, t.Any]]
    calls: int
    writes: int
    seconds: float


@pytest.fixture(scope="session")
def clean_reference(emulator: t.Any, tmp_path_factory: pytest.TempPathFactory) -> CleanReference:
    """One clean run of the main playbook (reset emulator, faults off), once per pytest worker."""
    workdir = tmp_path_factory.mktemp("clean-run")
    prepare(emulator)
    baseline = flow_snapshot(emulator, workdir)
    emulator.client.clear_calls()
    run = run_flow(emulator, workdir)
    assert run.rc == 0, "the clean run of the main playbook failed:\n" + run.explain()
    calls = emulator.client.calls()
    state = flow_snapshot(emulator, workdir)
    assert state["cli_profile"], "the clean run wrote no CLI profile"
    assert DEMO_ROLE in state["target"]["roles"], "the clean run made no role"
    return CleanReference(baseline=baseline, state=state, boundaries=run.boundaries, calls=len(calls),
                          writes=sum(1 for c in calls if c["write"]), seconds=run.seconds)


# ------------------------------------------------------------------ summary files and terminal summary
# The files are shared by the pytest workers of one run (and other people may run other reliability tests in
# the same tree at the same time): entries carry the id of the run that wrote them, and an entry of another
# run is dropped, instead of deleting the files at start-up.
_SESSION_ENV = "CROSSACCOUNT_RELIABILITY_SESSION"
_STARTED = pytest.StashKey[float]()


def summary_file(kind: str) -> Path:
    return OUTPUT_DIR / f"reliability-{kind}.json"


def _session_id() -> str:
    return os.environ.get(_SESSION_ENV, "")


def record_summary(kind: str, key: str, value: t.Any) -> None:
    """Merge ``{key: value}`` into tests/output/reliability-<kind>.json (pytest workers write concurrently)."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    path = summary_file(kind)
    with open(OUTPUT_DIR / f".reliability-{kind}.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = _load(path)
        if data.get("session") != _session_id():
            data = {"session": _session_id(), "entries": {}}
        data["entries"][key] = value
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)


def _entries(kind: str) -> dict[str, t.Any]:
    data = _load(summary_file(kind))
    return data.get("entries", {}) if data.get("session") == _session_id() else {}


def _load(path: Path) -> dict[str, t.Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _is_controller(config):
        # pytest-xdist workers are started after this and inherit the environment.
        os.environ.setdefault(_SESSION_ENV, f"{os.getpid()}-{time.time_ns()}")
        config.stash[_STARTED] = time.monotonic()


def pytest_terminal_summary(terminalreporter: t.Any, config: pytest.Config) -> None:
    if not _is_controller(config):
        return
    lines = []
    faults = _entries("faults")
    if faults:
        runs = sum(entry["runs"] for entry in faults.values())
        throttles = sum(entry["injected_throttles"] for entry in faults.values())
        errors = sum(entry["injected_500s"] for entry in faults.values())
        rates = sorted({(entry["throttle_rate"], entry["fail_after_write_rate"]) for entry in faults.values()})
        per_rate = ", ".join(f"{sum(1 for e in faults.values() if (e['throttle_rate'], e['fail_after_write_rate']) == rate)} at "
                             f"throttle {rate[0]:g} / 500-after-write {rate[1]:g}" for rate in rates)
        lines.append(f"faults: {len(faults)} seeds ({per_rate}), {runs} playbook runs, {throttles} injected throttles, "
                     f"{errors} injected 500-after-write")
        for entry in sorted(faults.values(), key=lambda e: (e["fail_after_write_rate"], e["seed"])):
            lines.append(f"  seed {entry['seed']:>5} @{entry['fail_after_write_rate']:<4g}: throttles={entry['injected_throttles']:<3} "
                         f"500s={entry['injected_500s']:<2} calls={entry['calls']:<4} writes={entry['writes']:<3} converged={entry['converged']} "
                         f"rerun changed={entry['rerun_changed']} rerun writes={entry['rerun_writes']}  {entry['seconds']:.1f}s"
                         + (f"  500s on {', '.join(entry['injected_500_actions'])}" if entry["injected_500_actions"] else ""))
    crashes = _entries("crashes")
    if crashes:
        boundaries = sorted({b for entry in crashes.values() for b in entry.get("boundaries", [])})
        converged = sum(1 for entry in crashes.values() if entry.get("converged"))
        runs = sum(entry["runs"] for entry in crashes.values())
        total = max((entry.get("total_boundaries", 0) for entry in crashes.values()), default=0)
        teardowns = sorted(entry["boundary"] for entry in crashes.values() if entry.get("teardown"))
        lines.append(f"crashes: {len(boundaries)} of {total} task boundaries killed, {converged} reruns converged to the clean state, "
                     f"{runs} playbook runs; teardown after a crash at boundaries {teardowns}")
    for path in sorted(OUTPUT_DIR.glob("reliability-*.json")):
        kind = path.stem[len("reliability-"):]
        if kind not in SUMMARY_KINDS and _entries(kind):
            lines.append(f"{kind}: {len(_entries(kind))} entries in {path.name}")
    if lines:
        started = config.stash.get(_STARTED, None)
        if started is not None:
            lines.append(f"reliability wall time: {time.monotonic() - started:.1f}s (summaries in {OUTPUT_DIR})")
        terminalreporter.write_sep("-", "reliability summary")
        for line in lines:
            terminalreporter.write_line(line)
