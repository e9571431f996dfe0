# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: what the roles check before their first AWS call, with the modules' own code.

``problems`` (filter ``crossaccount.aws.option_problems``): single values by kind, each kind a validator of
``_validators`` or of one of its domain files (``_validators_session``...), the one the modules and the lookup use
for an option of that kind; the filter's documentation lists the kinds, and a unit test holds the two equal.
``request_problems`` (filter ``crossaccount.aws.request_problems``): a role's options for one module, checked by that
module's own ``request_from_options``, so a role refuses exactly what its module refuses, naming the role's variables.
"""

from __future__ import annotations

import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_organizations as v_org
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_profiles as v_profile
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_trust as v_trust
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter, normalize_connection_dict, settings_from
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure

Validator = t.Callable[[t.Any, str], t.Any]


def _iam_name(kind: str) -> Validator:
    return lambda value, option: v.iam_name(value, option, kind)


def _iam_names(kind: str) -> Validator:
    return lambda value, option: v.iam_names(value, option, kind)


KINDS: dict[str, Validator] = {
    "account_id": v.account_id,
    "account_ids": v.account_ids,
    "role_arn": v.role_arn,
    "role_arns": v.role_arns,
    "principal_arn": v.principal_arn,
    "policy_arn": v.policy_arn,
    "role_name": _iam_name("role"),
    "user_name": _iam_name("user"),
    "group_name": _iam_name("group"),
    "policy_name": _iam_name("policy"),
    "role_names": _iam_names("role"),
    "user_names": _iam_names("user"),
    "group_names": _iam_names("group"),
    "iam_path": v.iam_path,
    "external_id": v_session.external_id,
    "session_name": v_session.session_name,
    "source_identity": v_session.source_identity,
    "duration": v_session.duration,
    "max_session_duration": v_session.max_session_duration,
    "mfa_serial": v_session.mfa_serial,
    "wait_timeout": v_session.wait_timeout,
    "endpoint_url": v_session.endpoint_url,
    "tags": v.tags,
    "session_tags": v_session.session_tags,
    "policy_arns": v_session.policy_arns,
    "policy_document": v.policy_document,
    "via": v_session.via,
    "organization_id": v_org.organization_id,
    "organization_paths": v_org.organization_paths,
    "principal_patterns": v_trust.principal_patterns,
    "lint_mode": v_trust.lint_mode,
    "profile_name": v_profile.profile_name,
}


def problems(checks: t.Mapping[str, t.Any]) -> list[str]:
    """``{option: [kind, value]}`` -> one message per refused value, in the order given.

    A value of None (or "") means "not set" and is skipped: required-ness is the argument spec's job.
    """
    if not isinstance(checks, t.Mapping):
        raise ValidationFailure("checks", f"must be a dict of option name to [kind, value], got {v.show(checks)}")
    found = []
    for option, check in checks.items():
        if not isinstance(check, (list, tuple)) or len(check) != 2:
            raise ValidationFailure(str(option), f"must be given as [kind, value], got {v.show(check)}")
        kind, value = check
        if kind not in KINDS:
            raise ValidationFailure(str(option), f"must name a known kind ({', '.join(sorted(KINDS))}), got {v.show(kind)}")
        if value is None or value == "":
            continue
        try:
            KINDS[kind](value, str(option))
        except ValidationFailure as exc:
            found.append(exc.msg)
    return found


# --- whole requests: a role's options checked by its module's own request builder ---

def _request_builders() -> dict[str, t.Callable[[OptionAdapter], t.Any]]:
    # Imported on use: the logic files pull in the policy engine, which a role's value checks do not need.
    from ansible_collections.crossaccount.aws.plugins.module_utils import _source_policy, _target_role, _verify_access

    return {
        "target_role": _target_role.request_from_options,
        "source_policy": _source_policy.request_from_options,
        "verify_access": _verify_access.request_from_options,
    }


REQUEST_MODULES = ("target_role", "source_policy", "verify_access")
# Once a required option has been refused, this value stands in for it so that the other options are still
# checked (a request builder stops at its first problem, and without the option it would stop there again).
_REQUIRED_STAND_INS = {"name": "stand-in"}


def _top(option: str) -> str:
    """``trusted_account_ids[0]`` and ``trusted_oidc.provider`` belong to ``trusted_account_ids`` and ``trusted_oidc``."""
    return option.split("[", 1)[0].split(".", 1)[0]


def request_problems(module: str, options: t.Mapping[str, t.Any], connection: t.Any = None) -> list[str]:
    """What ``module`` refuses of the options a role will give it, each message naming the role's variable.

    ``options`` is ``{module option: [variable, value]}``; None and "" mean "not given" (the role omits them).
    ``connection`` is ``[variable, dict of connection options]`` (the role's ``*_aws``). The module's request
    builder is run until it accepts: each option it refuses is set aside and the rest checked again, so every
    independent problem is reported at once. No AWS call is made.
    """
    if module not in REQUEST_MODULES:
        raise ValidationFailure("module", f"must be one of {', '.join(REQUEST_MODULES)}, got {v.show(module)}")
    if not isinstance(options, t.Mapping):
        raise ValidationFailure("options", f"must be a dict of module option to [variable, value], got {v.show(options)}")
    names: dict[str, str] = {}
    values: dict[str, t.Any] = {}
    for option, pair in options.items():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not isinstance(pair[0], str):
            raise ValidationFailure(str(option), f"must be given as [variable, value], got {v.show(pair)}")
        names[str(option)] = pair[0]
        if pair[1] is not None and pair[1] != "":
            values[str(option)] = pair[1]
    found: list[str] = []
    if connection is not None:
        if not isinstance(connection, (list, tuple)) or len(connection) != 2 or not isinstance(connection[0], str):
            raise ValidationFailure("connection", f"must be given as [variable, dict], got {v.show(connection)}")
        variable, data = connection
        try:
            normalized = normalize_connection_dict(data or {}, variable)
            settings_from(OptionAdapter.from_dict(normalized), f"{variable}.")
        except ValidationFailure as exc:
            found.append(exc.msg)
    build = _request_builders()[module]
    refused: set[str] = set()
    while True:
        try:
            build(OptionAdapter.from_dict(values))
            break
        except ValidationFailure as exc:
            top = _top(exc.option)
            variable = names.get(top)
            message = f"{variable}{exc.msg[len(top):]}" if variable else exc.msg
            if message not in found:
                found.append(message)
            if top in refused or top not in values:
                # A requirement that setting the option aside cannot meet: nothing more to learn.
                break
            refused.add(top)
            if top in _REQUIRED_STAND_INS:
                values[top] = _REQUIRED_STAND_INS[top]
            else:
                del values[top]
    return found
