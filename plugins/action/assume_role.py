# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of crossaccount.aws.assume_role: run the module, then hide its secrets from output.

Ansible masks only values of no_log *parameters*; the credentials this module returns are new
values, so the module itself cannot mask them without also masking the registered variable. A
module result may not carry ``_ansible_no_log`` (Ansible strips it with a warning), but an action
plugin's result may: the callbacks then show the result as censored at every verbosity while
``register`` still receives the real credentials.
"""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash


class ActionModule(ActionBase):

    _supports_check_mode = True
    # Async results reach the callbacks through async_status, past this plugin: refuse async.
    _supports_async = False

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        del tmp  # no longer has any effect

        result = merge_hash(result, self._execute_module(task_vars=task_vars))
        self._remove_tmp_path(self._connection._shell.tmpdir)

        if result.get("credentials"):
            result["_ansible_no_log"] = True
        return result
