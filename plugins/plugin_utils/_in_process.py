# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection, controller only: run a module's logic inside the controller's worker.

A module task normally costs a new Python process that imports botocore and the collection again
(about a second on a small machine). When the task's connection is local, without become and without
async, the action plugin of each module runs the same logic in the worker instead: the arguments go
through the same serialisation, argument spec, validation and no_log masking as the module's, and the
module's output is produced as the JSON text the module would print, then parsed by ansible-core's own
result parser, so a callback cannot tell the two apart.

Importing this file (which ansible-core's linear and free strategies do in the controller's main process,
when they look up the task's action class) also imports botocore and loads the service models once, and
loads the credentials lookup the roles use on every host: the workers, forked per task, inherit them. A
playbook that never uses the collection never imports it.
"""

from __future__ import annotations

import contextlib
import json
import os
import traceback
import typing as t

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec, refusal
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    CONNECTION_OPTIONS,
    HAS_BOTO3,
    AwsConnection,
    OptionAdapter,
    settings_from,
    share_sdk_data,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from ansible_collections.crossaccount.aws.plugins.module_utils._module import COLLECTION_NAME, Handler

try:  # ansible-core >= 2.19: the module serialisation profiles
    from ansible.module_utils.common.json import Direction, get_module_decoder, get_module_encoder

    _PROFILES = True
except ImportError:  # ansible-core 2.17, 2.18: their encoders are imported where used (_legacy_encoders)
    _PROFILES = False

try:  # ansible-core >= 2.19 keeps internal result keys in the parsed result object
    from ansible.vars.clean import remove_internal_keys
except ImportError:  # pragma: no cover - every supported core has it
    remove_internal_keys = None

display = Display()

EXECUTION_VAR = "crossaccount_aws_execution"
EXECUTION_MODES = ("auto", "module", "in_process")
# Lookups the collection's roles template in a task of every host (the member's credentials). Loaded here, in the
# controller's main process, their code and parsed documentation are inherited by every forked worker, which would
# otherwise import the plugin and parse its documentation again for each account.
WARM_LOOKUPS = ("assumed_credentials",)
# AnsibleModule's serialisation profile for modules that import it (every module of the collection).
PROFILE = "legacy"

if HAS_BOTO3:
    share_sdk_data()
for _lookup in WARM_LOOKUPS:
    lookup_loader.get(f"{COLLECTION_NAME}.{_lookup}", class_only=True)
if _PROFILES:
    # The serialisation profile is imported on first use: once here rather than in every worker.
    for _direction in Direction:
        get_module_encoder(PROFILE, _direction)
        get_module_decoder(PROFILE, _direction)


class InProcessModule:
    """A ModuleContext backed by validated parameters instead of an AnsibleModule."""

    def __init__(self, params: dict[str, t.Any], check_mode: bool, diff_mode: bool) -> None:
        self.params = params
        self.options = OptionAdapter.from_dict(params)
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.warnings: list[str] = []
        self.deprecations: list[dict[str, t.Any]] = []
        self._connection: AwsConnection | None = None

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def deprecate(self, message: str, version: str | None = None, date: str | None = None) -> None:
        self.deprecations.append({"msg": message, "version": version, "date": date, "collection_name": COLLECTION_NAME})

    def connection(self) -> AwsConnection:
        if self._connection is None:
            self._connection = AwsConnection(settings_from(self.options))
        return self._connection


def _internal(params: dict[str, t.Any], name: str, default: t.Any = None) -> t.Any:
    return params.pop(f"_ansible_{name}", default)


def run_logic(argspec: ArgumentSpec, handler: Handler, module_args: dict[str, t.Any]) -> tuple[int, str]:
    """(rc, stdout) of the module given ``module_args`` as the module would receive them.

    The steps are AnsibleModule's: pre-validation, argument spec validation (its messages), the handler,
    then the result formatting of ``exit_json``/``fail_json`` (invocation, warnings, no_log masking).
    """
    params = dict(module_args)
    internal = {key[len("_ansible_"):]: params.pop(key) for key in [key for key in params if key.startswith("_ansible_")]}
    check_mode = bool(internal.get("check_mode"))
    diff_mode = bool(internal.get("diff"))
    name = str(internal.get("module_name", "module"))
    # ansible-core >= 2.21 asks for the invocation (INJECT_INVOCATION, off by default); older cores always add it.
    inject_invocation = bool(internal.get("inject_invocation", True))
    # ansible-core < 2.19 adds the traceback of a failure handled in an except block at -vvv (or with debug).
    traceback_on_failure = not _PROFILES and (bool(internal.get("debug")) or int(internal.get("verbosity") or 0) >= 3)
    warnings: list[str] = []
    deprecations: list[dict[str, t.Any]] = []
    no_log_values: set[str] = set()

    def finish(result: dict[str, t.Any], invocation_params: dict[str, t.Any]) -> tuple[int, str]:
        if inject_invocation:
            result.setdefault("invocation", {"module_args": invocation_params})
        else:
            result.pop("invocation", None)
        if warnings:
            result["warnings"] = list(warnings)
        if deprecations:
            result["deprecations"] = list(deprecations)
        preserved = {key: value for key, value in result.items() if value is None or isinstance(value, bool)}
        result = remove_values(result, no_log_values)
        result.update(preserved)
        if _PROFILES:
            text = json.dumps(result, cls=get_module_encoder(PROFILE, Direction.MODULE_TO_CONTROLLER))
        else:
            text = _legacy_encoders()[0](result)
        return (1 if result.get("failed") else 0), "\n" + text

    refused = refusal(argspec.argument_spec, params)
    if refused is not None:
        # Validated under the spec the refusal chose, so the invocation masks what it must.
        checked = ArgumentSpecValidator(**argspec.kwargs(refused.argument_spec)).validate(params)
        no_log_values.update(checked._no_log_values)
        return finish({"failed": True, "msg": refused.msg}, {**params, **checked.validated_parameters})

    validated = ArgumentSpecValidator(**argspec.kwargs()).validate(params)
    invocation = {**params, **validated.validated_parameters}
    no_log_values.update(validated._no_log_values)
    for item in validated._deprecations:
        deprecations.append({"msg": f"Alias '{item['name']}' is deprecated. See the module docs for more information",
                             "version": item.get("version"), "date": item.get("date"),
                             "collection_name": item.get("collection_name")})
    for item in validated._warnings:
        warnings.append(f"Both option {item['option']} and its alias {item['alias']} are set.")
    if validated.error_messages:
        msg = validated.errors.msg
        if isinstance(validated.errors[0], UnsupportedError):
            msg = f"Unsupported parameters for ({name}) module: {msg}"
        return finish({"failed": True, "msg": msg}, invocation)

    module = InProcessModule(invocation, check_mode, diff_mode)
    try:
        result = handler(module)
    except CrossAccountError as exc:
        result = {**exc.extra, "failed": True, "msg": exc.msg}
        if traceback_on_failure:
            result["exception"] = "".join(traceback.format_tb(exc.__traceback__))
    warnings.extend(module.warnings)
    deprecations.extend(module.deprecations)
    return finish(dict(result), invocation)


@contextlib.contextmanager
def _task_environment(environment: dict[str, str]) -> t.Iterator[None]:
    """The task's ``environment:`` applied to this process, as a module process would see it."""
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class InProcessAction(ActionBase):  # type: ignore[misc]  # ansible-core ships no type information
    """The action plugin of every module: in the controller's worker when it can, as a module otherwise."""

    # Set by each module's action plugin: the module's logic file (its ARGSPEC and handle).
    LOGIC: t.ClassVar[t.Any]

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        del tmp  # no longer has any effect
        task_vars = task_vars or {}
        mode = self._execution_mode(task_vars)
        reason = self._why_not_in_process()
        if mode == "in_process" and reason:
            raise AnsibleActionFail(f"{EXECUTION_VAR}=in_process: this task cannot run in the controller's process: {reason}")
        if mode == "module" or reason:
            wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
        else:
            result = merge_hash(result, self._execute_in_process(task_vars))
        return self.finish_result(result)

    def finish_result(self, result: dict[str, t.Any]) -> dict[str, t.Any]:
        """Hook for a module whose result needs more care on the controller (assume_role censors it)."""
        return result

    def _execution_mode(self, task_vars: dict[str, t.Any]) -> str:
        mode = self._templar.template(task_vars.get(EXECUTION_VAR, "auto"))
        if mode not in EXECUTION_MODES:
            raise AnsibleActionFail(f"{EXECUTION_VAR}: must be one of {', '.join(EXECUTION_MODES)}, got {mode!r}")
        return str(mode)

    def _why_not_in_process(self) -> str | None:
        if getattr(self._connection, "transport", None) != "local":
            return f"its connection is {getattr(self._connection, 'transport', 'unknown')!r}, not local"
        if self._play_context.become:
            return "it uses become"
        if self._task.async_val:
            return "it runs async"
        if not HAS_BOTO3 and set(CONNECTION_OPTIONS) <= set(self.LOGIC.ARGSPEC.options):
            return "boto3/botocore cannot be imported by the controller's Python"
        return None

    def _execute_in_process(self, task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        module_name = self._task.action
        module_args = dict(self._task.args)
        self._update_module_args(module_name, module_args, task_vars)
        environment: dict[str, str] = {}
        self._compute_environment_string(environment)
        with _task_environment(environment):
            rc, stdout = run_logic(self.LOGIC.ARGSPEC, self.LOGIC.handle, _as_module_receives(module_args))
        return self._as_module_result({"rc": rc, "stdout": stdout, "stderr": ""})

    def _as_module_result(self, res: dict[str, t.Any]) -> dict[str, t.Any]:
        """What ``_execute_module`` makes of a module's output, on each supported core."""
        if _PROFILES:
            parsed = self._parse_returned_data(res, PROFILE)
        else:
            parsed = self._parse_returned_data(res)
        if hasattr(parsed, "remove_internal_keys"):  # ansible-core >= 2.20: a result object
            parsed.remove_internal_keys()
            return t.cast("dict[str, t.Any]", parsed.as_result_dict(for_round_trip=True))
        parsed.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(parsed)
        return t.cast("dict[str, t.Any]", parsed)


def _as_module_receives(module_args: dict[str, t.Any]) -> dict[str, t.Any]:
    """The arguments after the trip through AnsiballZ: plain JSON values, no tags, no unsafe wrappers."""
    if _PROFILES:
        text = json.dumps(module_args, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE))
        return t.cast("dict[str, t.Any]", json.loads(text, cls=get_module_decoder(PROFILE, Direction.CONTROLLER_TO_MODULE)))
    return t.cast("dict[str, t.Any]", json.loads(json.dumps(module_args, cls=_legacy_encoders()[1], vault_to_text=True)))


def _legacy_encoders() -> tuple[t.Callable[..., str], type[json.JSONEncoder]]:
    """AnsibleModule's jsonify and the controller's JSON encoder of ansible-core 2.17/2.18, which the newer cores
    replace with serialisation profiles (and deprecate): imported only on the cores that use them."""
    from ansible.module_utils.common.text.converters import jsonify
    from ansible.parsing.ajson import AnsibleJSONEncoder

    return jsonify, AnsibleJSONEncoder
