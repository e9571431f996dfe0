# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookup's credential cache under hostile file-system conditions (issue 6: cache hardening).

A cache entry holds live secrets and decides which credentials a play uses, so anything another user
could have planted or redirected is never read, replaced only by an atomic rename in our own directory
(never written through a symlink), and concurrent writers never leave a torn file. The tests run as
root and use uid/gid 65534 (nobody) as "another user".
"""

from __future__ import annotations

import datetime
import json
import os
import stat
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest
from integration.ansible_runner import COLLECTIONS_PATH, run_playbook
from integration.credentials_support import create_role

from reliability.conftest import record_summary

from ansible_collections.crossaccount.aws.plugins.plugin_utils._credential_cache import (  # isort: skip
    FORMAT,
    CacheUnusable,
    CredentialCache,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials  # isort: skip

OTHER_UID = 65534
KEY = "ab" * 32
LOOKUP = "crossaccount.aws.assumed_credentials"


def creds(tag: str, hours: float = 1.0) -> AssumedCredentials:
    return AssumedCredentials(
        access_key=f"ASIA{tag.upper():0<16}"[:20],
        secret_key=f"secret-{tag}",
        session_token=f"token-{tag}",
        expiration=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours),
        assumed_role_arn="arn:aws:sts::222222222222:assumed-role/Deploy/s",
        assumed_role_id="AROAEXAMPLE:s",
        account_id="222222222222",
    )


def entry_bytes(key: str, credentials: AssumedCredentials) -> bytes:
    """A well-formed entry, as the cache itself would write it."""
    payload = {"format": FORMAT, "key": key, "issued_at": datetime.datetime.now().timestamp(), "credentials": credentials.to_cache()}
    return json.dumps(payload, sort_keys=True).encode()


class Fetcher:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.calls = 0

    def __call__(self) -> AssumedCredentials:
        self.calls += 1
        return creds(self.tag)


def plant(path: Path, data: bytes, mode: int = 0o600, uid: int | None = None) -> None:
    path.write_bytes(data)
    os.chmod(path, mode)
    if uid is not None:
        os.chown(path, uid, uid)


def assert_own_private_entry(path: Path, tag: str) -> None:
    info = os.lstat(path)
    assert stat.S_ISREG(info.st_mode), "the entry is not a regular file"
    assert info.st_uid == os.geteuid()
    assert stat.S_IMODE(info.st_mode) == 0o600, oct(info.st_mode)
    assert json.loads(path.read_bytes())["credentials"]["secret_key"] == f"secret-{tag}"


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


# ---------------------------------------------------------------------------------------------- entries
@pytest.mark.parametrize("how", ["other-owner", "group-readable", "world-readable", "world-writable"])
def test_untrusted_entry_is_not_read_and_replaced(cache_dir: Path, how: str) -> None:
    cache = CredentialCache(str(cache_dir))
    cache.ensure_directory()
    path = Path(cache.path(KEY))
    modes = {"other-owner": 0o600, "group-readable": 0o640, "world-readable": 0o644, "world-writable": 0o666}
    plant(path, entry_bytes(KEY, creds("planted")), mode=modes[how], uid=OTHER_UID if how == "other-owner" else None)
    before = os.lstat(path).st_ino

    assert cache.get(KEY) is None
    fetch = Fetcher("fresh")
    got, fetched = cache.get_or_fetch(KEY, fetch)
    assert (got.secret_key, fetched, fetch.calls) == ("secret-fresh", True, 1)
    assert_own_private_entry(path, "fresh")
    # Replaced by rename (a new inode), not rewritten in place through the planted file.
    assert os.lstat(path).st_ino != before
    assert cache.get(KEY).secret_key == "secret-fresh"


@pytest.mark.parametrize("content", [
    b"", b"{", b"[]", b"null", b'{"format": "other", "key": "x"}', b"\xff\xfe\x00garbage",
    b'{"format": "crossaccount.aws/assumed-credentials/v1", "key": "' + b"cd" * 32 + b'", "issued_at": 1, "credentials": {}}',
], ids=["empty", "torn", "list", "null", "foreign-format", "binary", "other-key"])
def test_corrupt_or_foreign_entry_is_ignored_and_replaced(cache_dir: Path, content: bytes) -> None:
    cache = CredentialCache(str(cache_dir))
    cache.ensure_directory()
    path = Path(cache.path(KEY))
    plant(path, content)
    assert cache.get(KEY) is None
    got, fetched = cache.get_or_fetch(KEY, Fetcher("fresh"))
    assert fetched and got.secret_key == "secret-fresh"
    assert_own_private_entry(path, "fresh")


def test_symlinked_entry_is_not_read_and_its_target_not_written(cache_dir: Path, tmp_path: Path) -> None:
    cache = CredentialCache(str(cache_dir))
    cache.ensure_directory()
    # The target is a perfectly valid entry of ours: only the symlink makes it untrusted.
    victim = tmp_path / "victim.json"
    original = entry_bytes(KEY, creds("planted"))
    plant(victim, original)
    path = Path(cache.path(KEY))
    path.symlink_to(victim)

    assert cache.get(KEY) is None
    got, fetched = cache.get_or_fetch(KEY, Fetcher("fresh"))
    assert fetched and got.secret_key == "secret-fresh"
    assert_own_private_entry(path, "fresh")
    assert victim.read_bytes() == original, "the symlink's target was written"


def test_symlinked_lock_file_is_not_followed(cache_dir: Path, tmp_path: Path) -> None:
    cache = CredentialCache(str(cache_dir))
    cache.ensure_directory()
    victim = tmp_path / "created-through-lock-symlink"
    (cache_dir / f"{KEY}.lock").symlink_to(victim)
    got, fetched = cache.get_or_fetch(KEY, Fetcher("fresh"))
    assert fetched and got.secret_key == "secret-fresh"
    assert not victim.exists(), "opening the lock followed a symlink"


def test_entry_replaced_by_a_directory_does_not_break_the_lookup(cache_dir: Path) -> None:
    cache = CredentialCache(str(cache_dir))
    cache.ensure_directory()
    Path(cache.path(KEY)).mkdir()
    got, fetched = cache.get_or_fetch(KEY, Fetcher("fresh"))
    # Nothing could be cached (the name is taken), but the credentials are good and nothing was read.
    assert fetched and got.secret_key == "secret-fresh"
    assert not any(name.endswith(".tmp") for name in os.listdir(cache_dir)), os.listdir(cache_dir)


# ---------------------------------------------------------------------------------------------- directory
def test_world_writable_directory_is_refused_and_left_alone(cache_dir: Path) -> None:
    """Issue 12 (5): an existing directory others may write to is not chmod'ed (think `cache_dir: /tmp` as root)."""
    cache_dir.mkdir(mode=0o700)
    os.chmod(cache_dir, 0o1777)
    cache = CredentialCache(str(cache_dir))
    path = Path(cache.path(KEY))
    # What another user could leave in a world-writable directory: files of their own and symlinks.
    plant(path, entry_bytes(KEY, creds("planted")), uid=OTHER_UID)
    fetch = Fetcher("fresh")
    with pytest.raises(CacheUnusable, match=f"cache_dir {cache_dir} is writable by other users"):
        cache.get_or_fetch(KEY, fetch)
    assert fetch.calls == 0
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o1777
    assert json.loads(path.read_bytes())["credentials"]["secret_key"] == "secret-planted"
    assert os.lstat(path).st_uid == OTHER_UID


KILLED_WRITER = textwrap.dedent("""
    import datetime, os, signal, sys
    sys.path.insert(0, sys.argv[1])
    from ansible_collections.crossaccount.aws.plugins.plugin_utils import _credential_cache as cc
    from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials
    # Killed after the temp file is written and synced, right before the rename.
    cc.os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)
    cc.CredentialCache(sys.argv[2]).put(sys.argv[3], AssumedCredentials(
        access_key="ASIAKILLED0000000000", secret_key="secret-killed", session_token="token-killed",
        expiration=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1),
        assumed_role_arn="arn:aws:sts::222222222222:assumed-role/R/s", assumed_role_id="AROAEXAMPLE:s", account_id="222222222222"))
""")


def test_temp_file_of_a_writer_killed_before_the_rename_is_cleaned_up(cache_dir: Path, tmp_path: Path) -> None:
    """Issue 12 (12): the secrets a killed writer left in its temp file do not stay on disk."""
    script = tmp_path / "killed.py"
    script.write_text(KILLED_WRITER)
    proc = _spawn(script, cache_dir, KEY)
    proc.communicate(timeout=120)
    assert proc.returncode == -9
    left = [name for name in os.listdir(cache_dir) if name.endswith(".tmp")]
    assert len(left) == 1 and b"secret-killed" in (cache_dir / left[0]).read_bytes()
    # Later, the next use of the cache removes it (a young one could still be renamed by a live writer).
    old = datetime.datetime.now().timestamp() - 3600
    os.utime(cache_dir / left[0], (old, old))
    got, fetched = CredentialCache(str(cache_dir)).get_or_fetch(KEY, Fetcher("fresh"))
    assert fetched and got.secret_key == "secret-fresh"
    assert [name for name in os.listdir(cache_dir) if name.endswith(".tmp")] == []
    assert not any(b"secret-killed" in (cache_dir / name).read_bytes() for name in os.listdir(cache_dir))


def test_directory_of_another_user_is_neither_read_nor_written(cache_dir: Path) -> None:
    cache = CredentialCache(str(cache_dir))
    cache.ensure_directory()
    path = Path(cache.path(KEY))
    plant(path, entry_bytes(KEY, creds("planted")))
    os.chown(cache_dir, OTHER_UID, OTHER_UID)
    listing = sorted(os.listdir(cache_dir))
    fetch = Fetcher("fresh")
    with pytest.raises(CacheUnusable, match="owned by another user"):
        cache.get_or_fetch(KEY, fetch)
    assert fetch.calls == 0
    assert sorted(os.listdir(cache_dir)) == listing
    assert json.loads(path.read_bytes())["credentials"]["secret_key"] == "secret-planted"


def test_symlinked_directory_is_neither_read_nor_written(cache_dir: Path, tmp_path: Path) -> None:
    real = tmp_path / "somewhere-else"
    real.mkdir(mode=0o700)
    plant(real / f"{KEY}.json", entry_bytes(KEY, creds("planted")))
    cache_dir.symlink_to(real)
    cache = CredentialCache(str(cache_dir))
    with pytest.raises(CacheUnusable, match="symlink"):
        cache.get_or_fetch(KEY, Fetcher("fresh"))
    with pytest.raises(CacheUnusable):
        cache.put(KEY, creds("fresh"))
    assert sorted(os.listdir(real)) == [f"{KEY}.json"]


def test_lookup_works_without_cache_when_the_directory_is_untrusted(emu: t.Any, tmp_path: Path) -> None:
    """End to end: the lookup warns, still returns credentials (one AssumeRole each), and leaves both alone."""
    role = create_role(emu, "CacheHardening")
    foreign = tmp_path / "foreign"
    foreign.mkdir(mode=0o700)
    os.chown(foreign, OTHER_UID, OTHER_UID)
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    out = tmp_path / "out.json"
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: Look up with both untrusted cache directories, twice each
              ansible.builtin.copy:
                content: "{{{{ [lookup('{LOOKUP}', role, profile='source-admin', cache_dir='{foreign}'),
                              lookup('{LOOKUP}', role, profile='source-admin', cache_dir='{foreign}'),
                              lookup('{LOOKUP}', role, profile='source-admin', cache_dir='{link}'),
                              lookup('{LOOKUP}', role, profile='source-admin', cache_dir='{link}')] | to_json }}}}"
                dest: "{out}"
                mode: "0600"
              no_log: true
    """)
    result = run_playbook(emu, play, extra_vars={"role": role})
    assert result.rc == 0, result.stdout[-3000:] + result.stderr[-2000:]
    got = json.loads(out.read_text())
    assert all(item["session_token"] for item in got)
    assert len({item["session_token"] for item in got}) == 4, "an untrusted directory served cached credentials"
    assert len(emu.client.calls(service="sts", action="AssumeRole")) == 4
    warnings = result.stdout + result.stderr
    assert "owned by another user" in warnings and "symlink" in warnings, warnings[-3000:]
    assert os.listdir(foreign) == [] and os.listdir(real) == []


# ---------------------------------------------------------------------------------------------- concurrency
WRITER = textwrap.dedent("""
    import datetime, json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    from ansible_collections.crossaccount.aws.plugins.plugin_utils._credential_cache import CredentialCache
    from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials
    cache_dir, key, role, who, arg = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
    cache = CredentialCache(cache_dir)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    # A large token makes a non-atomic write visibly torn: the file would be read mid-write.
    padding = str(who) * 60000
    if role == "naive-writer":
        # The control: a plain open/write in two halves, as a cache without atomic renames would do.
        path = cache.path(key)
        for i in range(int(arg)):
            data = json.dumps({"format": "x", "key": key, "credentials": {"access_key": f"ASIAWRITER{who:02d}{i:08d}",
                              "secret_key": f"secret-{who}-{i}", "session_token": f"token-{who}-{i}-{padding}"}}).encode()
            with open(path, "wb") as handle:
                handle.write(data[: len(data) // 2])
                handle.flush()
                time.sleep(0.02)
                handle.write(data[len(data) // 2:])
    elif role == "writer":
        for i in range(int(arg)):
            cache.put(key, AssumedCredentials(access_key=f"ASIAWRITER{who:02d}{i:08d}", secret_key=f"secret-{who}-{i}",
                                              session_token=f"token-{who}-{i}-{padding}", expiration=expires,
                                              assumed_role_arn="arn:aws:sts::222222222222:assumed-role/R/s",
                                              assumed_role_id="AROAEXAMPLE:s", account_id="222222222222"))
    else:
        path = cache.path(key)
        seen = bad = missing = 0
        # Read until the test says every writer has finished (arg: the stop file).
        deadline = time.monotonic() + 120
        while not os.path.exists(arg) and time.monotonic() < deadline:
            try:
                with open(path, "rb") as handle:
                    raw = handle.read()
            except FileNotFoundError:
                missing += 1
                continue
            seen += 1
            try:
                c = json.loads(raw)["credentials"]
                w, i = c["secret_key"].split("-")[1:]
                ok = (c["access_key"] == f"ASIAWRITER{int(w):02d}{int(i):08d}"
                      and c["session_token"] == f"token-{w}-{i}-" + w * 60000)
            except Exception:
                ok = False
            bad += not ok
            got = cache.get(key)
            if got is not None and not got.session_token.startswith(f"token-{got.secret_key.split('-')[1]}-"):
                bad += 1
        print(json.dumps({"seen": seen, "bad": bad, "missing": missing}))
""")


def _spawn(script: Path, *args: t.Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(script), str(COLLECTIONS_PATH), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _race(tmp_path: Path, cache_dir: Path, writer: str, writers: int, rounds: int, readers: int) -> list[dict[str, int]]:
    """Writers of ``writer`` kind against readers of the same key; returns the readers' counts."""
    script = tmp_path / "worker.py"
    script.write_text(WRITER)
    stop = tmp_path / f"{writer}-done"
    CredentialCache(str(cache_dir)).ensure_directory()
    procs = [_spawn(script, cache_dir, KEY, "reader", who, stop) for who in range(readers)]
    procs += [_spawn(script, cache_dir, KEY, writer, who, rounds) for who in range(writers)]
    writer_outputs = [proc.communicate(timeout=120) for proc in procs[readers:]]
    stop.touch()
    outputs = [proc.communicate(timeout=120) for proc in procs[:readers]] + writer_outputs
    for proc, (_stdout, stderr) in zip(procs, outputs):
        assert proc.returncode == 0, stderr[-3000:]
    return [json.loads(stdout) for stdout, _stderr in outputs[:readers]]


def test_torn_file_detector_sees_a_non_atomic_writer(tmp_path: Path) -> None:
    stats = _race(tmp_path, tmp_path / "naive", "naive-writer", writers=2, rounds=10, readers=1)
    assert sum(s["bad"] for s in stats) > 0, stats


def test_concurrent_writers_never_leave_a_torn_file(cache_dir: Path, tmp_path: Path) -> None:
    writers, rounds, readers = 6, 25, 2
    stats = _race(tmp_path, cache_dir, "writer", writers, rounds, readers)
    assert sum(s["bad"] for s in stats) == 0, stats
    assert sum(s["seen"] for s in stats) > 0, stats
    # The last write won whole; no temporary file was left behind.
    final = CredentialCache(str(cache_dir)).get(KEY)
    assert final is not None and final.session_token.startswith(f"token-{final.secret_key.split('-')[1]}-")
    assert sorted(os.listdir(cache_dir)) in ([f"{KEY}.json"], [f"{KEY}.json", f"{KEY}.lock"]), os.listdir(cache_dir)
    assert stat.S_IMODE(os.stat(CredentialCache(str(cache_dir)).path(KEY)).st_mode) == 0o600
    record_summary("inputs", "cache:concurrent-writers",
                   {"writers": writers, "writes": writers * rounds, "reads": sum(s["seen"] for s in stats), "torn": 0})


FETCHER = textwrap.dedent("""
    import datetime, json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    from ansible_collections.crossaccount.aws.plugins.plugin_utils._credential_cache import CredentialCache
    from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials
    cache_dir, key, calls_file, who = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    def fetch():
        with open(calls_file, "a") as handle:
            handle.write(who + "\\n")
        time.sleep(0.5)  # an AssumeRole round trip, long enough for every other fork to queue on the lock
        return AssumedCredentials(access_key="ASIAFETCHED000000000", secret_key="secret-" + who, session_token="token-" + who,
                                  expiration=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1),
                                  assumed_role_arn="arn:aws:sts::222222222222:assumed-role/R/s",
                                  assumed_role_id="AROAEXAMPLE:s", account_id="222222222222")
    creds, fetched = CredentialCache(cache_dir).get_or_fetch(key, fetch)
    print(json.dumps({"secret": creds.secret_key, "fetched": fetched}))
""")


def test_concurrent_forks_fetch_once(cache_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "fetcher.py"
    script.write_text(FETCHER)
    calls = tmp_path / "calls"
    procs = [_spawn(script, cache_dir, KEY, calls, who) for who in range(6)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_stdout, stderr) in zip(procs, outputs):
        assert proc.returncode == 0, stderr[-3000:]
    results = [json.loads(stdout) for stdout, _stderr in outputs]
    assert len(calls.read_text().split()) == 1, calls.read_text()
    assert len({r["secret"] for r in results}) == 1
    assert sum(r["fetched"] for r in results) == 1
