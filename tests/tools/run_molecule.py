# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every molecule scenario in extensions/molecule against one emulator process.

Started once here (not per scenario) so the whole molecule stage pays the emulator start-up once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "extensions" / "molecule"


def start_emulator(state_dir: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests"))
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "emulator", "--state-dir", str(state_dir), "--port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(state_dir / "emulator.log", "wb"),  # pylint: disable=consider-using-with
    )
    deadline = time.monotonic() + 60
    while not (state_dir / "emulator.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"emulator did not start; see {state_dir / 'emulator.log'}")
        time.sleep(0.2)
    return proc


def main() -> int:
    scenarios = sorted(p.parent.name for p in SCENARIO_DIR.glob("*/molecule.yml"))
    if not scenarios:
        print("no molecule scenarios found")
        return 1
    with tempfile.TemporaryDirectory(prefix="crossaccount-molecule-") as tmp:
        state_dir = Path(tmp)
        proc = start_emulator(state_dir)
        info = json.loads((state_dir / "emulator.json").read_text())
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_CONFIG_FILE=str(state_dir / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(state_dir / "credentials"),
            CROSSACCOUNT_EMULATOR_URL=info["endpoint_url"],
            ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build" / "collections"),
            PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        )
        failed = []
        try:
            for scenario in scenarios:
                print(f"=== molecule test -s {scenario}", flush=True)
                started = time.monotonic()
                rc = subprocess.call([str(Path(sys.executable).parent / "molecule"), "test", "-s", scenario], cwd=ROOT, env=env)
                print(f"=== {scenario}: rc={rc} in {time.monotonic() - started:.1f}s", flush=True)
                if rc:
                    failed.append(scenario)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"molecule: {len(scenarios) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
