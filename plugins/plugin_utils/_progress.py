# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection (controller only): the pure parts of the ``progress`` stdout callback.

Per-task tallies of host outcomes with an estimate of the time left, the text of the progress line, the
report table of ``organization_access``, and the escaping that every printed value goes through: host names,
task names, account names and errors can come from AWS, and a terminal obeys control characters (a newline
forges an extra line, ESC starts a sequence that can move the cursor, recolour or retitle the window).
"""

from __future__ import annotations

import collections.abc as c
import dataclasses
import unicodedata

# The fact the role organization_access sets on every host (roles/organization_access/tasks/report.yml).
REPORT_FACT = "organization_access_report"

# Outcomes of one host in one task, in the order the line shows them. ok, changed, failed and skipped are always
# shown; the others only when they happened, to keep the line short.
OUTCOMES = ("ok", "changed", "failed", "skipped", "unreachable", "ignored")
_ALWAYS_SHOWN = frozenset(("ok", "changed", "failed", "skipped"))
# Which outcome colours a finished task's line: the first one present.
_SEVERITY = ("unreachable", "failed", "changed", "ignored", "ok", "skipped")

ELLIPSIS = "..."
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Report columns: (row key, header, widest cell). The bounds keep one row on one line of a usual terminal
# whatever AWS returns; the error column comes last so a long error only pushes the line's end.
REPORT_COLUMNS = (
    ("account_id", "ACCOUNT ID", 20),
    ("account_name", "NAME", 32),
    ("status", "STATUS", 10),
    ("batch", "BATCH", 5),
    ("changed", "CHANGED", 7),
    ("verified", "VERIFIED", 8),
    ("error", "ERROR", 72),
)


def _escape_char(char: str) -> str:
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(value: object, keep_newlines: bool = False) -> str:
    """``value`` as text a terminal shows as it is: control, format and line-separator characters escaped.

    ``str.isprintable`` is the fast path (C speed) for the usual clean text; it is false for controls (C0, DEL,
    C1), format characters (bidirectional overrides, zero-width), line and paragraph separators, surrogates and
    unassigned code points, which are written as ``\\xNN`` / ``\\uNNNN`` (``\\n``, ``\\r``, ``\\t`` by name).
    Spaces other than U+0020 are kept. ``keep_newlines`` keeps ``\\n`` itself (multi-line text we formatted).
    """
    text = value if isinstance(value, str) else str(value)
    if (text.replace("\n", "") if keep_newlines else text).isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or (keep_newlines and char == "\n") or unicodedata.category(char) == "Zs":
            out.append(char)
        else:
            out.append(_escape_char(char))
    return "".join(out)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` (already escaped) takes on a terminal: wide East Asian characters take two."""
    if text.isascii():
        return len(text)
    return sum(_char_width(char) for char in text)


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` columns, ending in ``...`` when something was cut."""
    if display_width(text) <= width:
        return text
    if width <= len(ELLIPSIS):
        return ELLIPSIS[:max(width, 0)]
    room = width - len(ELLIPSIS)
    used = 0
    kept = []
    for char in text:
        used += _char_width(char)
        if used > room:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` columns."""
    return text + " " * max(width - display_width(text), 0)


def format_duration(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from one hour on."""
    whole = max(int(seconds + 0.5), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@dataclasses.dataclass
class TaskTally:
    """The hosts of one task so far. The labels are escaped already (``TASK [name]``, ``HANDLER [role : name]``).

    ``expected`` is how many hosts should report (the active hosts of the batch, or fewer: the notified hosts of a
    handler, one for ``run_once``, the hosts that included the file); None when the callback cannot tell.
    """

    label: str
    started: float
    expected: int | None = None
    outcomes: dict[str, str] = dataclasses.field(default_factory=dict)
    # The label without the role's name (``TASK [name]`` for ``TASK [role : name]``), for a live line short of room.
    short_label: str | None = None

    def record(self, host: str, outcome: str) -> None:
        # A host reports once per task; keyed by host, a repeated report (a retried delivery) is not counted twice.
        self.outcomes[host] = outcome

    @property
    def done(self) -> int:
        return len(self.outcomes)

    @property
    def total(self) -> int | None:
        return None if self.expected is None else max(self.expected, self.done)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for outcome in self.outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def remaining(self, now: float) -> float | None:
        """Seconds left at the rate hosts have completed this task so far; None before the first one."""
        total = self.total
        if total is None or self.done == 0 or self.done >= total:
            return None
        elapsed = max(now - self.started, 0.0)
        return elapsed / self.done * (total - self.done)

    def worst(self) -> str | None:
        present = set(self.outcomes.values())
        return next((outcome for outcome in _SEVERITY if outcome in present), None)

    def summary(self) -> str:
        """``3/4 hosts: ok=1 changed=1 failed=1 skipped=0`` (unreachable and ignored only when there are some)."""
        counts = self.counts()
        parts = [f"{name}={counts[name]}" for name in OUTCOMES if name in _ALWAYS_SHOWN or counts[name]]
        total = self.total
        of = f"{self.done}/{total}" if total is not None else f"{self.done}/?"
        return f"{of} hosts: {' '.join(parts)}"

    def live_line(self, now: float, width: int) -> str:
        """The line redrawn in place while the task runs, at most ``width`` columns (a wrapped line cannot be redrawn)."""
        timing = f"{format_duration(now - self.started)} elapsed"
        left = self.remaining(now)
        if left is not None:
            timing += f", ~{format_duration(left)} left"
        rest = f"{self.summary()} | {timing}"
        label = self.label
        if self.short_label and display_width(f"{label} {rest}") > width:
            label = self.short_label
        return fit(label, rest, width)

    def final_line(self, now: float) -> str:
        return f"{self.label} {self.summary()} | {format_duration(now - self.started)}"


def fit(label: str, rest: str, width: int) -> str:
    """``label rest`` in ``width`` columns: the label is shortened first, then the whole line."""
    line = f"{label} {rest}"
    if display_width(line) <= width:
        return line
    room = width - display_width(rest) - 1
    if room >= 12:
        return f"{truncate(label, room)} {rest}"
    return truncate(line, width)


def report_rows(value: object) -> list[c.Mapping[str, object]] | None:
    """The rows of an ``organization_access_report`` fact; None when the value is not a list (not the role's fact)."""
    if not isinstance(value, c.Sequence) or isinstance(value, (str, bytes)):
        return None
    return [row for row in value if isinstance(row, c.Mapping)]


# Columns holding a boolean: True/False, or their text when the row was templated without native types (2.17).
_BOOLEAN_COLUMNS = frozenset(("changed", "verified"))
_BOOLEAN_TEXT = {"true": True, "yes": True, "false": False, "no": False}


def _cell(key: str, value: object) -> str:
    if value is None:
        return ""
    if key in _BOOLEAN_COLUMNS and isinstance(value, str):
        value = _BOOLEAN_TEXT.get(value.strip().lower(), value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(value)


def report_table(rows: c.Sequence[c.Mapping[str, object]]) -> list[str]:
    """The report as aligned text lines (a header, then one line per row); missing keys are empty cells.

    Every cell is escaped and cut to its column's bound, so an account name or error from AWS can neither break
    the table's lines nor send control sequences to the terminal.
    """
    table = [[header for _key, header, _bound in REPORT_COLUMNS]]
    for row in rows:
        table.append([truncate(_cell(key, row.get(key)), bound) for key, _header, bound in REPORT_COLUMNS])
    widths = [max(display_width(line[index]) for line in table) for index in range(len(REPORT_COLUMNS))]
    return ["  ".join(pad(cell, width) for cell, width in zip(line, widths)).rstrip() for line in table]


def escape_diff(diff: object) -> object:
    """A copy of a result's ``diff`` (a dict or a list of dicts) whose texts are escaped, newlines kept."""
    if isinstance(diff, c.Mapping):
        return {key: escape(value, keep_newlines=True) if isinstance(value, str) else escape_diff(value) for key, value in diff.items()}
    if isinstance(diff, list):
        return [escape_diff(item) for item in diff]
    return diff
