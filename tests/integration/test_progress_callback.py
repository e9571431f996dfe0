# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stdout callback crossaccount.aws.progress in real ansible-playbook processes, in a pipe and on a terminal.

The callback needs no AWS: the playbooks run debug/command/fail/set_fact tasks over a few local hosts (serial
batches, a loop, a failing host, a no_log task holding a fake secret, a handler, an include, meta, an empty play)
and set the report fact of organization_access with a hostile account name.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ansible_runner import ensure_collection_link

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
RUN_TIMEOUT = 600
FAKE_SECRET = "hunter2-fake-secret-0123456789"
CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
HOSTILE_NAME = "evil\x1b[31mRED\x1b]0;pwned\x07\nFORGED LINE"
LONG_ERROR = "role: sts:AssumeRole failed: AccessDenied: " + "x" * 300
TASK_LINE = re.compile(r"^(?P<label>(?:TASK|HANDLER) \[[^\]]*\]) (?P<done>\d+)/(?P<total>\d+) hosts: (?P<counts>ok=\d+ changed=\d+ failed=\d+ "
                       r"skipped=\d+(?: unreachable=\d+)?(?: ignored=\d+)?) \| \d+:\d\d$")

INVENTORY = """\
[accounts]
h1
h2
h3
"""

# A module beside the playbook that warns and deprecates: every host and item repeats the same two messages.
WARNER = """\
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(text=dict(type="str", default="")))
    module.warn("careful: the same warning from every item")
    module.deprecate("the warner module is old", version="9.9.9", collection_name="crossaccount.aws")
    module.exit_json(changed=True, text=module.params["text"])


main()
"""

ROLLOUT = """\
- name: Roll out
  hosts: accounts
  gather_facts: false
  serial: [1, 2]
  vars:
    fake_secret: "FAKE_SECRET"
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: hello
    - name: Change two hosts
      ansible.builtin.command: "true"
      changed_when: inventory_hostname != 'h1'
      notify: Report the change
    - name: Warn from every item
      warner:
        text: "{{ item }}"
      loop: [a, b]
    - name: Fail on h2
      ansible.builtin.fail:
        msg: "boom on {{ inventory_hostname }}"
      when: inventory_hostname == 'h2'
    - name: Handle a secret
      ansible.builtin.command: "echo {{ fake_secret }}"
      no_log: true
      failed_when: inventory_hostname == 'h3'
      ignore_errors: true
    - name: Include more
      ansible.builtin.include_tasks: more.yml
    - name: Flush the handlers
      ansible.builtin.meta: flush_handlers
    - name: Write the report
      ansible.builtin.set_fact:
        organization_access_report: "{{ report_rows }}"
      run_once: true
  handlers:
    - name: Report the change
      ansible.builtin.debug:
        msg: changed
- name: Nobody
  hosts: nobody
  gather_facts: false
  tasks:
    - name: Never runs
      ansible.builtin.debug:
        msg: never
""".replace("FAKE_SECRET", FAKE_SECRET)

MORE = """\
- name: Included task
  ansible.builtin.command: "true"
  changed_when: false
"""

REPORT_ROWS = [
    {"account_id": "200000000001", "account_name": "member-001", "role_arn": "arn:aws:iam::200000000001:role/Access",
     "status": "ok", "changed": True, "verified": True, "error": "", "access_role_arn": "arn:aws:iam::200000000001:role/OAAR",
     "batch": 1, "joined_method": "CREATED"},
    {"account_id": "200000000002", "account_name": HOSTILE_NAME, "status": "failed", "changed": False, "verified": False,
     "error": LONG_ERROR, "batch": 2},
    {"account_id": "200000000003", "status": "pending"},
]


def _env(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "CROSSACCOUNT_"))}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(ensure_collection_link()),
        "ANSIBLE_STDOUT_CALLBACK": "crossaccount.aws.progress",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_LOG_PATH": str(tmp_path / "ansible.log"),
        "TERM": "xterm",
    })
    env.update(extra or {})
    return env


def _project(tmp_path: Path, playbook: str) -> list[str]:
    (tmp_path / "inventory.ini").write_text(INVENTORY, encoding="utf-8")
    (tmp_path / "library").mkdir(exist_ok=True)
    (tmp_path / "library" / "warner.py").write_text(WARNER, encoding="utf-8")
    (tmp_path / "more.yml").write_text(MORE, encoding="utf-8")
    (tmp_path / "report.json").write_text(json.dumps({"report_rows": REPORT_ROWS}), encoding="utf-8")
    (tmp_path / "playbook.yml").write_text(playbook, encoding="utf-8")
    return [str(ANSIBLE_PLAYBOOK), "-i", "inventory.ini", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
            "-e", "@report.json", "playbook.yml"]


def run_in_pipe(tmp_path: Path, playbook: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = _project(tmp_path, playbook) + list(args)
    return subprocess.run(command, cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)


def run_on_terminal(tmp_path: Path, playbook: str, env: dict[str, str] | None = None, columns: int = 200) -> tuple[int, str]:
    """Run ansible-playbook with stdin, stdout and stderr on a pseudo-terminal; return (rc, everything it wrote)."""
    import fcntl
    import termios

    command = _project(tmp_path, playbook)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(command, cwd=tmp_path, env=_env(tmp_path, env), stdin=follower, stdout=follower, stderr=follower,
                            close_fds=True)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready = select.select([leader], [], [], 5)[0]
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        rc = proc.wait(timeout=60)
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return rc, b"".join(chunks).decode("utf-8", errors="replace")


def render(output: str) -> list[str]:
    """What a terminal shows for ``output``: \\r returns to the line's start, ESC [ K erases to its end, \\n moves down."""
    lines: list[str] = []
    line: list[str] = []
    column = 0
    index = 0
    while index < len(output):
        char = output[index]
        if output.startswith("\x1b[K", index):
            del line[column:]
            index += 3
            continue
        if char == "\r":
            column = 0
        elif char == "\n":
            lines.append("".join(line))
            line, column = [], 0
        else:
            if column < len(line):
                line[column] = char
            else:
                line.append(char)
            column += 1
        index += 1
    if line:
        lines.append("".join(line))
    return lines


def task_lines(lines: list[str]) -> list[tuple[str, str, str]]:
    """(label, done/total, counts) of every task line, in order."""
    found = []
    for line in lines:
        match = TASK_LINE.match(line)
        if match:
            found.append((match["label"], f"{match['done']}/{match['total']}", match["counts"]))
    return found


# Batch 1 is h1; batch 2 is h2 (fails) and h3 (its failure under no_log is ignored; it runs the handler).
ROLLOUT_TASKS = [
    ("TASK [Say hello]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
    ("TASK [Change two hosts]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
    ("TASK [Warn from every item]", "1/1", "ok=0 changed=1 failed=0 skipped=0"),
    ("TASK [Fail on h2]", "1/1", "ok=0 changed=0 failed=0 skipped=1"),
    ("TASK [Handle a secret]", "1/1", "ok=0 changed=1 failed=0 skipped=0"),
    ("TASK [Include more]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
    ("TASK [Included task]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
    ("TASK [Write the report]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
    ("TASK [Say hello]", "2/2", "ok=2 changed=0 failed=0 skipped=0"),
    ("TASK [Change two hosts]", "2/2", "ok=0 changed=2 failed=0 skipped=0"),
    ("TASK [Warn from every item]", "2/2", "ok=0 changed=2 failed=0 skipped=0"),
    ("TASK [Fail on h2]", "2/2", "ok=0 changed=0 failed=1 skipped=1"),
    ("TASK [Handle a secret]", "1/1", "ok=0 changed=0 failed=0 skipped=0 ignored=1"),
    ("TASK [Include more]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
    ("TASK [Included task]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
    ("HANDLER [Report the change]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
    ("TASK [Write the report]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
]


def assert_no_callback_error(output: str) -> None:
    # ansible-core reports an exception in a callback method as a warning and goes on (2.17, 2.18: "Failure using
    # method ..."; 2.19 and later: "Callback dispatch ... failed"): the output would miss what that method prints.
    assert "Failure using method" not in output and "Callback dispatch" not in output, output


def assert_report_table(lines: list[str]) -> None:
    start = lines.index("ORGANIZATION ACCESS REPORT (3 accounts)")
    header, *rows = lines[start + 1:start + 5]
    assert header.split() == ["ACCOUNT", "ID", "NAME", "STATUS", "BATCH", "CHANGED", "VERIFIED", "ERROR"]
    assert rows[0].split() == ["200000000001", "member-001", "ok", "1", "yes", "yes"]
    # The hostile name is escaped and cut at its column's bound; the long error ends in "..." within its bound.
    assert rows[1].startswith("200000000002  evil\\x1b[31mRED\\x1b]0;pwned\\x...  failed   2      no       no        role: ")
    assert rows[1].endswith("AccessDenied: " + "x" * (72 - len("role: sts:AssumeRole failed: AccessDenied: ") - 3) + "...")
    # Missing keys are empty cells.
    assert rows[2].split() == ["200000000003", "pending"]
    assert len(lines) == start + 5


@pytest.mark.smoke
def test_in_a_pipe_one_line_per_task_failures_in_full_recap_and_report(tmp_path):
    proc = run_in_pipe(tmp_path, ROLLOUT)
    out, err = proc.stdout, proc.stderr
    assert proc.returncode == 2, err  # h2 failed
    assert_no_callback_error(err)
    # Not a terminal: no in-place redraw, and nothing of the hostile name reaches the terminal raw.
    assert "\r" not in out and "\x1b" not in out
    lines = out.splitlines()

    assert task_lines(lines) == ROLLOUT_TASKS
    assert lines[0] == "PLAY [Roll out] batch 1: 1 of 3 hosts"
    assert "PLAY [Roll out] batch 2: 2 of 3 hosts" in lines
    assert lines.index("PLAY [Nobody] 0 hosts") + 1 == lines.index("skipping: no hosts matched")
    # Meta tasks get no line; per-host lines are for -v.
    assert not [line for line in lines if "Flush the handlers" in line or line.startswith(("ok: [", "changed: [", "skipping: ["))]

    # The failure is printed in full when it happens: after the previous task's line, before its own task's line.
    failure = next(i for i, line in enumerate(lines) if line.startswith("failed: [h2] TASK [Fail on h2] => "))
    assert json.loads(lines[failure].split(" => ", 1)[1]) == {"changed": False, "msg": "boom on h2"}
    warn_line = max(i for i, line in enumerate(lines) if line.startswith("TASK [Warn from every item] 2/2"))
    fail_line = max(i for i, line in enumerate(lines) if line.startswith("TASK [Fail on h2] 2/2"))
    assert warn_line < failure < fail_line

    # The no_log result stays censored, exactly as the default callback shows it; the secret is nowhere.
    censored = next(i for i, line in enumerate(lines) if line.startswith("failed: [h3] TASK [Handle a secret] => "))
    assert json.loads(lines[censored].split(" => ", 1)[1]) == {"censored": CENSORED, "changed": True}
    assert lines[censored + 1] == "...ignoring"
    assert FAKE_SECRET not in out and FAKE_SECRET not in err
    assert FAKE_SECRET not in (tmp_path / "ansible.log").read_text(encoding="utf-8")

    # Ansible's error summary (where the failed task is, ansible-core 2.19+) waits for -v: the failure line says it all.
    assert "Origin:" not in out + err and "An exception occurred" not in out + err
    # Warnings and deprecations of every host and item are shown, once.
    assert err.count("careful: the same warning from every item") == 1
    assert err.count("the warner module is old") == 1

    # The recap, then the report table.
    recap = next(i for i, line in enumerate(lines) if re.fullmatch(r"PLAY RECAP \(\d+:\d\d\)", line))
    assert re.match(r"h2\s+: ok=3\s+changed=2\s+unreachable=0\s+failed=1\s+skipped=0\s+rescued=0\s+ignored=0", lines[recap + 2])
    assert re.match(r"h3\s+: ok=8\s+changed=3\s+unreachable=0\s+failed=0\s+skipped=1\s+rescued=0\s+ignored=1", lines[recap + 3])
    assert recap < lines.index("ORGANIZATION ACCESS REPORT (3 accounts)")
    assert_report_table(lines)

    # The log file gets the final lines (not the redraws), without colour.
    log = (tmp_path / "ansible.log").read_text(encoding="utf-8")
    assert "TASK [Fail on h2] 2/2 hosts: ok=0 changed=0 failed=1 skipped=1" in log and "\x1b" not in log


TERMINAL_PLAY = """\
- name: On a terminal
  hosts: accounts
  gather_facts: false
  tasks:
    - name: Change every host
      ansible.builtin.command: "true"
    - name: Warn
      warner:
    - name: Fail on h2
      ansible.builtin.fail:
        msg: "boom on {{ inventory_hostname }}"
      when: inventory_hostname == 'h2'
    - name: Write the report
      ansible.builtin.set_fact:
        organization_access_report: "{{ report_rows }}"
      run_once: true
"""

TERMINAL_TASKS = [
    ("TASK [Change every host]", "3/3", "ok=0 changed=3 failed=0 skipped=0"),
    ("TASK [Warn]", "3/3", "ok=0 changed=3 failed=0 skipped=0"),
    ("TASK [Fail on h2]", "3/3", "ok=0 changed=0 failed=1 skipped=2"),
    ("TASK [Write the report]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
]


def test_on_a_terminal_the_line_updates_in_place(tmp_path):
    rc, raw = run_on_terminal(tmp_path, TERMINAL_PLAY)
    assert rc == 2, raw
    assert_no_callback_error(raw)
    # The running task's line is redrawn in place (carriage return, erase line) at each host: 0/3, 1/3, 2/3 ...
    for done in range(3):
        assert re.search(rf"\r\x1b\[KTASK \[Change every host\] {done}/3 hosts: [^\r\n]*\| \d+:\d\d elapsed", raw), raw
    assert re.search(r"\r\x1b\[KTASK \[Change every host\] [12]/3 hosts: [^\r\n]* elapsed, ~\d+:\d\d left", raw), raw
    # ... and ends as one permanent line with the final counts and time.
    assert re.search(r"\r\x1b\[KTASK \[Change every host\] 3/3 hosts: ok=0 changed=3 failed=0 skipped=0 \| \d+:\d\d\r\n", raw), raw
    # What the terminal shows in the end: one line per task, the failure on a line of its own, no live line left over.
    screen = render(raw)
    assert task_lines(screen) == TERMINAL_TASKS
    assert not [line for line in screen if "elapsed" in line]
    assert any(line.startswith("failed: [h2] TASK [Fail on h2] => {") for line in screen)
    # Warnings that Ansible prints while a live line is drawn start on a line of their own.
    assert [line for line in screen if "careful: the same warning" in line] == ["[WARNING]: careful: the same warning from every item"]
    assert_report_table(screen)
    # The hostile account name never reaches the terminal raw (the callback's own erase sequences are the only ESC).
    assert "\x1b[31mRED" not in raw and "\x1b]0;pwned" not in raw
    assert not re.search(r"\x1b(?!\[K)", raw)


@pytest.mark.parametrize("env", [{"CROSSACCOUNT_AWS_PROGRESS_IN_PLACE": "false"}, {"TERM": "dumb"}], ids=["in_place-false", "dumb-terminal"])
def test_on_a_terminal_without_in_place_updates_one_line_per_task(tmp_path, env):
    rc, raw = run_on_terminal(tmp_path, TERMINAL_PLAY, env=env)
    assert rc == 2, raw
    assert_no_callback_error(raw)
    assert "\x1b" not in raw
    assert task_lines(render(raw)) == TERMINAL_TASKS


VERBOSE_CHECK_PLAY = """\
- name: Verbose in check mode
  hosts: accounts
  gather_facts: false
  tasks:
    - name: Write a file
      ansible.builtin.copy:
        content: "{{ inventory_hostname }}\\n"
        dest: "{{ playbook_dir }}/out-{{ inventory_hostname }}.txt"
        mode: "0600"
      when: inventory_hostname != 'h1'
    - name: Show a message
      ansible.builtin.debug:
        msg: "hello from {{ inventory_hostname }}"
      run_once: true
    - name: Reach a closed port
      ansible.builtin.ping:
      vars:
        ansible_connection: ssh
        ansible_host: 127.0.0.1
        ansible_port: 1
      when: inventory_hostname == 'h3'
      ignore_unreachable: true
"""


@pytest.mark.parametrize("verbosity, shown, hidden", [
    ("-v", ["changed: [h2]", "changed: [h3]", 'ok: [h1] => {', '"msg": "hello from h1"'], ["skipping: [h1]"]),
    ("-vv", ["changed: [h2]", "changed: [h3]", "skipping: [h1]", '"msg": "hello from h1"'], []),
])
def test_verbose_adds_per_host_lines_and_check_mode_is_marked(tmp_path, verbosity, shown, hidden):
    proc = run_in_pipe(tmp_path, VERBOSE_CHECK_PLAY, verbosity, "--check")
    assert proc.returncode == 0, proc.stderr
    assert_no_callback_error(proc.stderr)
    lines = proc.stdout.splitlines()
    assert "PLAY [Verbose in check mode] 3 hosts [check mode]" in lines
    assert task_lines(lines) == [
        ("TASK [Write a file]", "3/3", "ok=0 changed=2 failed=0 skipped=1"),
        ("TASK [Show a message]", "1/1", "ok=1 changed=0 failed=0 skipped=0"),
        ("TASK [Reach a closed port]", "3/3", "ok=0 changed=0 failed=0 skipped=2 unreachable=1"),
    ]
    # An unreachable host is printed in full when it happens.
    unreachable = next(i for i, line in enumerate(lines) if line.startswith("unreachable: [h3] TASK [Reach a closed port] => {"))
    assert json.loads(lines[unreachable].split(" => ", 1)[1])["unreachable"] is True
    assert lines[unreachable + 1] == "...ignoring"
    for text in shown:
        assert any(line.startswith(text) or line.strip() == text for line in lines), (text, proc.stdout)
    for text in hidden:
        assert not any(line.startswith(text) for line in lines), (text, proc.stdout)
    # The per-host lines come before their task's line.
    assert max(lines.index(line) for line in lines if line.startswith("changed: [h")) < lines.index(
        next(line for line in lines if line.startswith("TASK [Write a file]")))
    assert not list(tmp_path.glob("out-*.txt"))  # check mode


WAVES_PLAY = """\
- name: Waves
  hosts: accounts
  gather_facts: false
  serial: 2
  max_fail_percentage: 0
  tasks:
    - name: Fail on h2
      ansible.builtin.fail:
        msg: "boom on {{ inventory_hostname }}"
      when: inventory_hostname == 'h2'
    - name: After
      ansible.builtin.debug:
        msg: after
"""


def test_a_wave_over_the_failure_tolerance_ends_the_run_with_one_notice(tmp_path):
    proc = run_in_pipe(tmp_path, WAVES_PLAY)
    assert proc.returncode == 2, proc.stderr
    assert_no_callback_error(proc.stderr)
    lines = proc.stdout.splitlines()
    assert lines[:4] == [
        "PLAY [Waves] batch 1: 2 of 3 hosts",
        'failed: [h2] TASK [Fail on h2] => {"changed": false, "msg": "boom on h2"}',
        lines[2],
        "NO MORE HOSTS LEFT",
    ]
    assert task_lines(lines) == [("TASK [Fail on h2]", "2/2", "ok=0 changed=0 failed=1 skipped=1")]
    assert lines.count("NO MORE HOSTS LEFT") == 1  # ansible-core announces it twice
    assert "batch 2" not in proc.stdout
