# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's refusal of bad arguments, in this process and without AWS (the unit tests' ``offline`` fixture, and
the integration suite's option-consistency table).

The arguments go through what the module process does before its logic runs -- ``_argspec.refusal`` and the module's
ARGSPEC in ansible-core's ArgumentSpecValidator (types, choices, required, mutually exclusive) -- and then through the
logic file's ``handle`` with a ModuleContext whose ``connection()`` validates the connection options, as the module's
does, and then stops the run: so a refusal found here comes before any AWS call. Table-driven bad-input tests of the
logic files use it; the integration suites keep one run of each end-to-end path as a real module process.
"""

from __future__ import annotations

import importlib
import typing as t

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec, refusal
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter, settings_from
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure


class AwsReached(AssertionError):
    """handle() asked for the AWS connection: the input was not refused before the first AWS call."""


class OfflineModule:
    """A ModuleContext over validated parameters, with no AWS connection."""

    def __init__(self, params: dict[str, t.Any], check_mode: bool = False, diff_mode: bool = False) -> None:
        self.params = params
        self.options = OptionAdapter.from_dict(params)
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def deprecate(self, message: str, version: str | None = None, date: str | None = None) -> None:
        self.warnings.append(message)

    def connection(self) -> t.NoReturn:
        # As CrossAccountModule.connection(): the connection options are validated first, without any call.
        settings_from(self.options)
        raise AwsReached("handle() asked for the AWS connection before refusing the input")


def module_entry(module: str) -> tuple[ArgumentSpec, t.Callable[[t.Any], t.Any]]:
    """The ARGSPEC and handle a module's main() runs."""
    loaded = importlib.import_module(f"ansible_collections.crossaccount.aws.plugins.modules.{module}")
    return loaded.ARGSPEC, loaded.handle


def outcome(module: str, args: t.Mapping[str, t.Any], check_mode: bool = False) -> str | None:
    """The message the module fails with for ``args`` before any AWS call, or None when every check passes."""
    argspec, handle = module_entry(module)
    refused = refusal(argspec.argument_spec, args)
    if refused is not None:
        return refused.msg
    result = ArgumentSpecValidator(**argspec.kwargs()).validate(dict(args))
    if result.error_messages:
        return "; ".join(result.error_messages)
    try:
        handle(OfflineModule(result.validated_parameters, check_mode=check_mode))
    except ValidationFailure as exc:
        return exc.msg
    except AwsReached:
        return None
    # A module that makes no AWS call (aws_profile) ran to its end.
    return None


def refusal_of(module: str, args: t.Mapping[str, t.Any]) -> str:
    """The message the module fails with for ``args``, before any AWS call; fails the test when it accepts them."""
    message = outcome(module, args)
    if message is None:
        raise AssertionError(f"{module} accepted {dict(args)!r}")
    return message
