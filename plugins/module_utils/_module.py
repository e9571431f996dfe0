# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the module runner.

Modules build their argspec with ``module_argspec`` and hand a handler to ``run_module``; the
handler raises CrossAccountError for every failure and returns the result dict on success.
"""

from __future__ import annotations

import copy
import typing as t

from ansible.module_utils.basic import AnsibleModule, _load_params, missing_required_lib
from ansible.module_utils.common.validation import check_type_dict
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    BOTO3_IMPORT_ERROR,
    HAS_BOTO3,
    AwsConnection,
    OptionAdapter,
    connection_argspec,
    settings_from,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError


def module_argspec(own: dict[str, dict[str, t.Any]], connection: bool = True) -> dict[str, dict[str, t.Any]]:
    spec = connection_argspec() if connection else {}
    spec.update(own)
    return spec


def _non_dict_suboptions(argument_spec: dict[str, t.Any], params: t.Mapping[str, t.Any]) -> tuple[str, str, t.Any] | None:
    """(spec name, name used, value) of a ``type: dict`` option with sub-options given something that is no dict.

    ansible-core validates such sub-options before the option's own type: a number or boolean there
    crashes it with a TypeError traceback, and a list or plain word fails with a message that does not
    name the option (ansible-core 2.19).
    """
    for name, spec in argument_spec.items():
        if spec.get("type") != "dict" or not spec.get("options"):
            continue
        for used in (name, *(spec.get("aliases") or ())):
            value = params.get(used)
            if value is None or isinstance(value, dict):
                continue
            if isinstance(value, str):
                try:
                    check_type_dict(value)
                    continue
                except (TypeError, ValueError):
                    pass
            return name, used, value
    return None


def _unsupported(argument_spec: dict[str, t.Any], params: t.Mapping[str, t.Any]) -> tuple[list[str], list[str], list[str]]:
    """(unknown top-level names, dict options holding an unknown key, the unknown names as messages show them).

    ansible-core fails on unknown parameters itself, but its failure echoes their values in
    ``invocation.module_args`` (-vvv) and in the syslog line: a secret under a misspelt key
    (``target_aws.secret_access_key``, ``aws_secret_key_id``) would be printed.
    """
    known: dict[str, str] = {}
    for name, spec in argument_spec.items():
        for used in (name, *(spec.get("aliases") or ())):
            known[used] = name
    top = [key for key in params if key not in known and not key.startswith("_ansible_")]
    holders: list[str] = []
    names = list(top)
    for used, value in params.items():
        spec = argument_spec.get(known.get(used, ""), {})
        if spec.get("type") != "dict" or not spec.get("options") or not isinstance(value, t.Mapping):
            continue
        sub_known = {sub for name, sub_spec in spec["options"].items() for sub in (name, *(sub_spec.get("aliases") or ()))}
        unknown = [f"{used}.{key}" for key in value if key not in sub_known]
        if unknown:
            holders.append(known[used])
            names.extend(unknown)
    return top, holders, names


def _contains_nul(value: t.Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_contains_nul(item) for item in value)
    return False


def _nul_option(argument_spec: dict[str, t.Any], params: t.Mapping[str, t.Any]) -> tuple[str, str] | None:
    """(spec name, name used) of an option whose value holds a NUL character.

    ansible-core 2.21 logs the module arguments to syslog before validating them, and syslog refuses
    NUL: the module would fail with a message about syslog that does not name the option.
    """
    for name, spec in argument_spec.items():
        for used in (name, *(spec.get("aliases") or ())):
            if _contains_nul(params.get(used)):
                return name, used
    return None


class CrossAccountModule:
    """AnsibleModule plus the collection's option adapter and connection factory."""

    def __init__(self, argument_spec: dict[str, t.Any], connection: bool = True, **kwargs: t.Any) -> None:
        kwargs.setdefault("supports_check_mode", True)
        # _load_params() is None under ansible-test's argument-spec introspection.
        params = _load_params() or {}
        nul = _nul_option(argument_spec, params)
        if nul is not None:
            # no_log keeps the value out of the logged invocation; raw keeps type checks from failing first.
            name, used = nul
            spec = copy.deepcopy(argument_spec)
            spec[name] = {key: spec[name][key] for key in ("aliases",) if key in spec[name]}
            spec[name].update(type="raw", no_log=True)
            AnsibleModule(argument_spec=spec, **kwargs).fail_json(msg=f"{used}: must not contain a NUL character")
        bad = _non_dict_suboptions(argument_spec, params)
        if bad is not None:
            # Validate everything else as usual, with the bad option taken as it is, then name it. The
            # option is no_log as a whole: taken as raw, it loses the no_log of its sub-options, and a
            # list such as [{secret_key: ...}] (an indentation slip) would be echoed at -vvv and in syslog.
            name, used, value = bad
            spec = copy.deepcopy(argument_spec)
            spec[name] = {key: spec[name][key] for key in ("aliases",) if key in spec[name]}
            spec[name].update(type="raw", no_log=True)
            AnsibleModule(argument_spec=spec, **kwargs).fail_json(
                msg=f"{used}: must be a dictionary of options, got {type(value).__name__}")
        top, holders, unknown = _unsupported(argument_spec, params)
        if unknown:
            # Known as raw no_log values just for this failure, so that neither the failure nor the syslog
            # line shows what was given under an unknown name; the message names the keys only.
            spec = copy.deepcopy(argument_spec)
            for name in holders:
                spec[name] = {key: spec[name][key] for key in ("aliases",) if key in spec[name]}
                spec[name].update(type="raw", no_log=True)
            for name in top:
                spec[name] = {"type": "raw", "no_log": True}
            # The names valid where the first unknown one was given: the module's, or the dict option's.
            where = argument_spec[holders[0]]["options"] if not top else argument_spec
            supported = sorted(used for name, option in where.items() for used in (name, *(option.get("aliases") or ())))
            AnsibleModule(argument_spec=spec, **kwargs).fail_json(
                msg=f"Unsupported parameters: {', '.join(unknown)}. Supported parameters{'' if top else ' of ' + holders[0]} include: "
                    f"{', '.join(supported)}.")
        self.module = AnsibleModule(argument_spec=argument_spec, **kwargs)
        self.options = OptionAdapter.from_module(self.module)
        self._connection: AwsConnection | None = None
        if connection and not HAS_BOTO3:
            self.module.fail_json(msg=missing_required_lib("boto3 and botocore"), exception=str(BOTO3_IMPORT_ERROR))

    @property
    def params(self) -> dict[str, t.Any]:
        return t.cast("dict[str, t.Any]", self.module.params)

    @property
    def check_mode(self) -> bool:
        return bool(self.module.check_mode)

    @property
    def diff_mode(self) -> bool:
        return bool(self.module._diff)

    def warn(self, message: str) -> None:
        self.module.warn(message)

    def connection(self) -> AwsConnection:
        if self._connection is None:
            self._connection = AwsConnection(settings_from(self.options))
        return self._connection


Handler = t.Callable[[CrossAccountModule], t.Dict[str, t.Any]]


def run_module(module: CrossAccountModule, handler: Handler) -> None:
    """Run ``handler``; a CrossAccountError becomes one readable fail_json, never a traceback."""
    try:
        result = handler(module)
    except CrossAccountError as exc:
        module.module.fail_json(msg=exc.msg, **exc.extra)
    module.module.exit_json(**result)
