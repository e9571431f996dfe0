# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: record every task result, and optionally SIGKILL ansible-playbook after the k-th.

Enabled by the reliability tests with ANSIBLE_CALLBACK_PLUGINS=<this directory> and
ANSIBLE_CALLBACKS_ENABLED=crash_points. Driven by environment variables (not plugin options, so it needs
no configuration section):

- CROSSACCOUNT_CRASH_RECORD: a file that gets one JSON line per task result
  (``{"n": 1, "task": "...", "action": "...", "status": "ok|changed|failed"}``), flushed and fsynced at once,
  so the test reads exactly the boundaries that were passed even when the process dies right after.
- CROSSACCOUNT_CRASH_AFTER=k: after writing the k-th result (and a line ``{"killed_after": k}``) the plugin
  sends SIGKILL to its own process group: ansible-playbook and every worker or module process it forked die
  at once, as on a power cut or an OOM kill; nothing gets a chance to clean up.
"""

from __future__ import annotations

import json
import os
import signal
import typing as t

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "crash_points"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._record = os.environ.get("CROSSACCOUNT_CRASH_RECORD") or None
        crash_after = os.environ.get("CROSSACCOUNT_CRASH_AFTER", "")
        self._crash_after = int(crash_after) if crash_after else 0
        self._count = 0
        self._own_group = False
        if self._crash_after:
            # ansible-playbook shares the process group of whoever started it (pytest): lead a group of our own
            # first, so that the kill reaches exactly ansible-playbook and the workers it forks later.
            try:
                os.setpgid(0, 0)
                self._own_group = True
            except OSError:
                self._own_group = os.getpgrp() == os.getpid()

    def _write(self, entry: dict[str, t.Any]) -> None:
        if not self._record:
            return
        with open(self._record, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _result(self, result: t.Any, status: str) -> None:
        self._count += 1
        task = result._task  # pylint: disable=protected-access
        self._write({"n": self._count, "task": task.get_name(), "action": task.action, "status": status})
        if self._crash_after and self._count == self._crash_after:
            self._write({"killed_after": self._count})
            if self._own_group:
                os.killpg(os.getpgrp(), signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._result(result, "changed" if result._result.get("changed") else "ok")  # pylint: disable=protected-access

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        # A failed task is a boundary whether or not the play ignores the error.
        del ignore_errors
        self._result(result, "failed")
