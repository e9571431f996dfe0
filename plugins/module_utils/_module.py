# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the module runner, and what a logic file's ``handle`` may use of it.

Every logic file exposes ``ARGSPEC`` (an ``_argspec.ArgumentSpec``), ``<X>Request``,
``request_from_options(options)`` and ``handle(module)``; every module's ``main()`` is::

    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)

``handle`` sees the module only through ``ModuleContext``, so that another runner (one without
AnsibleModule, in the controller's process) can call the same ``handle`` with the same ARGSPEC. It raises
CrossAccountError for every failure and returns the result dict on success.
"""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import AnsibleModule, _load_params, missing_required_lib
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec, refusal
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    BOTO3_IMPORT_ERROR,
    CONNECTION_OPTIONS,
    HAS_BOTO3,
    AwsConnection,
    OptionAdapter,
    settings_from,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError

COLLECTION_NAME = "crossaccount.aws"


class ModuleContext(t.Protocol):
    """What ``handle(module)`` may use: the validated parameters, the modes, warnings and the AWS connection."""

    @property
    def params(self) -> dict[str, t.Any]:
        """The parameters as ansible-core validated them (defaults applied, aliases resolved)."""

    @property
    def options(self) -> OptionAdapter:
        """The same parameters, read through the adapter that ``request_from_options`` takes."""

    @property
    def check_mode(self) -> bool:
        """True in check mode: nothing may be written, the result predicts the outcome."""

    @property
    def diff_mode(self) -> bool:
        """True in diff mode: the result carries ``diff``."""

    def warn(self, message: str) -> None:
        """A warning for the task's result (never a secret)."""

    def deprecate(self, message: str, version: str | None = None, date: str | None = None) -> None:
        """A deprecation for the task's result."""

    def connection(self) -> AwsConnection:
        """The AWS connection of the connection options, made on first use."""


Handler = t.Callable[[ModuleContext], t.Dict[str, t.Any]]


class CrossAccountModule:
    """AnsibleModule for an ARGSPEC, plus the collection's option adapter and connection factory (a ModuleContext)."""

    def __init__(self, argspec: ArgumentSpec) -> None:
        # _load_params() is None under ansible-test's argument-spec introspection.
        refused = refusal(argspec.argument_spec, _load_params() or {})
        if refused is not None:
            AnsibleModule(**argspec.kwargs(refused.argument_spec), supports_check_mode=True).fail_json(msg=refused.msg)
        self.module = AnsibleModule(**argspec.kwargs(), supports_check_mode=True)
        self.options = OptionAdapter.from_module(self.module)
        self._connection: AwsConnection | None = None
        # A module that takes the connection options talks to AWS and needs the SDK.
        if set(CONNECTION_OPTIONS) <= set(argspec.options) and not HAS_BOTO3:
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

    def deprecate(self, message: str, version: str | None = None, date: str | None = None) -> None:
        self.module.deprecate(message, version=version, date=date, collection_name=COLLECTION_NAME)

    def connection(self) -> AwsConnection:
        if self._connection is None:
            self._connection = AwsConnection(settings_from(self.options))
        return self._connection


def run_module(module: CrossAccountModule, handler: Handler) -> None:
    """Run ``handler``; a CrossAccountError becomes one readable fail_json, never a traceback."""
    try:
        result = handler(module)
    except CrossAccountError as exc:
        module.module.fail_json(msg=exc.msg, **exc.extra)
    module.module.exit_json(**result)
