# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of crossaccount.aws.member_access: one member account of the organization_access rollout.

The account's access role is assumed once (the assumed_credentials lookup and its cache), then target_role and
verify_access run one after the other through their own action plugins, so each decides as always whether it runs
in this process or as a module. One task per account instead of two halves what a rollout costs per account on the
controller: a forked worker, its templating, and the second lookup of the same credentials.
"""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import one_line
from ansible_collections.crossaccount.aws.plugins.module_utils._module import COLLECTION_NAME

ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "account": {"type": "dict", "required": True},
    "access_aws": {"type": "dict", "default": {}},
    "role": {"type": "dict", "required": True},
    "probe": {"type": "dict", "default": {}},
    "probe_aws": {"type": "dict", "default": {}},
}
CREDENTIALS_LOOKUP = f"{COLLECTION_NAME}.assumed_credentials"
SKIPPED = {"skipped": True, "changed": False}
# What the ledger reads of each step. The registered result stays this small because the ledger step reads every
# account's result through hostvars, which templates all of it: with the whole role document, invocation and
# policies that was the largest cost of a 500-account rollout after the modules themselves.
OUTCOME_KEYS = ("changed", "failed", "skipped", "msg")
PROBE_KEYS = (*OUTCOME_KEYS, "verified")


def _given(options: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The options with a value: the role leaves an option it does not set empty (a null templated by ansible-core
    2.17/2.18 would become the text "None"), as a task would omit it."""
    return {key: value for key, value in options.items() if value not in (None, "")}


def _outcome(result: t.Mapping[str, t.Any], keys: tuple[str, ...] = OUTCOME_KEYS) -> dict[str, t.Any]:
    """The keys of a step's result that the ledger and a reader of the rollout need."""
    return {key: result[key] for key in keys if result.get(key) is not None}


def _failed(result: t.Mapping[str, t.Any]) -> bool:
    return bool(result.get("failed"))


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core ships no type information

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        _spec, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        account = args["account"]
        probe: dict[str, t.Any] = dict(SKIPPED)
        arn = None
        try:
            credentials = self._access_credentials(str(account.get("access_role_arn") or ""), args["access_aws"], task_vars)
        except AnsibleError as exc:
            role: dict[str, t.Any] = {"failed": True, "msg": one_line(exc.message)}
        else:
            role = self._step("target_role", {**credentials, **_given(args["role"])}, task_vars)
            arn = (role.get("role") or {}).get("arn")
            # In check mode a role that would change does not exist yet (or not in that form): nothing to probe.
            unwritten = self._play_context.check_mode and role.get("changed")
            if account.get("verify") and not _failed(role) and not unwritten:
                probe = self._step("verify_access", {
                    **_given(args["probe_aws"]), **_given(args["probe"]),
                    "role_arn": arn or account.get("role_arn"),
                    "expected_account_id": account.get("account_id"),
                    # Read only to explain a denial.
                    "target_aws": credentials,
                }, task_vars)
        result.update(role={**_outcome(role), **({"role": {"arn": arn}} if arn else {})}, probe=_outcome(probe, PROBE_KEYS),
                      changed=bool(role.get("changed") or probe.get("changed")))
        for key in ("warnings", "deprecations"):
            items = [*(role.get(key) or []), *(probe.get(key) or [])]
            if items:
                result[key] = items
        if "diff" in role:
            result["diff"] = role["diff"]
        failures = [f"{name}: {step['msg']}" for name, step in (("role", role), ("verify", probe)) if _failed(step)]
        if failures:
            result.update(failed=True, msg="; ".join(failures))
        return result

    def _access_credentials(self, access_role_arn: str, access_aws: dict[str, t.Any], task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        lookup = lookup_loader.get(CREDENTIALS_LOOKUP, loader=self._loader, templar=self._templar)
        answer = lookup.run([access_role_arn], variables=task_vars, wait_timeout=0, **access_aws)
        return dict(answer[0])

    def _step(self, module: str, args: dict[str, t.Any], task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        """The result of the module's own action plugin on ``args``, as if it were a task of its own."""
        # Copying the task with its parents would copy every block above it, a tenth of this step's time: the copy
        # shares them (environment, tags and the other inherited keywords are read through them).
        task = self._task.copy(exclude_parent=True)
        task._parent = self._task._parent
        task.action = f"{COLLECTION_NAME}.{module}"
        task.args = args
        action = self._shared_loader_obj.action_loader.get(
            task.action, task=task, connection=self._connection, play_context=self._play_context, loader=self._loader,
            templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        return dict(action.run(task_vars=task_vars))
