# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only notification callback: every task result as the callbacks receive it, one JSON line each.

Enabled by the integration tests (ANSIBLE_CALLBACK_PLUGINS + ANSIBLE_CALLBACKS_ENABLED=result_log) with
RESULT_LOG_PATH naming the file. Comparing these lines compares what every callback of a user would see.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: result_log
type: notification
short_description: Write every task result to RESULT_LOG_PATH as JSON lines (tests only)
description:
  - Test helper of crossaccount.aws.
"""

import json
import os
import typing as t

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "result_log"
    CALLBACK_NEEDS_ENABLED = True

    def _log(self, status: str, result: t.Any) -> None:
        path = os.environ.get("RESULT_LOG_PATH")
        if not path:
            return
        task = result._task
        record = {"task": task.get_name(), "host": result._host.get_name(), "status": status, "result": dict(result._result)}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str, sort_keys=True) + "\n")

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._log("ok", result)

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._log("failed", result)

    def v2_runner_on_skipped(self, result: t.Any) -> None:
        self._log("skipped", result)
