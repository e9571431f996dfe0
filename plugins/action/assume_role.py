# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of crossaccount.aws.assume_role: run the module (in process when it can), then hide its secrets.

Ansible masks only values of no_log *parameters*; the credentials this module returns are new
values, so the module itself cannot mask them without also masking the registered variable. A
module result may not carry ``_ansible_no_log`` (Ansible strips it with a warning), but an action
plugin's result may: the callbacks then show the result as censored at every verbosity while
``register`` still receives the real credentials.
"""

from __future__ import annotations

import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils import _assume_role
from ansible_collections.crossaccount.aws.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    LOGIC = _assume_role
    # Async results reach the callbacks through async_status, past this plugin: refuse async.
    _supports_async = False

    def finish_result(self, result: dict[str, t.Any]) -> dict[str, t.Any]:
        if result.get("credentials"):
            result["_ansible_no_log"] = True
        return result
