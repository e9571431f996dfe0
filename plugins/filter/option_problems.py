# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: option_problems
author:
  - crossaccount.aws contributors (@crossaccount)
short_description: Check values with the collection's own validators (for the collection's roles)
version_added: 0.2.0
description:
  - Checks each value with the same validator that the collection's modules and the
    P(crossaccount.aws.assumed_credentials#lookup) lookup use for an option of that kind, and returns one message per refused
    value, each starting with the option (variable) name. So a role refuses exactly what its modules would refuse, before
    the first AWS call, and reports every problem at once.
  - Written for the C(tasks/validate.yml) of this collection's roles, for values that no module option holds as they are;
    the options a role gives a module are checked by that module's own validation with
    P(crossaccount.aws.request_problems#filter). It is not meant as a general-purpose filter.
  - A value of V(null) or an empty string means "not set" and is not checked; required variables are the argument spec's job.
options:
  _input:
    description:
      - A dict of option name to a two-item list C([KIND, VALUE]).
      - "KIND is one of V(account_id), V(account_ids), V(role_arn), V(role_arns), V(principal_arn), V(policy_arn),
        V(role_name), V(user_name), V(group_name), V(policy_name), V(role_names), V(user_names), V(group_names), V(iam_path),
        V(external_id), V(session_name), V(source_identity), V(duration), V(max_session_duration), V(mfa_serial),
        V(wait_timeout), V(endpoint_url), V(tags), V(session_tags), V(policy_arns), V(policy_document), V(via),
        V(organization_id), V(organization_paths), V(principal_patterns), V(lint_mode), V(profile_name)."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the role's variables, every problem at once
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
    quiet: true
  vars:
    problems: "{{ {'my_role_name': ['role_name', my_role_name],
                   'my_trusted_account_ids': ['account_ids', my_trusted_account_ids],
                   'my_aws.endpoint_url': ['endpoint_url', my_aws.endpoint_url | default(none)]}
                  | crossaccount.aws.option_problems }}"
"""

RETURN = r"""
_value:
  description:
    - "One message per refused value, in the order of the input, each starting with the option name, such as
      C(my_role_name: must be an IAM role name made of [A-Za-z0-9_+=,.@-], got 'a b'). Empty when every value is accepted."
  type: list
  elements: str
"""

import typing as t

from ansible.errors import AnsibleFilterError
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._option_kinds import problems


def option_problems(checks: t.Any) -> list[str]:
    try:
        return problems(checks)
    except ValidationFailure as exc:
        # A mistake in the calling role (unknown kind, wrong shape), not in the user's values.
        raise AnsibleFilterError(f"crossaccount.aws.option_problems: {exc.msg}") from None


class FilterModule:
    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"option_problems": option_problems}
