# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection (controller only): the ledger of a rollout over many accounts.

One row per account id, saying what the last run that reached the account found there. A run replaces the rows
of the accounts it ran on and keeps every other row, so a ``--limit`` rerun, or two runs at once on one machine,
never lose a row. Three files beside each other: the JSON ledger, a Markdown table of it and the retry file (the
inventory host names to run again with ``--limit @FILE``). They describe the state, not the run: no timestamps
and no per-run values, so a run that changes nothing renders the same bytes and rewrites nothing.

Everything here is pure (text in, text out) except ``write``, whose file I/O goes through ``_private_files``:
one walk of the path, missing directories made 0700 (an existing one keeps its mode), a lock on the directory
for the read-merge-write, each file replaced atomically, 0600.
"""

from __future__ import annotations

import json
import os
import re
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils import _private_files as files
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError

JSON_FILE = "organization_access_report.json"
MARKDOWN_FILE = "organization_access_report.md"
RETRY_FILE = "organization_access.retry"
# The option every file problem is reported under: the role variable that names the directory.
PATH_OPTION = "organization_access_report_path"

STATUSES = ("ok", "failed", "pending", "blocked", "removed")
RETRY_STATUSES = frozenset(("failed", "pending"))
# The keys of a row in the files. ``changed`` is per run, so it lives only in the fact (FACT_KEYS).
FILE_KEYS = ("account_id", "account_name", "host", "role_arn", "access_role_arn", "status", "verified", "error", "batch",
             "joined_method")
FACT_KEYS = (*FILE_KEYS, "changed")
_TEXT_KEYS = ("account_id", "account_name", "host", "role_arn", "access_role_arn", "status", "error", "joined_method")

# What --limit @FILE reads as one host name and nothing else: a pattern character (, : ! & * [ ~ ...) or a line
# break in a host name would select other hosts. The inventory plugin makes only such names.
_SAFE_HOST = re.compile(r"[A-Za-z0-9._-]+")
# Markdown (and the HTML it may carry) reads these as syntax; the backslash is escaped first.
_MARKDOWN_SPECIAL = "\\`*_[](){}#+!|~"
_HTML = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_BLANKS = re.compile(r"[\s\x00-\x1f\x7f]+")


Row = dict[str, t.Any]


def row(**fields: t.Any) -> Row:
    """A row with every file key present and typed (text, booleans, the batch as an int or None)."""
    made: Row = {key: "" for key in _TEXT_KEYS}
    made.update(verified=False, batch=None)
    for key, value in fields.items():
        if key not in FACT_KEYS:
            raise CrossAccountError(f"ledger rows have no key {key!r}")
        made[key] = value
    for key in _TEXT_KEYS:
        made[key] = "" if made[key] is None else str(made[key])
    made["verified"] = made["verified"] is True
    if made["status"] not in STATUSES:
        raise CrossAccountError(f"ledger rows have no status {made['status']!r}")
    batch = made["batch"]
    made["batch"] = batch if isinstance(batch, int) and not isinstance(batch, bool) and batch > 0 else None
    if "changed" in fields:
        made["changed"] = fields["changed"] is True
    return made


def file_row(value: Row) -> Row:
    return {key: value[key] for key in FILE_KEYS}


def fact_row(value: Row) -> Row:
    return {**file_row(value), "changed": value.get("changed") is True}


# --- reading -----------------------------------------------------------------------------------

class Ledger(t.NamedTuple):
    """What a ledger file holds: its settings (role, policy, state of the last run) and its rows by account id."""

    meta: dict[str, t.Any]
    rows: dict[str, Row]


def parse(text: str | None, where: str) -> Ledger:
    """The ledger in ``text`` (the JSON file); an empty ledger when there is no file yet.

    A file that is not a ledger is refused, never overwritten: the directory may hold something else.
    """
    if text is None:
        return Ledger({}, {})
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    accounts = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(accounts, list):
        raise CrossAccountError(f"{PATH_OPTION}: {where} is not a ledger of organization_access (no list of accounts); "
                                "it is left untouched: remove it or choose another directory")
    rows: dict[str, Row] = {}
    for entry in accounts:
        if not isinstance(entry, dict) or not isinstance(entry.get("account_id"), str):
            raise CrossAccountError(f"{PATH_OPTION}: {where} holds a row that is not an account: it is left untouched")
        known = {key: entry[key] for key in FILE_KEYS if key in entry}
        if known.get("status") not in STATUSES:
            known["status"] = "failed"
        rows[known["account_id"]] = row(**known)
    meta = {key: value for key, value in data.items() if key in ("role_name", "role_path", "policy_name", "policy_form", "state")}
    return Ledger(meta, rows)


def role_mismatch(ledger: Ledger, role_name: str, role_path: str) -> str | None:
    """Why this ledger cannot record a rollout of another role (rows are keyed by account id only), or None."""
    name, path = ledger.meta.get("role_name"), ledger.meta.get("role_path")
    if not ledger.rows or (name in (None, role_name) and path in (None, role_path)):
        return None
    return (f"holds the ledger of role {path or '/'}{name} and this run manages {role_path}{role_name}; one ledger follows one role: "
            "use another directory for this role (or take the other role away first)")


# --- merging -----------------------------------------------------------------------------------

def merge(existing: t.Mapping[str, Row], updates: t.Mapping[str, Row]) -> dict[str, Row]:
    """The rows of ``existing`` with those of ``updates`` in their place (and new ones added), by account id."""
    merged = dict(existing)
    merged.update(updates)
    return dict(sorted(merged.items()))


def retained(rows: t.Mapping[str, Row], selected: t.Iterable[str]) -> list[str]:
    """Accounts whose role the ledger still holds (``ok``) that this run did not select (and did not prune)."""
    chosen = set(selected)
    return [account for account, value in sorted(rows.items()) if value["status"] == "ok" and account not in chosen]


def retry_hosts(rows: t.Iterable[Row]) -> tuple[list[str], list[str]]:
    """(host names to retry, accounts that cannot be listed): rows ``failed`` or ``pending`` whose host is a plain name."""
    hosts: set[str] = set()
    unlisted = []
    for value in rows:
        if value["status"] not in RETRY_STATUSES:
            continue
        if _SAFE_HOST.fullmatch(value["host"]):
            hosts.add(value["host"])
        else:
            unlisted.append(value["account_id"])
    return sorted(hosts), sorted(unlisted)


def summary(rows: t.Iterable[Row]) -> dict[str, int]:
    counts = dict.fromkeys(("accounts", *STATUSES), 0)
    for value in rows:
        counts["accounts"] += 1
        counts[value["status"]] += 1
    return counts


# --- rendering ---------------------------------------------------------------------------------

def document(meta: t.Mapping[str, t.Any], rows: t.Mapping[str, Row], selected: t.Iterable[str]) -> dict[str, t.Any]:
    """The JSON ledger: settings of the last run, counts, the accounts retained without prune, and the rows."""
    ordered = [file_row(rows[account]) for account in sorted(rows)]
    retry, unlisted = retry_hosts(ordered)
    return {
        "role_name": meta.get("role_name", ""),
        "role_path": meta.get("role_path", "/"),
        "policy_name": meta.get("policy_name", ""),
        "policy_form": meta.get("policy_form", ""),
        "state": meta.get("state", "present"),
        "summary": summary(ordered),
        "retained": retained(rows, selected),
        "retry": retry,
        "retry_unlisted": unlisted,
        "accounts": ordered,
    }


def render_json(doc: t.Mapping[str, t.Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def markdown_cell(value: t.Any) -> str:
    """Text read from AWS as one Markdown table cell that shows it as text.

    One line (white space and control characters become one space), every character Markdown or HTML would read as
    syntax (links, images, emphasis, code, headings, tables, tags, entities) escaped.
    """
    text = _BLANKS.sub(" ", "" if value is None else str(value)).strip()
    text = "".join("\\" + char if char in _MARKDOWN_SPECIAL else char for char in text)
    for char, entity in _HTML:
        text = text.replace(char, entity)
    return text


_COLUMNS = (("account_id", "account id"), ("account_name", "account name"), ("joined_method", "joined"), ("batch", "batch"),
            ("role_arn", "role ARN"), ("status", "status"), ("verified", "verified"), ("error", "error"))


def render_markdown(doc: t.Mapping[str, t.Any]) -> str:
    counts = doc["summary"]
    role = markdown_cell(f"{doc['role_path']}{doc['role_name']}")
    lines = [f"# Cross-account access: role {role} ({doc['state']})", ""]
    lines.append(f"{counts['accounts']} accounts: " + ", ".join(f"{counts[status]} {status}" for status in STATUSES) + ".")
    if doc["state"] == "present" and doc["policy_form"]:
        lines.append(f"Source policy {markdown_cell(doc['policy_name'])} ({doc['policy_form']} form).")
    retained_accounts = set(doc["retained"])
    if retained_accounts:
        lines.append(f"Retained: {len(retained_accounts)} accounts are ok in the ledger but were not selected in the last run; "
                     "organization\\_access\\_prune takes the role away from them.")
    if doc["retry"]:
        lines.append(f"To retry: {len(doc['retry'])} hosts in {RETRY_FILE} (--limit @{RETRY_FILE}).")
    if doc["retry_unlisted"]:
        lines.append(f"Not in {RETRY_FILE} (host names that --limit would read as patterns): "
                     + ", ".join(markdown_cell(account) for account in doc["retry_unlisted"]) + ".")
    lines += ["", "| " + " | ".join(header for _key, header in _COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for entry in doc["accounts"]:
        cells = []
        for key, _header in _COLUMNS:
            value = entry[key]
            if key == "verified":
                cells.append("yes" if value else "no")
            elif key == "batch":
                cells.append("" if value is None else str(value))
            elif key == "status" and entry["account_id"] in retained_accounts:
                cells.append("ok (retained)")
            else:
                cells.append(markdown_cell(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_retry(doc: t.Mapping[str, t.Any]) -> str:
    return "".join(f"{host}\n" for host in doc["retry"])


def render(doc: t.Mapping[str, t.Any]) -> dict[str, str]:
    """The three files, by name."""
    return {JSON_FILE: render_json(doc), MARKDOWN_FILE: render_markdown(doc), RETRY_FILE: render_retry(doc)}


# --- the files ---------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    # _private_files walks from "/": a relative path is relative to the directory ansible-playbook runs in.
    return os.path.abspath(os.path.expanduser(path))


def read(path: str) -> Ledger:
    """The ledger in the directory ``path`` (empty when there is none yet). Read without the lock: the files are
    only ever replaced whole, so this sees the last complete ledger."""
    target = os.path.join(_absolute(path), JSON_FILE)
    with files.located(target, PATH_OPTION) as where:
        if where is None:
            return Ledger({}, {})
        text, _info = files.read_file(where, PATH_OPTION)
    return parse(text, target)


class Written(t.NamedTuple):
    rows: dict[str, Row]
    document: dict[str, t.Any]
    changed: list[str]
    # Whether an account's row or the ledger's settings changed. The files can change without it: their summary
    # (what is retained) is said from the last run's selection, which differs between slices of one rollout.
    rows_changed: bool


def _rows_changed(before: Ledger, rows: t.Mapping[str, Row], meta: t.Mapping[str, t.Any]) -> bool:
    if any(before.meta.get(key) != value for key, value in meta.items()):
        return True
    return any(account not in before.rows or file_row(before.rows[account]) != file_row(value) for account, value in rows.items())


def write(path: str, meta: t.Mapping[str, t.Any], updates: t.Mapping[str, Row], selected: t.Iterable[str], check_mode: bool = False) -> Written:
    """Merge ``updates`` into the ledger in ``path`` and rewrite the files whose text changed, under the directory's lock.

    In check mode nothing is created or written; the result says which files would change.
    """
    directory = _absolute(path)
    target = os.path.join(directory, JSON_FILE)
    chosen = list(selected)
    with files.located(target, PATH_OPTION, create_directories=not check_mode) as where:
        if where is None:  # check mode, no directory yet: every file would be new
            rows = merge({}, updates)
            doc = document(meta, rows, chosen)
            return Written(rows, doc, sorted(render(doc)), bool(rows))
        with files.directory_lock(where):
            text, _info = files.read_file(where, PATH_OPTION)
            before = parse(text, target)
            rows = merge(before.rows, updates)
            doc = document(meta, rows, chosen)
            changed = []
            for name, content in render(doc).items():
                spot = files.Location(where.dir_fd, where.directory, name)
                old, info = files.read_file(spot, PATH_OPTION)
                if old == content and info is not None and (info.st_mode & 0o777) == files.FILE_MODE:
                    continue
                changed.append(name)
                if not check_mode:
                    files.write_atomic(spot, content, info)
    return Written(rows, doc, sorted(changed), _rows_changed(before, rows, meta))
