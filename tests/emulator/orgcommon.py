# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Organizations operations share: id patterns, AWS's input validation errors and paging."""

from __future__ import annotations

import base64
import json
import re
import typing as t

from emulator.wsgi import AwsError

MAX_RESULTS = 20
ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
OU_ID_RE = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
ROOT_ID_RE = re.compile(r"^r-[0-9a-z]{4,32}$")
PARENT_ID_RE = re.compile(r"^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
POLICY_ID_RE = re.compile(r"^p-[0-9a-zA-Z_]{8,128}$")
TARGET_ID_RE = re.compile(r"^(r-[0-9a-z]{4,32})|(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
TOKEN_PREFIX = "AAEAAUemu"


def invalid(message: str, reason: str) -> AwsError:
    return AwsError(400, "InvalidInputException", message, extra={"Reason": reason})


def page(params: dict[str, t.Any], action: str, scope: str, items: list[t.Any],
         max_results: int | None = MAX_RESULTS) -> tuple[list[t.Any], str | None]:
    """One page of ``items`` and the NextToken of the next one (None on the last page).

    A token is bound to the operation and its scope (e.g. the parent id), like AWS's opaque tokens.
    """
    size = MAX_RESULTS
    if max_results is not None and params.get("MaxResults") is not None:
        size = params["MaxResults"]
        if not isinstance(size, int) or isinstance(size, bool):
            raise AwsError(400, "SerializationException", "NUMBER_VALUE cannot be converted to Integer")
        if size < 1:
            raise invalid(f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
                          "Member must have value greater than or equal to 1", "MIN_VALUE_EXCEEDED")
        if size > max_results:
            raise invalid(f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
                          f"Member must have value less than or equal to {max_results}", "MAX_VALUE_EXCEEDED")
    offset = 0
    token = params.get("NextToken")
    if token is not None:
        try:
            if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
                raise ValueError(token)
            raw = base64.urlsafe_b64decode(token[len(TOKEN_PREFIX):].encode() + b"==")
            decoded = json.loads(raw)
            if decoded["a"] != action or decoded["s"] != scope:
                raise ValueError(token)
            offset = int(decoded["o"])
        except (ValueError, KeyError, TypeError) as exc:
            raise invalid("The specified NextToken is not valid.", "INVALID_NEXT_TOKEN") from exc
    chunk = items[offset:offset + size]
    next_offset = offset + size
    if next_offset >= len(items):
        return chunk, None
    raw = json.dumps({"a": action, "s": scope, "o": next_offset}, separators=(",", ":")).encode()
    return chunk, TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def paged(key: str, page: tuple[list[t.Any], str | None]) -> dict[str, t.Any]:
    items, token = page
    out: dict[str, t.Any] = {key: items}
    if token is not None:
        out["NextToken"] = token
    return out


def required(params: dict[str, t.Any], name: str, pattern: re.Pattern[str], field: str) -> str:
    value = params.get(name)
    if value is None:
        raise invalid(f"1 validation error detected: Value null at '{field}' failed to satisfy constraint: "
                      "Member must not be null", "INPUT_REQUIRED")
    if not isinstance(value, str) or not pattern.match(value):
        raise invalid(f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
                      f"Member must satisfy regular expression pattern: {pattern.pattern}", "INVALID_PATTERN")
    return value


def text(params: dict[str, t.Any], name: str, field: str, max_length: int, optional: bool = False,
         min_length: int = 1) -> str | None:
    """A free-text parameter (a name, a description, a document) checked for presence and length."""
    value = params.get(name)
    if value is None:
        if optional:
            return None
        raise invalid(f"1 validation error detected: Value null at '{field}' failed to satisfy constraint: "
                      "Member must not be null", "INPUT_REQUIRED")
    if not isinstance(value, str):
        raise AwsError(400, "SerializationException", f"Unexpected value type for {name}")
    if len(value) > max_length:
        raise invalid(f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have "
                      f"length less than or equal to {max_length}", "MAX_LENGTH_EXCEEDED")
    if len(value) < min_length:
        raise invalid(f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have "
                      f"length greater than or equal to {min_length}", "MIN_LENGTH_EXCEEDED")
    return value
