# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the one exception type and AWS error formatting.

Every failure inside module_utils is raised as CrossAccountError; modules turn it into
fail_json in one place (_module.run_module) and plugins into AnsibleLookupError.
"""

from __future__ import annotations

import functools
import typing as t

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # pragma: no cover - reported by _connection.require_boto3
    BotoCoreError = ClientError = None  # type: ignore[assignment,misc,unused-ignore]


class CrossAccountError(Exception):
    """A failure that carries everything needed to report it.

    ``extra`` holds additional result keys (for example ``diagnosis``) that the module
    returns alongside ``msg``; they must never contain secrets.
    """

    def __init__(self, msg: str, operation: str | None = None, code: str | None = None, **extra: t.Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.operation = operation
        self.code = code
        self.extra = extra


class ValidationFailure(CrossAccountError):
    """Bad user input, always raised before the first AWS call."""

    def __init__(self, option: str, problem: str, **extra: t.Any) -> None:
        super().__init__(f"{option}: {problem}", **extra)
        self.option = option


def one_line(message: t.Any) -> str:
    """A message with every run of white space (newlines included) made one space: plugins raise Ansible errors
    whose text is printed as it is, and a value quoted in a message must not forge lines of output."""
    return " ".join(str(message).split())


def error_code(exc: BaseException) -> str | None:
    if ClientError is not None and isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def is_error(exc: BaseException, *codes: str) -> bool:
    code = error_code(exc)
    return code is not None and code in codes


def describe(operation: str, exc: BaseException) -> CrossAccountError:
    """One readable line naming the operation and the AWS error code."""
    if ClientError is not None and isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code") or "Unknown"
        message = (err.get("Message") or "").strip().replace("\n", " ")
        return CrossAccountError(f"{operation} failed: {code}: {message}".rstrip(": "), operation=operation, code=code)
    if BotoCoreError is not None and isinstance(exc, BotoCoreError):
        name = type(exc).__name__
        return CrossAccountError(f"{operation} failed: {name}: {exc}", operation=operation, code=name)
    return CrossAccountError(f"{operation} failed: {type(exc).__name__}: {exc}", operation=operation)


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def aws_operation(operation: str, missing: t.Iterable[str] = (), missing_value: t.Any = None) -> t.Callable[[F], F]:
    """Wrap one AWS API call: botocore errors become CrossAccountError naming ``operation``.

    Error codes listed in ``missing`` (e.g. ``NoSuchEntity``) return ``missing_value`` instead,
    so callers can read "absent" without try/except.
    """
    missing_codes = tuple(missing)

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            try:
                return func(*args, **kwargs)
            except CrossAccountError:
                raise
            except Exception as exc:  # botocore raises many unrelated classes; describe() sorts them
                if missing_codes and is_error(exc, *missing_codes):
                    return missing_value
                if (ClientError is not None and isinstance(exc, (ClientError, BotoCoreError))):
                    raise describe(operation, exc) from exc
                raise

        return t.cast(F, wrapper)

    return decorator
