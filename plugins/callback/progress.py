# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: progress
type: stdout
author:
  - crossaccount.aws contributors (@crossaccount)
short_description: One progress line per task, failures in full, the recap and the organization_access report
version_added: 0.3.0
description:
  - A stdout callback for long runs over many hosts, such as the accounts of an organization. Enable it with
    C(ANSIBLE_STDOUT_CALLBACK=crossaccount.aws.progress) or C(stdout_callback = crossaccount.aws.progress) in the
    C([defaults]) section of C(ansible.cfg). It works for any playbook.
  - >-
    Every task gets one line, C(TASK [name] 18/20 hosts: ok=12 changed=5 failed=1 skipped=0 | 0:42 elapsed, ~0:05 left),
    where C(ok), C(changed), C(failed) and C(skipped) count the hosts that finished the task with that outcome (a changed
    host is not counted under C(ok)), C(unreachable) and C(ignored) (failed under C(ignore_errors)) appear when they
    happened, and the estimate of the time left is the rate at which hosts have finished the task so far applied to
    the hosts still to come.
  - The second number is the hosts expected to run the task, as far as the callback can tell before they report - the
    hosts of the current batch (C(serial)) that are still in the play, narrowed to the notified hosts for a handler,
    to the hosts that included the file for a task of C(include_tasks) or C(include_role), and to one host for
    C(run_once).
  - When standard output is a terminal, the line of the running task is redrawn in place (carriage return and a cleared
    line) at every host result, and stays on screen, with its final counts and time, when the task ends; otherwise
    (a pipe, a file, CI logs) each task prints its line once, when it ends. The log file (C(ANSIBLE_LOG_PATH)) gets
    the final lines only.
  - A failure or an unreachable host is printed in full when it happens - host, task and the result - with the same
    censoring as the default callback (a result of a C(no_log) task shows only that the output has been hidden due to
    C(no_log)). Warnings and deprecations are shown once, as by the default callback.
  - At the end, the play recap (the same counters as the default callback's) with the run's elapsed time, and, when
    the role C(crossaccount.aws.organization_access) set the fact C(organization_access_report) in the run, its table
    (account id, name, status, batch, changed, verified, error) with the last value a task returned. Values in the
    table, host names and task names are printed with control characters escaped (C(\n), C(\x1b), ...), so data
    read from AWS, such as account names, cannot forge lines or send terminal sequences; table cells are cut to a
    bounded width.
  - With C(-v), a line per host that changed (and per changed loop item), the output of C(debug) tasks, and for a
    failure also Ansible's error summary (where the task is; the traceback with C(-vvv)); with C(-vv), a line for
    every host result; with C(-vvv), each of those lines with the result.
  - Meta tasks (such as C(meta) V(flush_handlers)) do no work on hosts and get no line.
options:
  in_place:
    description:
      - Redraw the line of the running task in place when standard output is a terminal (and C(TERM) is not
        C(dumb)). With V(false), a terminal gets the same one line per finished task as a pipe.
    type: bool
    default: true
    env:
      - name: CROSSACCOUNT_AWS_PROGRESS_IN_PLACE
    ini:
      - section: callback_crossaccount_aws_progress
        key: in_place
  display_failed_stderr:
    description:
      - Print failed and unreachable results to standard error instead of standard output (the setting the default
        callback reads).
    type: bool
    default: false
    env:
      - name: ANSIBLE_DISPLAY_FAILED_STDERR
    ini:
      - section: defaults
        key: display_failed_stderr
requirements:
  - set as the stdout callback
notes:
  - The callback draws the line only between events (a host starting or finishing the task), so during a single long
    host task the elapsed time on screen advances when the next host reports.
"""

import atexit
import collections.abc as c
import os
import sys
import time
import typing as t

from ansible import constants as C
from ansible import context
from ansible.playbook.handler import Handler
from ansible.plugins.callback import CallbackBase
from ansible.utils.color import colorize, hostcolor
from ansible.utils.fqcn import add_internal_fqcns
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _progress as progress

_META_ACTIONS = frozenset(add_internal_fqcns(("meta",)))
_UNORDERED_STRATEGIES = frozenset(add_internal_fqcns(("free", "host_pinned")))
# Carriage return, then erase to the end of the line (ECMA-48 EL): the next text replaces the live line.
_CLEAR_LINE = "\r\x1b[K"
# Parents followed upwards from a task to find the include that brought it (blocks, includes, roles).
_MAX_PARENT_DEPTH = 64
# Colours of the task lines, by their worst outcome. Only colours the log file knows: ansible-core 2.17 and 2.18 map
# each colour to a log level and refuse others (such as COLOR_HIGHLIGHT), so the PLAY, recap and report lines get none.
_COLORS = {
    "unreachable": C.COLOR_UNREACHABLE,
    "failed": C.COLOR_ERROR,
    "changed": C.COLOR_CHANGED,
    "ignored": C.COLOR_WARN,
    "ok": C.COLOR_OK,
    "skipped": C.COLOR_SKIP,
    None: C.COLOR_SKIP,
}


# The counters of the play recap, as the default callback shows them: (label, key of AggregateStats.summarize, colour).
_RECAP_COUNTERS = (
    ("ok", "ok", C.COLOR_OK),
    ("changed", "changed", C.COLOR_CHANGED),
    ("unreachable", "unreachable", C.COLOR_UNREACHABLE),
    ("failed", "failures", C.COLOR_ERROR),
    ("skipped", "skipped", C.COLOR_SKIP),
    ("rescued", "rescued", C.COLOR_OK),
    ("ignored", "ignored", C.COLOR_WARN),
)


# ansible-core 2.19 passes a CallbackTaskResult with public `host`, `task` and `result`; older cores a TaskResult
# with only the underscored attributes (still present, as deprecated aliases, in 2.19 and later).
def _host_of(result: t.Any) -> t.Any:
    return getattr(result, "host", None) or result._host


def _task_of(result: t.Any) -> t.Any:
    return getattr(result, "task", None) or result._task


def _payload_of(result: t.Any) -> c.MutableMapping[str, t.Any]:
    payload = getattr(result, "result", None)
    return payload if payload is not None else result._result


class _Screen:
    """Writes through Ansible's Display; on a terminal it also keeps one live line at the bottom, redrawn in place."""

    def __init__(self, display: t.Any, live: bool) -> None:
        self._display = display
        self.live = live
        self._write = display.display
        self._shown = False
        self._pid = os.getpid()
        if live:
            # Ansible and other plugins print through the same Display (warnings, deprecations, prompts): the live line
            # is erased before their text, so it starts on a clean line; the next event draws the live line below it.
            display.display = self._display_after_erasing
            atexit.register(self.close)

    def _display_after_erasing(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        # Worker processes inherit this hook through fork; only the process that draws the line may erase it.
        if os.getpid() == self._pid and not kwargs.get("log_only", False):
            self.erase()
        return self._write(*args, **kwargs)

    def _flush(self) -> None:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass  # stdout closed or a broken pipe: nothing left to show

    def draw(self, line: str) -> None:
        if not self.live:
            return
        self._write(_CLEAR_LINE + line, screen_only=True, newline=False)
        self._shown = True
        self._flush()

    def erase(self) -> None:
        if self._shown:
            self._shown = False
            self._write(_CLEAR_LINE, screen_only=True, newline=False)
            self._flush()

    def line(self, text: str, color: str | None = None, stderr: bool = False, screen_only: bool = False, log_only: bool = False) -> None:
        if not log_only:
            self.erase()
        self._write(text, color=color, stderr=stderr, screen_only=screen_only, log_only=log_only)

    def close(self) -> None:
        if os.getpid() != self._pid:
            return
        self.erase()
        if vars(self._display).get("display") == self._display_after_erasing:
            del self._display.display


class CallbackModule(CallbackBase):
    """One line per task with host counts and an estimate of the time left; failures in full; recap; report table."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "crossaccount.aws.progress"

    def __init__(self, display: t.Any = None, options: t.Any = None) -> None:
        super().__init__(display=display, options=options)
        self._screen_: _Screen | None = None
        self._play: t.Any = None
        self._no_hosts_left_shown = False
        self._ordered = True
        self._batches: dict[str, int] = {}
        self._tasks: dict[str, progress.TaskTally] = {}
        self._included: dict[str, set[str]] = {}
        # (task, host) whose loop printed a failed item: the host's failure of the whole loop is not printed again.
        self._failed_items: set[tuple[str, str]] = set()
        self._report: list[c.Mapping[str, object]] | None = None
        self._run_started = time.monotonic()

    # -- output ------------------------------------------------------------------------------------------------------

    def _option(self, name: str, default: t.Any) -> t.Any:
        try:
            return self.get_option(name)
        except KeyError:  # options not loaded (the callback used outside ansible-playbook's set-up)
            return default

    @property
    def _screen(self) -> _Screen:
        # Made on first use: the options are set after __init__.
        if self._screen_ is None:
            live = bool(self._option("in_place", True)) and sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
            self._screen_ = _Screen(self._display, live)
        return self._screen_

    def _failed_stderr(self) -> bool:
        return bool(self._option("display_failed_stderr", False))

    def _width(self) -> int:
        columns = getattr(self._display, "columns", None) or 80
        return max(int(columns) - 1, 20)

    def _redraw(self, tally: progress.TaskTally | None = None) -> None:
        """Draw the live line of ``tally``, or of the latest open task (none when every task has ended)."""
        if not self._screen.live:
            return
        if tally is None:
            tally = next(reversed(self._tasks.values()), None)
        if tally is not None:
            self._screen.draw(tally.live_line(time.monotonic(), self._width()))

    def _finish(self, key: str) -> None:
        tally = self._tasks.pop(key)
        self._screen.line(tally.final_line(time.monotonic()), color=_COLORS.get(tally.worst()))

    def _finish_tasks(self) -> None:
        """End the open tasks: the next task started in order, or the play ended.

        By then every host that was going to run them has reported, so a task that fewer hosts ran than expected (a
        rescue section, hosts the callback could not foresee) ends with the hosts that did run it as its total.
        """
        for key in list(self._tasks):
            tally = self._tasks[key]
            if tally.expected is not None and tally.done < tally.expected:
                tally.expected = tally.done
            self._finish(key)

    # -- what the tasks expect ---------------------------------------------------------------------------------------

    def _play_hosts(self) -> tuple[list[str], list[str]] | None:
        """(hosts of the current batch still in the play, hosts of the play over all batches), from the magic variables."""
        if self._play is None:
            return None
        try:
            variables = self._play.get_variable_manager().get_vars(play=self._play, include_hostvars=False)
            every = list(variables["ansible_play_hosts_all"])
            # A play that matches no host starts under the previous play's batch restriction: keep the play's own hosts.
            own = set(every)
            return [host for host in variables["ansible_play_batch"] if host in own], every
        except Exception:  # a play the variable manager cannot describe: the line shows no total
            return None

    def _included_hosts(self, task: t.Any) -> set[str] | None:
        node = getattr(task, "_parent", None)
        for _depth in range(_MAX_PARENT_DEPTH):
            if node is None:
                return None
            hosts = self._included.get(str(getattr(node, "_uuid", "")))
            if hosts is not None:
                return hosts
            node = getattr(node, "_parent", None)
        return None

    def _expected(self, task: t.Any, handler: bool) -> int | None:
        play_hosts = self._play_hosts()
        if play_hosts is None:
            return None
        hosts = set(play_hosts[0])
        if handler and getattr(task, "notified_hosts", None) is not None:
            hosts &= {host.get_name() for host in task.notified_hosts}
        included = self._included_hosts(task)
        if included is not None:
            hosts &= included
        if task.run_once is True and hosts:
            return 1
        return len(hosts)

    @staticmethod
    def _label(task: t.Any, handler: bool, with_role: bool = True) -> str:
        kind = "HANDLER" if handler else "TASK"
        name = task.get_name() if with_role or not task.name else task.name
        return f"{kind} [{progress.escape(str(name).strip())}]"

    def _tally(self, task: t.Any, handler: bool) -> progress.TaskTally:
        label = self._label(task, handler)
        short = self._label(task, handler, with_role=False)
        return progress.TaskTally(label, time.monotonic(), self._expected(task, handler), short_label=short if short != label else None)

    def _start_task(self, task: t.Any, handler: bool) -> None:
        if self._ordered:
            self._finish_tasks()
        if task.action in _META_ACTIONS:
            return  # meta tasks act on the play, not on hosts: nothing to count
        # An include that runs again collects its hosts afresh.
        self._included.pop(task._uuid, None)
        if task._uuid not in self._tasks:
            self._tasks[task._uuid] = self._tally(task, handler)
        self._redraw(self._tasks[task._uuid])

    def _record(self, result: t.Any, outcome: str) -> progress.TaskTally | None:
        task = _task_of(result)
        if task.action in _META_ACTIONS:
            return None
        tally = self._tasks.get(task._uuid)
        if tally is None:  # a result without a task start, or after the task's line ended (more hosts than expected)
            tally = self._tasks[task._uuid] = self._tally(task, isinstance(task, Handler))
        if task.run_once is True:  # templated run_once, or an action that bypasses the host loop, known by now
            tally.expected = 1
        tally.record(_host_of(result).get_name(), outcome)
        if tally.expected and tally.done >= tally.expected:
            # Every expected host reported: the line is final now, not only when the next task starts (which an
            # unordered strategy does not wait for, and which in a pipe would hold the line back behind the next
            # play's warnings).
            self._finish(task._uuid)
            return None
        return tally

    # -- results -----------------------------------------------------------------------------------------------------

    def _handle_summaries(self, payload: c.MutableMapping[str, t.Any], failed: bool) -> None:
        """Warnings and deprecations (Display shows each once); for a failure at -v and above, Ansible's error summary.

        The failure's own line already names the host, the task and the message; the summary adds where the task is
        (ansible-core 2.19 and later) and the traceback at -vvv, which a one-line-per-task display leaves to -v.
        """
        self._handle_warnings(payload)
        if failed and self._display.verbosity >= 1:
            self._handle_exception(payload, use_stderr=self._failed_stderr())

    def _collect_report(self, payload: c.Mapping[str, t.Any]) -> None:
        # A censored result (no_log) carries no facts; the check is kept so that a result marked no_log is never read.
        if payload.get("_ansible_no_log") or "censored" in payload or "results" in payload:
            return
        facts = payload.get("ansible_facts")
        if isinstance(facts, c.Mapping) and progress.REPORT_FACT in facts:
            rows = progress.report_rows(facts[progress.REPORT_FACT])
            if rows is not None:
                self._report = rows

    def _dump(self, payload: c.MutableMapping[str, t.Any], task: t.Any) -> str:
        self._clean_results(payload, task.action)
        # A loop's items were shown one by one through their own (individually censored) results.
        payload.pop("results", None)
        return progress.escape(self._dump_results(payload), keep_newlines=True)

    def _host_line(self, result: t.Any, payload: c.MutableMapping[str, t.Any], status: str, color: str, item: bool = False) -> None:
        """The per-host line of -v and above."""
        verbosity = self._display.verbosity
        verbose_always = bool(payload.get("_ansible_verbose_always"))
        if verbosity < 1 or (status != "changed" and verbosity < 2 and not verbose_always):
            return
        task = _task_of(result)
        if not item and task.loop and "results" in payload:
            return  # a loop's host result: its items had their own lines
        text = f"{status}: [{progress.escape(self.host_label(result))}]"
        if item:
            text += f" (item={progress.escape(self._get_item_label(payload))})"
        if not payload.get("_ansible_verbose_override") and (verbose_always or verbosity >= 3):
            text += f" => {self._dump(payload, task)}"
        self._screen.line(text, color=color)

    def _failure(self, result: t.Any, payload: c.MutableMapping[str, t.Any], status: str, color: str, item: bool = False) -> None:
        task = _task_of(result)
        key = (task._uuid, _host_of(result).get_name())
        if item:
            self._failed_items.add(key)
        elif task.loop and ("results" in payload or key in self._failed_items):
            self._failed_items.discard(key)
            return  # the failed items were printed as they happened
        text = f"{status}: [{progress.escape(self.host_label(result))}] {self._label(task, isinstance(task, Handler))}"
        if item:
            text += f" (item={progress.escape(self._get_item_label(payload))})"
        self._screen.line(f"{text} => {self._dump(payload, task)}", color=color, stderr=self._failed_stderr())

    # Each handler prints what it has to say about the host first, then counts it: counting may end the task, and
    # the task's line comes after its hosts' lines.
    def v2_runner_on_ok(self, result: t.Any) -> None:
        payload = _payload_of(result)
        self._collect_report(payload)
        self._handle_summaries(payload, failed=False)
        status = "changed" if payload.get("changed", False) else "ok"
        self._host_line(result, payload, status, C.COLOR_CHANGED if status == "changed" else C.COLOR_OK)
        self._redraw(self._record(result, status))

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        payload = _payload_of(result)
        self._screen.erase()
        self._handle_summaries(payload, failed=True)
        self._failure(result, payload, "failed", C.COLOR_ERROR)
        if ignore_errors:
            self._screen.line("...ignoring", color=C.COLOR_SKIP)
        self._redraw(self._record(result, "ignored" if ignore_errors else "failed"))

    def v2_runner_on_skipped(self, result: t.Any) -> None:
        payload = _payload_of(result)
        self._handle_summaries(payload, failed=False)
        self._host_line(result, payload, "skipping", C.COLOR_SKIP)
        self._redraw(self._record(result, "skipped"))

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        payload = _payload_of(result)
        self._screen.erase()
        self._handle_summaries(payload, failed=True)
        self._failure(result, payload, "unreachable", C.COLOR_UNREACHABLE)
        if _task_of(result).ignore_unreachable:
            self._screen.line("...ignoring", color=C.COLOR_SKIP)
        self._redraw(self._record(result, "unreachable"))

    def v2_runner_item_on_ok(self, result: t.Any) -> None:
        payload = _payload_of(result)
        self._collect_report(payload)
        self._handle_summaries(payload, failed=False)
        status = "changed" if payload.get("changed", False) else "ok"
        self._host_line(result, payload, status, C.COLOR_CHANGED if status == "changed" else C.COLOR_OK, item=True)
        self._redraw()

    def v2_runner_item_on_failed(self, result: t.Any) -> None:
        payload = _payload_of(result)
        self._screen.erase()
        self._handle_summaries(payload, failed=True)
        self._failure(result, payload, "failed", C.COLOR_ERROR, item=True)
        self._redraw()

    def v2_runner_item_on_skipped(self, result: t.Any) -> None:
        payload = _payload_of(result)
        self._handle_summaries(payload, failed=False)
        self._host_line(result, payload, "skipping", C.COLOR_SKIP, item=True)
        self._redraw()

    def v2_runner_retry(self, result: t.Any) -> None:
        payload = _payload_of(result)
        if self._display.verbosity >= 1:
            left = int(payload.get("retries", 0)) - int(payload.get("attempts", 0))
            task = _task_of(result)
            self._screen.line(f"retrying: [{progress.escape(self.host_label(result))}] {self._label(task, isinstance(task, Handler))} ({left} retries left)",
                              color=C.COLOR_DEBUG)
        self._redraw()

    def v2_runner_on_start(self, host: t.Any, task: t.Any) -> None:
        self._redraw(self._tasks.get(task._uuid))

    def v2_on_file_diff(self, result: t.Any) -> None:
        payload = _payload_of(result)
        parts = payload["results"] if _task_of(result).loop and "results" in payload else [payload]
        for part in parts:
            if not isinstance(part, c.Mapping) or part.get("_ansible_no_log") or not part.get("changed", False) or not part.get("diff"):
                continue
            text = self._get_diff(progress.escape_diff(part["diff"]))
            if text:
                self._screen.line(text)
        self._redraw()

    # -- plays and tasks ---------------------------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook: t.Any) -> None:
        self._run_started = time.monotonic()

    def v2_playbook_on_play_start(self, play: t.Any) -> None:
        self._finish_tasks()
        self._play = play
        self._no_hosts_left_shown = False
        self._ordered = play.strategy not in _UNORDERED_STRATEGIES
        self._included.clear()
        batch = self._batches[play._uuid] = self._batches.get(play._uuid, 0) + 1
        name = progress.escape(play.get_name().strip())
        text = f"PLAY [{name}]" if name else "PLAY"
        play_hosts = self._play_hosts()
        if play_hosts is not None:
            current, every = play_hosts
            text += f" batch {batch}: {len(current)} of {len(every)} hosts" if play.serial else f" {len(current)} hosts"
        if play.check_mode or context.CLIARGS.get("check"):
            text += " [check mode]"
        self._screen.line(text)

    def v2_playbook_on_task_start(self, task: t.Any, is_conditional: bool) -> None:
        self._start_task(task, handler=False)

    def v2_playbook_on_handler_task_start(self, task: t.Any) -> None:
        self._start_task(task, handler=True)

    def v2_playbook_on_include(self, included_file: t.Any) -> None:
        hosts = {host.get_name() for host in included_file._hosts}
        self._included.setdefault(included_file._task._uuid, set()).update(hosts)
        if self._display.verbosity >= 2:
            self._screen.line(f"included: {progress.escape(included_file._filename)} for {progress.escape(', '.join(sorted(hosts)))}",
                              color=C.COLOR_SKIP)
            self._redraw()

    def v2_playbook_on_no_hosts_matched(self) -> None:
        self._screen.line("skipping: no hosts matched", color=C.COLOR_SKIP)

    def v2_playbook_on_no_hosts_remaining(self) -> None:
        self._finish_tasks()
        # ansible-core sends it twice when a batch stops the play (the strategy, then the playbook executor).
        if not self._no_hosts_left_shown:
            self._no_hosts_left_shown = True
            self._screen.line("NO MORE HOSTS LEFT", color=C.COLOR_ERROR)

    def v2_playbook_on_stats(self, stats: t.Any) -> None:
        self._finish_tasks()
        elapsed = progress.format_duration(time.monotonic() - self._run_started)
        self._screen.line("")
        self._screen.line(f"PLAY RECAP ({elapsed})")
        for host in sorted(stats.processed.keys()):
            summary = stats.summarize(host)
            name = progress.escape(host)
            # The screen gets colours, the log file the same line without them.
            for colored in (True, False):
                counters = " ".join(colorize(label, summary[key], color if colored else None) for label, key, color in _RECAP_COUNTERS)
                self._screen.line(f"{hostcolor(name, summary, colored)} : {counters}", screen_only=colored, log_only=not colored)
        if self._report is not None:
            self._screen.line("")
            count = len(self._report)
            self._screen.line(f"ORGANIZATION ACCESS REPORT ({count} account{'' if count == 1 else 's'})")
            for line in progress.report_table(self._report):
                self._screen.line(line)
        self._screen.close()
