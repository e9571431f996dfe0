# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the pure parts of the progress callback: escaping, widths, tallies, the report table."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _progress as progress


@pytest.mark.parametrize("raw, shown", [
    ("member-001", "member-001"),
    ("evil\x1b[31mred", "evil\\x1b[31mred"),  # ESC: an ANSI sequence would recolour the terminal
    ("two\nlines", "two\\nlines"),
    ("back\rover", "back\\rover"),
    ("tab\there", "tab\\there"),
    ("nul\x00del\x7f", "nul\\x00del\\x7f"),
    ("c1 csi \x9b2J", "c1 csi \\x9b2J"),  # 8-bit CSI, obeyed by some terminals
    ("bidi \u202egnp.exe", "bidi \\u202egnp.exe"),  # right-to-left override
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("line\u2028sep", "line\\u2028sep"),
    ("nbsp\u00a0kept", "nbsp\u00a0kept"),
    ("Ünïcödé 名前", "Ünïcödé 名前"),
    (12, "12"),
    (None, "None"),
])
def test_escape_leaves_nothing_a_terminal_obeys(raw, shown):
    assert progress.escape(raw) == shown


def test_escape_can_keep_newlines_of_text_we_formatted():
    assert progress.escape('{\n    "msg": "a\x1b]0;title\x07"\n}', keep_newlines=True) == '{\n    "msg": "a\\x1b]0;title\\x07"\n}'
    assert progress.escape("a\r\nb", keep_newlines=True) == "a\\r\nb"


def test_widths_count_wide_characters_twice_and_combining_marks_not_at_all():
    assert progress.display_width("abc") == 3
    assert progress.display_width("名前") == 4
    assert progress.display_width("e\u0301") == 1


@pytest.mark.parametrize("text, width, cut", [
    ("short", 10, "short"),
    ("exactly-10", 10, "exactly-10"),
    ("much too long for it", 10, "much to..."),
    ("名前名前名前", 7, "名前..."),
    ("abcdef", 3, "..."),
    ("abcdef", 2, ".."),
])
def test_truncate_bounds_the_columns(text, width, cut):
    assert progress.truncate(text, width) == cut
    assert progress.display_width(progress.truncate(text, width)) <= width


@pytest.mark.parametrize("seconds, shown", [(0, "0:00"), (0.4, "0:00"), (59.6, "1:00"), (61, "1:01"), (3599, "59:59"),
                                            (3600, "1:00:00"), (36125, "10:02:05"), (-3, "0:00")])
def test_durations(seconds, shown):
    assert progress.format_duration(seconds) == shown


def tally(expected=4, outcomes=()):
    result = progress.TaskTally("TASK [Create the role]", started=100.0, expected=expected)
    for host, outcome in outcomes:
        result.record(host, outcome)
    return result


def test_tally_counts_each_host_once_and_shows_rare_outcomes_only_when_they_happened():
    running = tally(outcomes=[("a", "ok"), ("b", "changed"), ("b", "changed"), ("c", "failed")])
    assert running.done == 3
    assert running.summary() == "3/4 hosts: ok=1 changed=1 failed=1 skipped=0"
    running.record("d", "unreachable")
    assert running.summary() == "4/4 hosts: ok=1 changed=1 failed=1 skipped=0 unreachable=1"
    assert tally(outcomes=[("a", "ignored")]).summary() == "1/4 hosts: ok=0 changed=0 failed=0 skipped=0 ignored=1"


def test_tally_total_is_never_below_the_hosts_that_reported_and_may_be_unknown():
    assert tally(expected=1, outcomes=[("a", "ok"), ("b", "ok")]).summary().startswith("2/2 hosts")
    assert tally(expected=None, outcomes=[("a", "ok")]).summary().startswith("1/? hosts")


def test_remaining_time_is_the_per_host_rate_so_far_applied_to_the_hosts_left():
    running = tally(expected=10, outcomes=[("a", "ok"), ("b", "ok")])
    assert running.remaining(now=120.0) == pytest.approx(80.0)  # 2 hosts in 20 s, 8 to go
    assert tally(expected=10).remaining(now=120.0) is None  # no host yet: no rate
    assert tally(expected=1, outcomes=[("a", "ok")]).remaining(now=120.0) is None  # done
    assert tally(expected=None, outcomes=[("a", "ok")]).remaining(now=120.0) is None


def test_live_line_has_counts_elapsed_and_estimate_within_the_width():
    running = tally(expected=10, outcomes=[("a", "ok"), ("b", "changed")])
    line = running.live_line(now=130.0, width=200)
    assert line == "TASK [Create the role] 2/10 hosts: ok=1 changed=1 failed=0 skipped=0 | 0:30 elapsed, ~2:00 left"
    narrow = running.live_line(now=130.0, width=90)
    assert progress.display_width(narrow) <= 90
    assert narrow.startswith("TASK [Cr") and narrow.endswith("| 0:30 elapsed, ~2:00 left")
    assert progress.display_width(running.live_line(now=130.0, width=30)) <= 30


def test_live_line_short_of_room_drops_the_role_name_before_cutting_the_task_name():
    running = progress.TaskTally("TASK [crossaccount.aws.organization_access : Create or update the role]", started=100.0, expected=8,
                                 short_label="TASK [Create or update the role]")
    running.record("a", "changed")
    assert running.live_line(now=110.0, width=200).startswith("TASK [crossaccount.aws.organization_access : Create or update the role] 1/8")
    assert running.live_line(now=110.0, width=110) == ("TASK [Create or update the role] 1/8 hosts: ok=0 changed=1 failed=0 skipped=0 | 0:10 elapsed, "
                                                       "~1:10 left")
    assert running.live_line(now=110.0, width=100).startswith("TASK [Create or update th...")
    assert running.final_line(now=110.0).startswith("TASK [crossaccount.aws.organization_access : Create or update the role] 1/8")


def test_final_line_has_counts_and_duration_and_the_worst_outcome_colours_it():
    done = tally(expected=2, outcomes=[("a", "changed"), ("b", "skipped")])
    assert done.final_line(now=165.0) == "TASK [Create the role] 2/2 hosts: ok=0 changed=1 failed=0 skipped=1 | 1:05"
    assert done.worst() == "changed"
    assert tally(outcomes=[("a", "ok"), ("b", "unreachable"), ("c", "failed")]).worst() == "unreachable"
    assert tally(outcomes=[("a", "skipped")]).worst() == "skipped"
    assert tally().worst() is None


@pytest.mark.parametrize("value, rows", [
    ([{"account_id": "1"}, "junk", {"account_id": "2"}], [{"account_id": "1"}, {"account_id": "2"}]),
    ([], []),
    ("not a list", None),
    ({"account_id": "1"}, None),
    (None, None),
])
def test_report_rows_take_only_lists_of_mappings(value, rows):
    assert progress.report_rows(value) == rows


def test_report_table_aligns_columns_and_shows_missing_keys_empty():
    lines = progress.report_table([
        {"account_id": "200000000001", "account_name": "member-001", "role_arn": "arn:aws:iam::200000000001:role/x",
         "status": "ok", "batch": 1, "changed": True, "verified": True, "error": ""},
        {"account_id": "200000000002", "status": "pending"},
        {"account_id": "200000000003", "account_name": "m3", "status": "failed", "changed": "False", "verified": "false",
         "error": "role: sts:AssumeRole failed: AccessDenied"},
    ])
    assert lines == [
        "ACCOUNT ID    NAME        STATUS   BATCH  CHANGED  VERIFIED  ERROR",
        "200000000001  member-001  ok       1      yes      yes",
        "200000000002              pending",
        "200000000003  m3          failed          no       no        role: sts:AssumeRole failed: AccessDenied",
    ]


def test_report_table_escapes_and_bounds_untrusted_cells():
    hostile = "evil\x1b[2J\x1b]0;pwned\x07\nFORGED LINE\r" + "x" * 200
    lines = progress.report_table([{"account_id": "200000000001", "account_name": hostile, "status": "failed", "error": "E" * 500}])
    assert len(lines) == 2
    row = lines[1]
    assert all(char.isprintable() for char in row)
    bounds = {key: bound for key, _header, bound in progress.REPORT_COLUMNS}
    # The name is cut at its column's bound (32): 29 columns of escaped text and "...".
    assert "  evil\\x1b[2J\\x1b]0;pwned\\x07\\n...  failed  " in row
    assert "E" * bounds["error"] not in row and row.endswith("E" * (bounds["error"] - 3) + "...")
    assert progress.display_width(row) <= sum(bound for _key, _header, bound in progress.REPORT_COLUMNS) + 2 * (len(progress.REPORT_COLUMNS) - 1)


def test_escape_diff_escapes_the_texts_and_keeps_their_lines():
    diff = [{"before": "a\n", "after": "a\x1b[31m\nb\n", "before_header": "f\x1b", "after_header": "f", "dst_larger": 10}]
    assert progress.escape_diff(diff) == [{"before": "a\n", "after": "a\\x1b[31m\nb\n", "before_header": "f\\x1b", "after_header": "f",
                                           "dst_larger": 10}]
    assert progress.escape_diff({"prepared": "p\x07"}) == {"prepared": "p\\x07"}
