# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module aws_profile (AWS CLI config/credentials editing).

Nothing here talks to AWS. The files are read with configparser, exactly as botocore and the
AWS CLI read them, so that a file they cannot read is never "fixed" by guesswork; the edit
itself is a line-level splice of the original text so every other byte survives. Reading, locking and
writing the files safely (links, owners, modes, atomic replace) is ``_private_files``.
"""

from __future__ import annotations

import configparser
import io
import os
import re
import shlex
import stat
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_profiles as v_profile
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from ansible_collections.crossaccount.aws.plugins.module_utils._private_files import (
    FILE_MODE,
    Location,
    directory_lock,
    located,
    read_file,
    restrict_mode,
    write_atomic,
)

if t.TYPE_CHECKING:  # pragma: no cover - typing only; _module imports the module runner
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

STATES = ("present", "absent")
MASK = "********"

# aws_profile makes no AWS call and takes no connection options.
ARGSPEC = ArgumentSpec({
    "name": {"type": "str", "required": True},
    "kind": {"type": "str", "choices": list(v_profile.PROFILE_KINDS), "default": "role"},
    "state": {"type": "str", "choices": list(STATES), "default": "present"},
    "config_file": {"type": "path"},
    "credentials_file": {"type": "path"},
    "role_arn": {"type": "str"},
    "source_profile": {"type": "str"},
    "credential_source": {"type": "str", "choices": list(v_profile.CREDENTIAL_SOURCES)},
    "external_id": {"type": "str"},
    "mfa_serial": {"type": "str"},
    "duration_seconds": {"type": "int"},
    "role_session_name": {"type": "str"},
    # The same aliases as the connection options of every other module, so a secret given under the
    # name used elsewhere is recognised (and masked) rather than echoed as an unsupported parameter.
    "region": {"type": "str", "aliases": ["aws_region"]},
    "endpoint_url": {"type": "str", "aliases": ["aws_endpoint_url"]},
    "access_key": {"type": "str", "aliases": ["aws_access_key_id", "aws_access_key"], "no_log": False},
    "secret_key": {"type": "str", "aliases": ["aws_secret_access_key", "aws_secret_key"], "no_log": True},
    "session_token": {"type": "str", "aliases": ["aws_session_token"], "no_log": True},
})

# Module option -> key in the file, in the order new sections are written.
ROLE_KEYS: dict[str, str] = {
    "role_arn": "role_arn",
    "source_profile": "source_profile",
    "credential_source": "credential_source",
    "external_id": "external_id",
    "mfa_serial": "mfa_serial",
    "duration_seconds": "duration_seconds",
    "role_session_name": "role_session_name",
    "region": "region",
    "endpoint_url": "endpoint_url",
}
CREDENTIAL_KEYS: dict[str, str] = {
    "access_key": "aws_access_key_id",
    "secret_key": "aws_secret_access_key",
    "session_token": "aws_session_token",
    "region": "region",
    "endpoint_url": "endpoint_url",
}
KEYS_BY_KIND = {"role": ROLE_KEYS, "credentials": CREDENTIAL_KEYS}
# botocore still reads the pre-2014 name of the session token, and reads it BEFORE aws_session_token:
# a profile written without removing it would silently use the stale token.
LEGACY_KEYS_BY_KIND: dict[str, tuple[str, ...]] = {"role": (), "credentials": ("aws_security_token",)}
SECRET_FILE_KEYS = frozenset(("aws_secret_access_key", "aws_session_token", "aws_security_token"))

# botocore splits "[profile NAME]" with shlex, so whitespace and quotes would change the name it sees,
# and "]", "[", "#", ";" or a newline would change the INI structure itself.

# The same regular expressions configparser uses, so the splice sees the structure botocore sees.
_SECTION_RE = re.compile(r"\[(?P<header>.+)\]")
_OPTION_RE = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")
_LINE_SPLIT_RE = re.compile(r"(?<=\n)")


@dataclass
class ProfileRequest:
    """Validated aws_profile input: which file, which section, which keys."""

    name: str
    kind: str
    state: str
    path: str
    option: str  # "config_file" or "credentials_file", for messages
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def managed_keys(self) -> tuple[str, ...]:
        return tuple(KEYS_BY_KIND[self.kind].values()) + LEGACY_KEYS_BY_KIND[self.kind]

    @property
    def header(self) -> str:
        """The section header written for a new section."""
        if self.kind == "credentials":
            return self.name
        return "default" if self.name == "default" else f"profile {self.name}"

    def matches(self, header: str) -> bool:
        """Whether an existing section header is this profile, the way botocore decides it."""
        if self.kind == "credentials":
            return header == self.name
        if header == "default":
            return self.name == "default"
        if not header.startswith("profile"):
            return False
        try:
            parts = shlex.split(header)
        except ValueError:
            return False
        return len(parts) == 2 and parts[0] == "profile" and parts[1] == self.name

    def public_settings(self) -> dict[str, str]:
        return {key: value for key, value in self.settings.items() if key not in SECRET_FILE_KEYS}


# --- validation (no file access) ---


def default_file(kind: str, environ: t.Mapping[str, str] | None = None) -> tuple[str, str]:
    """(option name, path) of the file a kind writes, defaulting to what the AWS CLI reads."""
    env = os.environ if environ is None else environ
    if kind == "credentials":
        return "credentials_file", env.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join("~", ".aws", "credentials")
    return "config_file", env.get("AWS_CONFIG_FILE") or os.path.join("~", ".aws", "config")


def _role_settings(opts: OptionAdapter) -> dict[str, str]:
    values = v_profile.profile_role_settings({option: opts.get(option) for option in v_profile.PROFILE_ROLE_OPTIONS})
    for option in ("region", "endpoint_url"):
        values[option] = opts.get(option)
    return {key: str(values[opt]) for opt, key in ROLE_KEYS.items() if values.get(opt) not in (None, "")}


def _credential_settings(opts: OptionAdapter) -> dict[str, str]:
    v_profile.profile_credentials({option: opts.get(option) for option in v_profile.PROFILE_CREDENTIAL_OPTIONS})
    return {key: str(opts.get(opt)) for opt, key in CREDENTIAL_KEYS.items() if opts.get(opt) is not None}


def request_from_options(opts: OptionAdapter, environ: t.Mapping[str, str] | None = None) -> ProfileRequest:
    """Validate every option before any file is touched (``environ``: the managed host's, for the default paths)."""
    name = v_profile.profile_name(opts.get("name"))
    kind = v.choice(opts.get("kind") or "role", "kind", v_profile.PROFILE_KINDS)
    state = v.choice(opts.get("state") or "present", "state", STATES)
    v_profile.profile_options_of_kind({option: opts.get(option) for option in (*v_profile.PROFILE_ROLE_OPTIONS, *v_profile.PROFILE_CREDENTIAL_OPTIONS)}, kind)
    option, default_path = default_file(kind, environ)
    path = v_profile.profile_file(opts.get(option) or default_path, option)
    path = os.path.abspath(os.path.expanduser(os.path.expandvars(path)))
    settings: dict[str, str] = {}
    if state == "present":
        for opt in ("region", "endpoint_url"):
            if opts.get(opt) is not None:
                v_profile.profile_value(str(opts.get(opt)), opt)
        region = opts.get("region")
        if region:
            v_session.region(region, "region")
        endpoint = opts.get("endpoint_url")
        if endpoint:
            v_session.endpoint_url(endpoint, "endpoint_url")
        settings = _role_settings(opts) if kind == "role" else _credential_settings(opts)
        for key, value in settings.items():
            if key not in SECRET_FILE_KEYS:
                v_profile.profile_value(value, key)
    return ProfileRequest(name=name, kind=kind, state=state, path=path, option=option, settings=settings)


# --- parsing ---


def split_lines(text: str) -> list[str]:
    """Lines with their own endings ("\\n" or "\\r\\n" kept), so joining them gives the text back."""
    return [line for line in _LINE_SPLIT_RE.split(text) if line]


def parse(text: str, path: str, option: str) -> configparser.RawConfigParser:
    # Same parser class and defaults as botocore.configloader: strict, no inline comments.
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text), source=path)
    except configparser.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CrossAccountError(
            f"{option}: {path} cannot be parsed as an AWS shared config file, so it is left untouched: {first_line}"
        ) from None
    return parser


@dataclass
class _Item:
    """One logical piece of a section body: an entry (key line plus continuation lines) or a blank/comment line."""

    lines: list[str]
    key: str | None = None  # lower-cased option name for entries


@dataclass
class _Section:
    header: str
    start: int  # index of the header line
    end: int  # index after the last body line


def _is_comment(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("#") or stripped.startswith(";")


def _indent(line: str) -> int:
    match = re.search(r"\S", line)
    return match.start() if match else 0


def sections(lines: list[str]) -> list[_Section]:
    """Section spans, recognised with configparser's own rules (continuation before header)."""
    found: list[_Section] = []
    in_option = False
    indent_level = 0
    for index, line in enumerate(lines):
        if _is_comment(line) or not line.strip():
            continue
        current = _indent(line)
        if in_option and current > indent_level:
            continue
        indent_level = current
        match = _SECTION_RE.match(line.strip())
        if match:
            if found:
                found[-1].end = index
            found.append(_Section(header=match.group("header"), start=index, end=len(lines)))
            in_option = False
        else:
            in_option = bool(found)
    return found


def _body_items(body: list[str]) -> list[_Item]:
    items: list[_Item] = []
    entry: _Item | None = None
    indent_level = 0
    for line in body:
        if _is_comment(line) or not line.strip():
            items.append(_Item([line]))
            continue
        current = _indent(line)
        if entry is not None and current > indent_level:
            entry.lines.append(line)
            continue
        indent_level = current
        match = _OPTION_RE.match(line.strip())
        key = match.group("option").rstrip().lower() if match else None
        entry = _Item([line], key)
        items.append(entry)
    return items


def _newline(lines: list[str]) -> str:
    # Keep a file's line-ending convention for the lines we add.
    crlf = sum(1 for line in lines if line.endswith("\r\n"))
    return "\r\n" if crlf and crlf * 2 >= len(lines) else "\n"


def _terminated(line: str, nl: str) -> str:
    return line if line.endswith("\n") else line + nl


def find_section(lines: list[str], request: ProfileRequest) -> _Section | None:
    found = [section for section in sections(lines) if request.matches(section.header)]
    if len(found) > 1:
        # botocore keeps the last of them; editing any one would leave the profile meaning something else.
        headers = ", ".join(f"[{section.header}]" for section in found)
        raise CrossAccountError(
            f"{request.option}: {request.path} has {len(found)} sections for profile {request.name!r} ({headers}); "
            "the AWS CLI uses only the last one, so the file is left untouched: merge them into one by hand"
        )
    return found[0] if found else None


def current_settings(parser: configparser.RawConfigParser, section: _Section | None, request: ProfileRequest) -> dict[str, str]:
    if section is None or not parser.has_section(section.header):
        return {}
    return {key: parser.get(section.header, key) for key in request.managed_keys if parser.has_option(section.header, key)}


# --- editing (pure text in, text out) ---


def render_present(text: str, request: ProfileRequest) -> str:
    """The file text with the profile's section holding exactly the requested managed keys.

    Keys of the profile's kind that were not requested are removed (a stale external_id or
    session token would break the profile); other keys, comments and blank lines in the
    section stay. An entry whose value is unchanged keeps its original bytes.
    """
    # configparser.write() would drop every comment and reformat every section, hence a line splice.
    lines = split_lines(text)
    nl = _newline(lines)
    parser = parse(text, request.path, request.option)
    section = find_section(lines, request)
    if section is None:
        new = [f"[{request.header}]{nl}"] + [f"{key} = {value}{nl}" for key, value in request.settings.items()]
        prefix = list(lines)
        if prefix:
            prefix[-1] = _terminated(prefix[-1], nl)
            if prefix[-1].strip():
                prefix.append(nl)  # a blank line between the last section and the new one
        return "".join(prefix + new)
    existing = current_settings(parser, section, request)
    items = _body_items(lines[section.start + 1:section.end])
    body: list[str] = []
    written: set[str] = set()
    last_entry = -1
    for item in items:
        if item.key in request.managed_keys:
            if item.key not in request.settings or item.key in written:
                continue
            written.add(item.key)
            value = request.settings[item.key]
            body.extend(item.lines if existing.get(item.key) == value else [f"{item.key} = {value}{nl}"])
        else:
            body.extend(item.lines)
        if item.key is not None:
            last_entry = len(body)
    missing = [f"{key} = {value}{nl}" for key, value in request.settings.items() if key not in written]
    if missing:
        insert_at = last_entry if last_entry >= 0 else 0
        head = [lines[section.start]] + body[:insert_at]
        head[-1] = _terminated(head[-1], nl)
        body_after = body[insert_at:]
        rebuilt = head + missing + body_after
    else:
        rebuilt = [lines[section.start]] + body
    return "".join(lines[:section.start] + rebuilt + lines[section.end:])


def render_absent(text: str, request: ProfileRequest) -> str:
    """The file text without the profile's section.

    Comment lines directly above the next section's header describe that section, so they stay.
    """
    lines = split_lines(text)
    parse(text, request.path, request.option)
    section = find_section(lines, request)
    if section is None:
        return text
    keep_from = section.end
    if section.end < len(lines):
        while keep_from > section.start + 1 and _is_comment(lines[keep_from - 1]):
            keep_from -= 1
    return "".join(lines[:section.start] + lines[keep_from:])


def section_text(text: str, request: ProfileRequest, mask: bool = True) -> str:
    """The profile's section (header and body up to the next section), secrets replaced by a mask."""
    lines = split_lines(text)
    section = find_section(lines, request)
    if section is None:
        return ""
    out = [lines[section.start]]
    for item in _body_items(lines[section.start + 1:section.end]):
        if mask and item.key in SECRET_FILE_KEYS:
            ending = "\r\n" if item.lines[0].endswith("\r\n") else "\n"
            out.append(f"{item.key} = {MASK}{ending}")
        else:
            out.extend(item.lines)
    return "".join(out)


def ensure_profile(request: ProfileRequest, check_mode: bool = False) -> dict[str, t.Any]:
    """Apply the request to its file; returns the module result (changed, profile, diff)."""
    # A symlinked ~/.aws/config (dotfiles) is edited where it points, not replaced by a plain file. Every step
    # after the walk is relative to the directory it opened, so swapping a directory for a link meanwhile
    # (a user racing a play that runs as root) changes nothing that is read or written.
    writes = not check_mode and request.state == "present"
    with located(request.path, request.option, create_directories=writes) as where:
        if where is None or check_mode:
            return _apply(request, where, check_mode)
        with directory_lock(where):
            return _apply(request, where, check_mode)


def _apply(request: ProfileRequest, where: Location | None, check_mode: bool) -> dict[str, t.Any]:
    before, info = (None, None) if where is None else read_file(where, request.option)
    after: str | None
    if request.state == "present":
        after = render_present(before or "", request)
    else:
        after = before if before is None else render_absent(before, request)
    content_changed = before != after
    wide_mode = info is not None and stat.S_IMODE(info.st_mode) & 0o077 != 0
    # Tighten a group/world-readable file only when we own its content: it holds what we wrote.
    fix_mode = wide_mode and (request.state == "present" or content_changed)
    changed = content_changed or fix_mode
    if changed and not check_mode and where is not None:
        try:
            if content_changed:
                write_atomic(where, after or "", info)
            else:
                restrict_mode(where, request.option)
        except OSError as exc:
            raise CrossAccountError(f"{request.option}: cannot write {where.path}: {exc.strerror or exc}") from None
    exists_after = request.state == "present"
    if changed:
        file_mode: str | None = f"{FILE_MODE:04o}"
    else:
        file_mode = None if info is None else f"{stat.S_IMODE(info.st_mode):04o}"
    section_header: str | None = None
    if exists_after:
        existing_section = find_section(split_lines(after or ""), request)
        section_header = existing_section.header if existing_section is not None else request.header
    profile: dict[str, t.Any] = {
        "name": request.name,
        "kind": request.kind,
        "state": request.state,
        request.option: request.path,
        "section": section_header,
        "settings": request.public_settings() if exists_after else {},
        "file_mode": file_mode,
        "mode_tightened": fix_mode,
    }
    return {
        "changed": changed,
        "profile": profile,
        "diff": {
            "before_header": f"{request.path} [{request.header}]",
            "after_header": f"{request.path} [{request.header}]",
            "before": section_text(before or "", request),
            "after": section_text(after or "", request),
        },
    }


def handle(module: ModuleContext) -> dict[str, t.Any]:
    request = request_from_options(module.options)
    result = ensure_profile(request, check_mode=module.check_mode)
    if not module.diff_mode:
        result.pop("diff")
    return result
