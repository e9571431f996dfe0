# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every molecule scenario in extensions/molecule against one emulator process.

Started once here (not per scenario) so the whole molecule stage pays the emulator start-up once;
scenarios reset nothing and touch only their own resources (role, policy and profile names of their own), so they
share it and run two at a time (MOLECULE_JOBS): most of a scenario's time is ansible-playbook start-up, not AWS.
Each scenario's output is printed whole when it ends, so two never interleave.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from emulator.testing import start_emulator

SCENARIO_DIR = ROOT / "extensions" / "molecule"


def main() -> int:
    scenarios = sorted(p.parent.name for p in SCENARIO_DIR.glob("*/molecule.yml"))
    if not scenarios:
        sys.stderr.write("no molecule scenarios found\n")
        return 1
    molecule = str(Path(sys.executable).parent / "molecule")
    with tempfile.TemporaryDirectory(prefix="crossaccount-molecule-") as tmp:
        running = start_emulator(tmp)
        env = dict(running.env)
        env.update(
            CROSSACCOUNT_EMULATOR_URL=running.endpoint_url,
            ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build" / "collections"),
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        )

        def run(scenario: str) -> int:
            started = time.monotonic()
            proc = subprocess.run([molecule, "test", "-s", scenario], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, check=False)
            with lock:
                sys.stdout.write(f"=== molecule test -s {scenario}\n{proc.stdout}")
                sys.stdout.write(f"=== {scenario}: rc={proc.returncode} in {time.monotonic() - started:.1f}s\n")
                sys.stdout.flush()
            return proc.returncode

        lock = threading.Lock()
        try:
            with ThreadPoolExecutor(max_workers=int(os.environ.get("MOLECULE_JOBS", "2"))) as pool:
                failed = [scenario for scenario, rc in zip(scenarios, pool.map(run, scenarios)) if rc]
        finally:
            running.stop()
    sys.stdout.write(f"molecule: {len(scenarios) - len(failed)} passed, {len(failed)} failed\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
