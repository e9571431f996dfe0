# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
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
