# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: request_problems
author:
  - crossaccount.aws contributors (@crossaccount)
short_description: Check a role's options for a module with that module's own request builder (for the collection's roles)
version_added: 0.3.0
description:
  - Runs the options a role is about to give a module through the module's own validation (the code the module runs
    before its first AWS call), without calling AWS, and returns one message per refusal, each starting with the role
    variable that holds the refused option. So a role refuses exactly what its module refuses, before its first AWS call.
  - Every independent problem is reported at once (each refused option is set aside and the rest checked again); a
    requirement that no value meets, such as an option missing for C(state=present), ends the check.
  - Written for the C(tasks/validate.yml) of this collection's roles; it is not meant as a general-purpose filter.
options:
  _input:
    description:
      - A dict of module option to a two-item list C([VARIABLE, VALUE]). A VALUE of V(null) or an empty string means
        the role does not give that option.
    type: dict
    required: true
  module:
    description:
      - The module whose validation applies.
    type: str
    required: true
    choices: [target_role, source_policy, verify_access]
  connection:
    description:
      - C([VARIABLE, DICT]) with the role's connection options for the module (its C(*_aws) variable), checked as the
        module checks its connection options.
    type: list
    elements: raw
"""

EXAMPLES = r"""
- name: Check the role's options for target_role, every problem at once
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
    quiet: true
  vars:
    problems: "{{ {'name': ['my_role_name', my_role_name],
                   'trusted_account_ids': ['my_trusted_account_ids', my_trusted_account_ids]}
                  | crossaccount.aws.request_problems('target_role', connection=['my_aws', my_aws]) }}"
"""

RETURN = r"""
_value:
  description:
    - "One message per refusal, each starting with the role variable, such as
      C(my_trusted_account_ids[0]: must be a 12-digit AWS account id, got '1234'). Empty when the module accepts the options."
  type: list
  elements: str
"""

import typing as t

from ansible.errors import AnsibleFilterError
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._option_kinds import request_problems as check


def request_problems(options: t.Any, module: str, connection: t.Any = None) -> list[str]:
    try:
        return check(module, options, connection)
    except ValidationFailure as exc:
        # A mistake in the calling role (unknown module, wrong shape), not in the user's values.
        raise AnsibleFilterError(f"crossaccount.aws.request_problems: {exc.msg}") from None


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"request_problems": request_problems}
