# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: a module's argument specification as one object, and the input checks that
must come before ansible-core sees the parameters.

``ArgumentSpec`` holds an ``argument_spec`` together with its ``mutually_exclusive``, ``required_together``,
``required_one_of``, ``required_if`` and ``required_by`` rules, so that an option group (the connection
options, the trust intent) is declared once, with its rules, and composed with ``merge``. ``kwargs()`` is
what both AnsibleModule and ansible-core's ``ArgumentSpecValidator`` take, so a runner without AnsibleModule
validates exactly as the module does.

``refusal(argument_spec, params)`` is pure: the first parameter ansible-core would mishandle, as the message
to fail with and the argument spec to fail under (the offending options taken as raw ``no_log`` values, so
neither the failure's ``invocation`` nor a syslog line shows them), or None.
"""

from __future__ import annotations

import copy
import typing as t
from dataclasses import dataclass, field

from ansible.module_utils.common.validation import check_type_dict

Spec = t.Dict[str, t.Dict[str, t.Any]]


@dataclass(frozen=True)
class ArgumentSpec:
    """An argument spec with its cross-option rules (the keyword arguments of AnsibleModule of the same names)."""

    argument_spec: t.Mapping[str, t.Mapping[str, t.Any]] = field(default_factory=dict)
    mutually_exclusive: tuple[tuple[str, ...], ...] = ()
    required_together: tuple[tuple[str, ...], ...] = ()
    required_one_of: tuple[tuple[str, ...], ...] = ()
    # (option, value, requirements) or (option, value, requirements, any): AnsibleModule's required_if entries.
    required_if: tuple[tuple[t.Any, ...], ...] = ()
    required_by: t.Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def merge(self, *others: ArgumentSpec) -> ArgumentSpec:
        """This spec with the options and rules of ``others`` (a later option of the same name wins)."""
        spec = dict(self.argument_spec)
        result = self
        for other in others:
            spec.update(other.argument_spec)
            result = ArgumentSpec(
                argument_spec=spec,
                mutually_exclusive=result.mutually_exclusive + other.mutually_exclusive,
                required_together=result.required_together + other.required_together,
                required_one_of=result.required_one_of + other.required_one_of,
                required_if=result.required_if + other.required_if,
                required_by={**result.required_by, **other.required_by},
            )
        return result

    def with_options(self, **changes: t.Mapping[str, t.Any]) -> ArgumentSpec:
        """This spec with some options' settings changed, e.g. ``with_options(role_arn={"required": True})``."""
        spec = {name: dict(option) for name, option in self.argument_spec.items()}
        for name, settings in changes.items():
            spec[name] = {**spec.get(name, {}), **settings}
        return ArgumentSpec(spec, self.mutually_exclusive, self.required_together, self.required_one_of, self.required_if, self.required_by)

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(self.argument_spec)

    def spec(self) -> Spec:
        """A fresh copy of the argument spec (AnsibleModule and the validator may write into it)."""
        return copy.deepcopy({name: dict(option) for name, option in self.argument_spec.items()})

    def kwargs(self, argument_spec: Spec | None = None) -> dict[str, t.Any]:
        """Keyword arguments for AnsibleModule and for ArgumentSpecValidator (only the rules that are set)."""
        result: dict[str, t.Any] = {"argument_spec": self.spec() if argument_spec is None else argument_spec}
        for name in ("mutually_exclusive", "required_together", "required_one_of", "required_if"):
            rules = getattr(self, name)
            if rules:
                result[name] = [list(rule) for rule in rules]
        if self.required_by:
            result["required_by"] = {name: list(required) for name, required in self.required_by.items()}
        return result


@dataclass(frozen=True)
class Refusal:
    """Parameters to refuse before ansible-core validates (and logs) them."""

    msg: str
    # The argument spec to validate under while failing: the offending options are raw and no_log.
    argument_spec: Spec


def _names(name: str, option: t.Mapping[str, t.Any]) -> tuple[str, ...]:
    return (name, *(option.get("aliases") or ()))


def _masked(argument_spec: t.Mapping[str, t.Mapping[str, t.Any]], names: t.Iterable[str], unknown: t.Iterable[str] = ()) -> Spec:
    """The spec with ``names`` taken as raw no_log values (keeping their aliases) and ``unknown`` names added as such."""
    spec = copy.deepcopy({name: dict(option) for name, option in argument_spec.items()})
    for name in names:
        spec[name] = {key: spec[name][key] for key in ("aliases",) if key in spec[name]}
        spec[name].update(type="raw", no_log=True)
    for name in unknown:
        spec[name] = {"type": "raw", "no_log": True}
    return spec


def _contains_nul(value: t.Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_contains_nul(item) for item in value)
    return False


def _nul_option(argument_spec: t.Mapping[str, t.Mapping[str, t.Any]], params: t.Mapping[str, t.Any]) -> tuple[str, str] | None:
    """(spec name, name used) of an option whose value holds a NUL character.

    ansible-core 2.21 logs the module arguments to syslog before validating them, and syslog refuses
    NUL: the module would fail with a message about syslog that does not name the option.
    """
    for name, option in argument_spec.items():
        for used in _names(name, option):
            if _contains_nul(params.get(used)):
                return name, used
    return None


def _is_dict_text(value: str) -> bool:
    try:
        check_type_dict(value)
    except (TypeError, ValueError):
        return False
    return True


def _non_dict_suboptions(argument_spec: t.Mapping[str, t.Mapping[str, t.Any]], params: t.Mapping[str, t.Any]) -> tuple[str, str, t.Any] | None:
    """(spec name, name used, value) of a ``type: dict`` option with sub-options given something that is no dict.

    ansible-core validates such sub-options before the option's own type: a number or boolean there
    crashes it with a TypeError traceback, and a list or plain word fails with a message that does not
    name the option (ansible-core 2.19).
    """
    for name, option in argument_spec.items():
        if option.get("type") != "dict" or not option.get("options"):
            continue
        for used in _names(name, option):
            value = params.get(used)
            if value is None or isinstance(value, dict) or (isinstance(value, str) and _is_dict_text(value)):
                continue
            return name, used, value
    return None


def _unsupported(argument_spec: t.Mapping[str, t.Mapping[str, t.Any]], params: t.Mapping[str, t.Any]) -> tuple[list[str], list[str], list[str]]:
    """(unknown top-level names, dict options holding an unknown key, the unknown names as messages show them).

    ansible-core fails on unknown parameters itself, but its failure echoes their values in
    ``invocation.module_args`` (-vvv) and in the syslog line: a secret under a misspelt key
    (``target_aws.secret_access_key``, ``aws_secret_key_id``) would be printed.
    """
    known: dict[str, str] = {}
    for name, option in argument_spec.items():
        for used in _names(name, option):
            known[used] = name
    top = [key for key in params if key not in known and not key.startswith("_ansible_")]
    holders: list[str] = []
    names = list(top)
    for used, value in params.items():
        option = argument_spec.get(known.get(used, ""), {})
        if option.get("type") != "dict" or not option.get("options") or not isinstance(value, t.Mapping):
            continue
        sub_known = {sub for sub_name, sub_option in option["options"].items() for sub in _names(sub_name, sub_option)}
        unknown = [f"{used}.{key}" for key in value if key not in sub_known]
        if unknown:
            holders.append(known[used])
            names.extend(unknown)
    return top, holders, names


def refusal(argument_spec: t.Mapping[str, t.Mapping[str, t.Any]], params: t.Mapping[str, t.Any]) -> Refusal | None:
    """The first problem among NUL characters, non-dict sub-options and unknown names; None when there is none.

    Only names are reported, never values: whatever was given under an unknown name or in a malformed
    option may be a secret.
    """
    nul = _nul_option(argument_spec, params)
    if nul is not None:
        # no_log keeps the value out of the logged invocation; raw keeps type checks from failing first.
        name, used = nul
        return Refusal(f"{used}: must not contain a NUL character", _masked(argument_spec, [name]))
    bad = _non_dict_suboptions(argument_spec, params)
    if bad is not None:
        # Everything else is validated as usual, with the bad option taken as it is. The option is no_log as
        # a whole: taken as raw, it loses the no_log of its sub-options, and a list such as [{secret_key: ...}]
        # (an indentation slip) would be echoed at -vvv and in syslog.
        name, used, value = bad
        return Refusal(f"{used}: must be a dictionary of options, got {type(value).__name__}", _masked(argument_spec, [name]))
    top, holders, unknown = _unsupported(argument_spec, params)
    if unknown:
        # The names valid where the first unknown one was given: the module's, or the dict option's.
        where = argument_spec[holders[0]]["options"] if not top else argument_spec
        supported = sorted(used for name, option in where.items() for used in _names(name, option))
        return Refusal(
            f"Unsupported parameters: {', '.join(unknown)}. Supported parameters{'' if top else ' of ' + holders[0]} include: "
            f"{', '.join(supported)}.",
            _masked(argument_spec, holders, top),
        )
    return None
