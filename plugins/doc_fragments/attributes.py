# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - The action plugin runs the whole module inside the controller's worker process (no new Python process, no
        module transfer) when the task's connection is local, without C(become) and without C(async), and the
        controller's Python can import boto3 and botocore. Anything else runs the module as a module.
      - Both ways validate, mask C(no_log) values, report warnings and return results identically.
      - The host or task variable C(crossaccount_aws_execution) chooses C(auto) (the default), C(module) (always a
        module process) or C(in_process) (fail, naming the reason, when the task cannot run in the controller's process).
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    # Every module that talks to AWS is in the action group (aws_profile, which does not, is not).
    ACTION_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/crossaccount.aws.aws) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - crossaccount.aws.aws
"""

    # Modules that manage a document (trust policy, source policy, profile) support both.
    MANAGED = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

    # Read-only modules: check mode runs them for real, nothing to diff.
    READ_ONLY = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module makes no change, so it runs normally in check mode.
  diff_mode:
    support: none
"""
