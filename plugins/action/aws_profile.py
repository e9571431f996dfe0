# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of crossaccount.aws.aws_profile: the module's logic in the controller's process when it can.

Under become (writing another user's files) the task runs as a module process, as the user become names.
"""

from __future__ import annotations

from ansible_collections.crossaccount.aws.plugins.module_utils import _aws_profile
from ansible_collections.crossaccount.aws.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    LOGIC = _aws_profile
