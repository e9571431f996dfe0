# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the ledger of organization_access: rows, merge, retry list, Markdown escaping, the files."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _ledger as ledger

META = {"role_name": "auditor", "role_path": "/", "policy_name": "assume-auditor", "policy_form": "arns", "state": "present"}


def make(account: str, status: str = "ok", host: str | None = None, **fields: object) -> dict[str, object]:
    fields.setdefault("account_name", f"name-{account}")
    return ledger.row(account_id=account, host=host or account, status=status, **fields)


def test_rows_are_typed_and_refuse_unknown_keys_and_statuses():
    made = make("111111111111", batch=True, verified="yes", role_arn=None)
    assert made["batch"] is None and made["verified"] is False and made["role_arn"] == ""
    assert "changed" not in made and ledger.fact_row(made)["changed"] is False
    with pytest.raises(CrossAccountError):
        ledger.row(account_id="1", status="done")
    with pytest.raises(CrossAccountError):
        ledger.row(account_id="1", status="ok", colour="red")


def test_merge_replaces_the_run_rows_and_keeps_the_others():
    existing = {a: make(a) for a in ("100000000001", "100000000002", "100000000003")}
    merged = ledger.merge(existing, {"100000000002": make("100000000002", "failed", error="x"), "100000000000": make("100000000000")})
    assert list(merged) == ["100000000000", "100000000001", "100000000002", "100000000003"]
    assert merged["100000000002"]["status"] == "failed" and merged["100000000003"] is existing["100000000003"]


def test_retry_lists_failed_and_pending_hosts_and_never_a_pattern():
    rows = [make("100000000001", "failed", host="b-host"), make("100000000002", "pending", host="a.host"), make("100000000003", "ok"),
            make("100000000004", "blocked"), make("100000000005", "failed", host="web[1]:!all"), make("100000000006", "pending", host="x\ny")]
    hosts, unlisted = ledger.retry_hosts(rows)
    assert hosts == ["a.host", "b-host"]
    assert unlisted == ["100000000005", "100000000006"]


def test_retained_are_ok_rows_not_selected():
    rows = {a: make(a, s) for a, s in (("100000000001", "ok"), ("100000000002", "failed"), ("100000000003", "ok"))}
    assert ledger.retained(rows, ["100000000003"]) == ["100000000001"]


@pytest.mark.parametrize("raw, cell", [
    ("member-001", "member-001"),
    ("*x* _y_ [l](http://e.invalid) <b>b</b> |p| {{7*7}}",
     "\\*x\\* \\_y\\_ \\[l\\]\\(http://e.invalid\\) &lt;b&gt;b&lt;/b&gt; \\|p\\| \\{\\{7\\*7\\}\\}"),
    ("back\\slash `code` # + ! ~", "back\\\\slash \\`code\\` \\# \\+ \\! \\~"),
    ("two\nlines\x1b[31m\ttab", "two lines \\[31m tab"),
    ("&amp;", "&amp;amp;"),
    (None, ""),
])
def test_markdown_cells_show_text_as_text(raw, cell):
    assert ledger.markdown_cell(raw) == cell


def test_markdown_table_has_one_line_per_row_and_marks_retained_rows():
    rows = {"100000000001": make("100000000001", "ok", account_name="a|b\nc"), "100000000002": make("100000000002", "failed", error="e|rr")}
    doc = ledger.document(META, rows, ["100000000002"])
    text = ledger.render_markdown(doc)
    table = [line for line in text.splitlines() if line.startswith("| 1")]
    assert len(table) == 2
    # Eight cells: no "|" of a name or an error splits one.
    assert all(len(line.replace("\\|", "").strip("|").split("|")) == 8 for line in table), table
    assert "| ok (retained) |" in table[0] and "a\\|b c" in table[0]
    assert "Retained: 1 accounts" in text and "To retry: 1 hosts" in text


def test_parse_refuses_what_is_not_a_ledger_and_reads_an_older_report():
    with pytest.raises(CrossAccountError, match=r"organization_access_report_path: .* is not a ledger"):
        ledger.parse("[1, 2]", "x.json")
    with pytest.raises(CrossAccountError, match=r"not a ledger"):
        ledger.parse("{not json", "x.json")
    old = {"state": "present", "role_name": "r", "accounts": [{"account_id": "100000000001", "account_name": "a", "role_arn": "x",
                                                              "status": "ok", "verified": True, "error": ""}]}
    parsed = ledger.parse(json.dumps(old), "x.json")
    assert parsed.rows["100000000001"]["host"] == "" and parsed.rows["100000000001"]["verified"] is True
    assert ledger.parse(None, "x").rows == {}


def test_a_ledger_follows_one_role():
    parsed = ledger.Ledger({"role_name": "other", "role_path": "/"}, {"1": make("100000000001")})
    assert "holds the ledger of role /other" in (ledger.role_mismatch(parsed, "auditor", "/") or "")
    assert ledger.role_mismatch(parsed, "other", "/") is None
    assert ledger.role_mismatch(ledger.Ledger({"role_name": "other"}, {}), "auditor", "/") is None


def test_write_merges_under_a_lock_privately_and_rewrites_nothing_when_nothing_changed(tmp_path):
    path = tmp_path / "reports" / "org"
    first = ledger.write(str(path), META, {"100000000001": make("100000000001")}, ["100000000001"])
    assert sorted(first.changed) == sorted([ledger.JSON_FILE, ledger.MARKDOWN_FILE, ledger.RETRY_FILE])
    assert stat.S_IMODE(path.stat().st_mode) == 0o700 and stat.S_IMODE((tmp_path / "reports").stat().st_mode) == 0o700
    assert all(stat.S_IMODE((path / name).stat().st_mode) == 0o600 for name in first.changed)
    before = {name: (path / name).stat().st_mtime_ns for name in first.changed}
    again = ledger.write(str(path), META, {"100000000001": make("100000000001")}, ["100000000001"])
    assert again.changed == [] and {name: (path / name).stat().st_mtime_ns for name in before} == before
    # Another run on another account keeps the first row.
    other = ledger.write(str(path), META, {"100000000002": make("100000000002", "pending")}, ["100000000002"])
    assert list(other.rows) == ["100000000001", "100000000002"]
    assert (path / ledger.RETRY_FILE).read_text() == "100000000002\n"
    assert json.loads((path / ledger.JSON_FILE).read_text())["retained"] == ["100000000001"]


def test_slices_taking_turns_rewrite_the_summary_but_change_no_row(tmp_path):
    # Two slices of one rollout: each run's summary says the other slice's accounts are retained, so the files change
    # with every turn, while the accounts' rows (what a run reports as changed) stay as they are.
    first = ledger.write(str(tmp_path), META, {"100000000001": make("100000000001")}, ["100000000001"])
    second = ledger.write(str(tmp_path), META, {"100000000002": make("100000000002")}, ["100000000002"])
    assert first.rows_changed and second.rows_changed
    turn = ledger.write(str(tmp_path), META, {"100000000001": make("100000000001")}, ["100000000001"])
    assert turn.changed and not turn.rows_changed
    assert json.loads((tmp_path / ledger.JSON_FILE).read_text())["retained"] == ["100000000002"]
    status = ledger.write(str(tmp_path), META, {"100000000001": make("100000000001", "failed")}, ["100000000001"])
    settings = ledger.write(str(tmp_path), {**META, "state": "absent"}, {"100000000001": make("100000000001", "failed")},
                            ["100000000001"])
    assert status.rows_changed and settings.rows_changed


def test_an_existing_directory_keeps_its_mode_and_check_mode_writes_nothing(tmp_path):
    os.chmod(tmp_path, 0o750)
    checked = ledger.write(str(tmp_path), META, {"100000000001": make("100000000001")}, [], check_mode=True)
    assert len(checked.changed) == 3 and list(tmp_path.iterdir()) == []
    missing = ledger.write(str(tmp_path / "new"), META, {"100000000001": make("100000000001")}, [], check_mode=True)
    assert len(missing.changed) == 3 and not (tmp_path / "new").exists()
    ledger.write(str(tmp_path), META, {"100000000001": make("100000000001")}, [])
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o750


def test_writers_at_once_lose_no_row(tmp_path):
    accounts = [f"1000000000{index:02d}" for index in range(40)]
    errors: list[BaseException] = []

    def one(account: str) -> None:
        try:
            ledger.write(str(tmp_path), META, {account: make(account)}, [account])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(account,)) for account in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(ledger.read(str(tmp_path)).rows) == accounts


def test_a_file_that_is_not_a_ledger_is_left_untouched(tmp_path):
    (tmp_path / ledger.JSON_FILE).write_text("my notes\n")
    with pytest.raises(CrossAccountError, match=r"left untouched"):
        ledger.write(str(tmp_path), META, {"100000000001": make("100000000001")}, [])
    assert (tmp_path / ledger.JSON_FILE).read_text() == "my notes\n"
