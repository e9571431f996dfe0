# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start or stop a detached emulator for a molecule scenario run on its own.

``make test`` starts one emulator for every scenario and exports CROSSACCOUNT_EMULATOR_URL; a bare
``molecule test -s NAME`` has none, so create.yml starts one here and destroy.yml stops it. The process
is detached (new session, no --exit-with-parent) because each molecule step is a separate
ansible-playbook run; its pid lives in STATE_DIR/emulator.json.

Usage: python emulator_ctl.py start|stop STATE_DIR
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 60.0


def start(state_dir: Path) -> dict:
    info_file = state_dir / "emulator.json"
    if info_file.exists():
        info = json.loads(info_file.read_text(encoding="utf-8"))
        if _alive(int(info["pid"])):
            return info
        info_file.unlink()
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = str(ROOT / "tests")
    with open(state_dir / "emulator.log", "ab") as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "emulator", "--state-dir", str(state_dir), "--port", "0"],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=state_dir, start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not info_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
            raise SystemExit(f"emulator did not start; see {state_dir / 'emulator.log'}")
        time.sleep(0.1)
    return json.loads(info_file.read_text(encoding="utf-8"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop(state_dir: Path) -> dict:
    info_file = state_dir / "emulator.json"
    if not info_file.exists():
        return {"stopped": False}
    pid = int(json.loads(info_file.read_text(encoding="utf-8"))["pid"])
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    # The emulator removes its own emulator.json on a clean shutdown.
    info_file.unlink(missing_ok=True)
    return {"stopped": True, "pid": pid}


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        raise SystemExit(__doc__)
    action, state_dir = sys.argv[1], Path(sys.argv[2]).resolve()
    result = start(state_dir) if action == "start" else stop(state_dir)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
