# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookup's credential cache, with a fake fetch function and a fake clock (no AWS)."""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import stat
import time

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _credential_cache as cc

T0 = 1_900_000_000.0
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
TOKEN = "FwoGZXIvYXdzSESSIONTOKENxyz"


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def creds(expires_at: float, n: int = 1) -> AssumedCredentials:
    return AssumedCredentials(
        access_key=f"ASIAFAKE{n:08d}",
        secret_key=f"{SECRET}{n}",
        session_token=f"{TOKEN}{n}",
        expiration=datetime.datetime.fromtimestamp(expires_at, datetime.UTC),
        assumed_role_arn="arn:aws:sts::222222222222:assumed-role/Target/s",
        assumed_role_id="AROAFAKE:s",
        account_id="222222222222",
    )


class Fetcher:
    def __init__(self, clock: Clock, lifetime: float = 3600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0

    def __call__(self) -> AssumedCredentials:
        self.calls += 1
        return creds(self.clock() + self.lifetime, self.calls)


KEY = cc.cache_key({"settings": {"profile": "p"}}, {"role_arn": "arn:aws:iam::222222222222:role/Target"})


@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / "sub" / "cache")


def test_key_is_stable_and_sensitive():
    a = cc.cache_key({"settings": {"profile": "p", "region": None}}, {"role_arn": "r", "external_id": "x"})
    b = cc.cache_key({"settings": {"region": None, "profile": "p"}}, {"external_id": "x", "role_arn": "r"})
    c = cc.cache_key({"settings": {"profile": "p", "region": None}}, {"role_arn": "r", "external_id": "y"})
    d = cc.cache_key({"settings": {"profile": "q", "region": None}}, {"role_arn": "r", "external_id": "x"})
    assert a == b
    assert len({a, c, d}) == 3
    assert len(a) == 64 and all(ch in "0123456789abcdef" for ch in a)


def test_source_fields_use_environment_but_no_secret():
    env = {"AWS_PROFILE": "dev", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN, "HOME": "/x"}
    fields = cc.source_fields({"profile": None, "access_key": None, "region": "eu-west-1", "endpoint_url": None}, env)
    assert fields["env"] == {"AWS_PROFILE": "dev"}
    assert SECRET not in json.dumps(fields) and TOKEN not in json.dumps(fields)
    other = cc.source_fields({"profile": None, "access_key": None, "region": "eu-west-1", "endpoint_url": None}, {"AWS_PROFILE": "prod"})
    assert cc.cache_key(fields, {}) != cc.cache_key(other, {})


def test_fetches_once_then_serves_from_cache(cache_dir):
    clock = Clock()
    fetch = Fetcher(clock)
    cache = cc.CredentialCache(cache_dir, clock=clock)
    first, fetched = cache.get_or_fetch(KEY, fetch)
    assert fetched
    for _attempt in range(49):
        again, fetched = cache.get_or_fetch(KEY, fetch)
        assert not fetched
        assert again.secret_key == first.secret_key
    assert fetch.calls == 1


def test_directory_0700_and_file_0600_even_with_open_umask(cache_dir):
    old = os.umask(0)
    try:
        clock = Clock()
        cc.CredentialCache(cache_dir, clock=clock).get_or_fetch(KEY, Fetcher(clock))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(cache_dir, f"{KEY}.json")).st_mode) == 0o600
    leftovers = [name for name in os.listdir(cache_dir) if name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o1777, 0o722])
def test_existing_directory_writable_by_others_is_refused_and_left_alone(cache_dir, mode):
    # Issue 12 (5): `cache_dir: /tmp` as root must not lock everyone else out of /tmp.
    os.makedirs(cache_dir)
    os.chmod(cache_dir, mode)
    clock = Clock()
    fetch = Fetcher(clock)
    with pytest.raises(cc.CacheUnusable, match=r"^cache_dir .* is writable by other users"):
        cc.CredentialCache(cache_dir, clock=clock).get_or_fetch(KEY, fetch)
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == mode
    assert fetch.calls == 0 and os.listdir(cache_dir) == []


def test_existing_private_directory_is_used_without_chmod(cache_dir):
    os.makedirs(cache_dir)
    os.chmod(cache_dir, 0o755)
    clock = Clock()
    _creds, fetched = cc.CredentialCache(cache_dir, clock=clock).get_or_fetch(KEY, Fetcher(clock))
    assert fetched
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(os.path.join(cache_dir, f"{KEY}.json")).st_mode) == 0o600


def test_put_failing_as_unusable_after_the_fetch_never_fetches_again(cache_dir, monkeypatch):
    # Issue 12 (10): the directory turned unsafe between the fetch and the write.
    clock = Clock()
    fetch = Fetcher(clock)
    cache = cc.CredentialCache(cache_dir, clock=clock)
    real = cache.ensure_directory
    seen = []

    def flaky() -> None:
        seen.append(1)
        if len(seen) > 1:
            raise cc.CacheUnusable(f"cache_dir {cache_dir} is a symlink or not a directory")
        real()

    monkeypatch.setattr(cache, "ensure_directory", flaky)
    got, fetched = cache.get_or_fetch(KEY, fetch)
    assert fetched and got.access_key == "ASIAFAKE00000001"
    assert fetch.calls == 1 and len(seen) == 2


def test_stale_temp_files_of_a_killed_writer_are_removed(cache_dir):
    # Issue 12 (12): a writer killed between write and rename leaves a temp file holding secrets.
    clock = Clock()
    cache = cc.CredentialCache(cache_dir, clock=clock)
    cache.ensure_directory()
    stale = os.path.join(cache_dir, ".crossaccount-aws-abc12345.tmp")
    fresh = os.path.join(cache_dir, ".crossaccount-aws-def45678.tmp")
    for path in (stale, fresh):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"credentials": {"secret_key": SECRET}}))
    old = time.time() - cc.STALE_TEMP_SECONDS - 5
    os.utime(stale, (old, old))
    cache.get_or_fetch(KEY, Fetcher(clock))
    assert not os.path.exists(stale)
    # A young one may belong to a writer about to rename it.
    assert os.path.exists(fresh)


def test_temp_files_are_named_so_that_the_cleanup_knows_them(cache_dir, monkeypatch):
    # A writer killed before the rename leaves exactly a name the cleanup removes.
    cache = cc.CredentialCache(cache_dir, clock=Clock())
    cache.ensure_directory()

    def killed(*_args: object, **_kwargs: object) -> None:
        raise OSError("killed before the rename")

    seen = []
    real_unlink = os.unlink

    def unlink(path: str, *args: object, **kwargs: object) -> None:
        seen.append(os.path.basename(path))
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(cc.os, "replace", killed)
    monkeypatch.setattr(cc.os, "unlink", unlink)
    with pytest.raises(OSError):
        cache.put(KEY, creds(T0 + 3600))
    assert len(seen) == 1 and cc._TEMP_NAME_RE.fullmatch(seen[0]), seen


@pytest.mark.parametrize("name", [".notes.tmp", ".bashrc.tmp", f".{KEY[:16]}.json.abc123.tmp", ".crossaccount-aws-x.tmp",
                                  "crossaccount-aws-abc12345.tmp"])
def test_stale_cleanup_leaves_files_the_cache_did_not_name(cache_dir, name):
    # Only what the cache itself creates is taken away, however old and however "temporary" it looks.
    cache = cc.CredentialCache(cache_dir, clock=Clock())
    cache.ensure_directory()
    path = os.path.join(cache_dir, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("the user's own notes")
    old = time.time() - 3600
    os.utime(path, (old, old))
    cache.ensure_directory()
    assert os.path.exists(path)


def test_stale_cleanup_leaves_a_link_or_directory_with_the_cache_s_name(cache_dir, tmp_path):
    cache = cc.CredentialCache(cache_dir, clock=Clock())
    cache.ensure_directory()
    target = tmp_path / "elsewhere"
    target.write_text("x")
    link = os.path.join(cache_dir, ".crossaccount-aws-link0001.tmp")
    os.symlink(target, link)
    directory = os.path.join(cache_dir, ".crossaccount-aws-dir00001.tmp")
    os.mkdir(directory)
    old = time.time() - 3600
    for path in (link, directory):
        os.utime(path, (old, old), follow_symlinks=False)
    cache.ensure_directory()
    assert os.path.islink(link) and os.path.isdir(directory) and target.exists()


# --- the directories above the cache -------------------------------------------------------------

OTHER_UID = 40125


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o757, 0o1777])
def test_a_parent_that_others_may_write_is_refused_unless_root_s_and_sticky(tmp_path, mode):
    # Whoever may rename entries of a parent could put a directory of their own in place of the cache.
    parent = tmp_path / "shared"
    parent.mkdir()
    os.chmod(parent, mode)
    cache = cc.CredentialCache(str(parent / "cache"), clock=Clock())
    if os.geteuid() == 0 and mode & 0o1000:
        cache.ensure_directory()  # root's own sticky directory, like /tmp: only an entry's owner may rename it
        return
    fetch = Fetcher(Clock())
    with pytest.raises(cc.CacheUnusable, match=rf"^cache_dir {parent}/cache: its parent {parent} is writable by other users"):
        cache.get_or_fetch(KEY, fetch)
    assert fetch.calls == 0


def test_a_sticky_parent_of_another_user_is_refused(tmp_path):
    assert os.geteuid() == 0, "needs root to give a directory to another user"
    parent = tmp_path / "theirs"
    parent.mkdir()
    os.chmod(parent, 0o1777)
    os.chown(parent, OTHER_UID, OTHER_UID)
    with pytest.raises(cc.CacheUnusable, match=r"its parent .*theirs is owned by another user \(uid 40125\)"):
        cc.CredentialCache(str(parent / "cache"), clock=Clock()).ensure_directory()


def test_a_parent_owned_by_another_user_is_refused_even_if_private_to_them(tmp_path):
    # The attack of the issue: a folder under /tmp that another user owns, the cache made in it by us.
    assert os.geteuid() == 0, "needs root to give a directory to another user"
    parent = tmp_path / "attacker"
    parent.mkdir(mode=0o755)
    os.chown(parent, OTHER_UID, OTHER_UID)
    (parent / "cache").mkdir(mode=0o700)  # ours, 0700: only the parent is wrong
    fetch = Fetcher(Clock())
    with pytest.raises(cc.CacheUnusable, match=r"its parent .*attacker is owned by another user"):
        cc.CredentialCache(str(parent / "cache"), clock=Clock()).get_or_fetch(KEY, fetch)
    assert fetch.calls == 0


def test_a_link_above_the_cache_is_followed_only_when_ours_or_root_s(tmp_path):
    assert os.geteuid() == 0, "needs root to give a link to another user"
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    ours = tmp_path / "ours"
    ours.symlink_to(real)
    cc.CredentialCache(str(ours / "cache"), clock=Clock()).ensure_directory()
    theirs = tmp_path / "theirs"
    theirs.symlink_to(real)
    os.lchown(theirs, OTHER_UID, OTHER_UID)
    with pytest.raises(cc.CacheUnusable, match=r"is a symbolic link of another user"):
        cc.CredentialCache(str(theirs / "cache"), clock=Clock()).ensure_directory()


def test_sdk_window_refreshes_earlier_but_within_half_the_lifetime(cache_dir):
    clock = Clock()
    cache = cc.CredentialCache(cache_dir, clock=clock, sdk_window=900)
    hour = creds(T0 + 3600)
    short = creds(T0 + 900)
    assert cache.window(hour, T0) == 900
    assert cache.window(short, T0) == 450
    assert cc.CredentialCache(cache_dir, clock=clock).window(hour, T0) == cc.MAX_REFRESH_WINDOW


def test_symlinked_directory_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    clock = Clock()
    with pytest.raises(cc.CacheUnusable, match="symlink"):
        cc.CredentialCache(str(link), clock=clock).get_or_fetch(KEY, Fetcher(clock))
    assert list(real.iterdir()) == []


def test_entry_inside_refresh_window_is_refreshed(cache_dir):
    clock = Clock()
    fetch = Fetcher(clock, lifetime=900)
    cache = cc.CredentialCache(cache_dir, clock=clock)
    cache.get_or_fetch(KEY, fetch)
    # 900-second session: the window is min(300, 900/3) = 300 s, so 599 s later it is still served...
    clock.now += 599
    fetched = cache.get_or_fetch(KEY, fetch)[1]
    assert not fetched
    # ...and at 600 s (300 s left) it is refreshed.
    clock.now += 1
    fresh, fetched = cache.get_or_fetch(KEY, fetch)
    assert fetched and fetch.calls == 2
    assert fresh.seconds_left(clock()) == 900


def test_short_lifetime_uses_a_third_as_window(cache_dir):
    # The emulator's time scale hands out sessions of a few real seconds; a fixed 300 s window would
    # make every read call AssumeRole (botocore's 900 s pitfall).
    clock = Clock()
    fetch = Fetcher(clock, lifetime=30)
    cache = cc.CredentialCache(cache_dir, clock=clock)
    cache.get_or_fetch(KEY, fetch)
    clock.now += 19
    assert cache.get_or_fetch(KEY, fetch)[1] is False
    clock.now += 1
    assert cache.get_or_fetch(KEY, fetch)[1] is True


def test_expired_entry_is_never_returned(cache_dir):
    clock = Clock()
    cache = cc.CredentialCache(cache_dir, refresh_window=0, clock=clock)
    cache.put(KEY, creds(T0 + 10), issued_at=T0)
    assert cache.get(KEY) is not None
    clock.now = T0 + 10
    assert cache.get(KEY) is None
    clock.now = T0 + 1000
    assert cache.get(KEY) is None


def test_configured_refresh_window(cache_dir):
    clock = Clock()
    cache = cc.CredentialCache(cache_dir, refresh_window=1000, clock=clock)
    cache.put(KEY, creds(T0 + 3600), issued_at=T0)
    clock.now = T0 + 2599
    assert cache.get(KEY) is not None
    clock.now = T0 + 2600
    assert cache.get(KEY) is None


def test_refresh_window_rule():
    assert cc.refresh_window_for(900) == 300
    assert cc.refresh_window_for(3600) == 300
    assert cc.refresh_window_for(43200) == 300
    assert cc.refresh_window_for(60) == 20
    assert cc.refresh_window_for(60, configured=5) == 5


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe garbage",
        b"[]",
        b'{"format": "something-else", "key": "x"}',
        b'{"AccessKeyId": "AKIA", "SecretAccessKey": "x", "Expiration": "2030-01-01T00:00:00Z"}',
        json.dumps({"format": cc.FORMAT, "key": "another-key", "issued_at": T0, "credentials": {}}).encode(),
        json.dumps({"format": cc.FORMAT, "key": KEY, "issued_at": T0, "credentials": {"access_key": "A"}}).encode(),
        json.dumps({"format": cc.FORMAT, "key": KEY, "issued_at": "soon", "credentials": creds(T0 + 99).to_cache()}).encode(),
        b"",
    ],
    ids=["truncated", "binary", "list", "foreign-format", "botocore-format", "other-key", "partial", "bad-issued", "empty"],
)
def test_corrupt_or_foreign_file_is_ignored_and_replaced(cache_dir, content):
    os.makedirs(cache_dir, mode=0o700)
    path = os.path.join(cache_dir, f"{KEY}.json")
    with open(path, "wb") as handle:
        handle.write(content)
    os.chmod(path, 0o600)
    clock = Clock()
    fetch = Fetcher(clock)
    cache = cc.CredentialCache(cache_dir, clock=clock)
    result, fetched = cache.get_or_fetch(KEY, fetch)
    assert fetched and fetch.calls == 1
    with open(path, encoding="utf-8") as handle:
        stored = json.load(handle)
    assert stored["format"] == cc.FORMAT and stored["credentials"]["access_key"] == result.access_key
    assert cache.get_or_fetch(KEY, fetch)[1] is False


def test_group_readable_file_is_not_trusted(cache_dir):
    clock = Clock()
    fetch = Fetcher(clock)
    cache = cc.CredentialCache(cache_dir, clock=clock)
    cache.get_or_fetch(KEY, fetch)
    path = os.path.join(cache_dir, f"{KEY}.json")
    os.chmod(path, 0o644)
    fetched = cache.get_or_fetch(KEY, fetch)[1]
    assert fetched and fetch.calls == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_symlinked_file_is_not_read_and_target_not_written(cache_dir, tmp_path):
    clock = Clock()
    elsewhere = tmp_path / "victim.json"
    # Valid-looking content: it must still not be served through a symlink.
    payload = {"format": cc.FORMAT, "key": KEY, "issued_at": T0, "credentials": creds(T0 + 3600, 77).to_cache()}
    elsewhere.write_text(json.dumps(payload))
    os.chmod(elsewhere, 0o600)
    os.makedirs(cache_dir, mode=0o700)
    path = os.path.join(cache_dir, f"{KEY}.json")
    os.symlink(elsewhere, path)
    fetch = Fetcher(clock)
    result, fetched = cc.CredentialCache(cache_dir, clock=clock).get_or_fetch(KEY, fetch)
    assert fetched and result.access_key != "ASIAFAKE00000077"
    assert not os.path.islink(path)
    assert json.loads(elsewhere.read_text()) == payload


def test_file_of_another_user_is_not_trusted(cache_dir, monkeypatch):
    clock = Clock()
    fetch = Fetcher(clock)
    cache = cc.CredentialCache(cache_dir, clock=clock)
    cache.get_or_fetch(KEY, fetch)
    # Pretend to be another uid reading it: the file (and directory) now belong to "someone else".
    cache._uid = os.geteuid() + 1
    assert cache._read(KEY) is None
    with pytest.raises(cc.CacheUnusable, match="another user"):
        cache.ensure_directory()


def test_put_is_atomic_rename(cache_dir, monkeypatch):
    clock = Clock()
    cache = cc.CredentialCache(cache_dir, clock=clock)
    cache.ensure_directory()
    cache.put(KEY, creds(T0 + 3600, 1), issued_at=T0)
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((os.path.dirname(src), dst))
        # At the moment of the rename the old entry is still whole.
        assert cache.get(KEY).access_key == "ASIAFAKE00000001"
        return real_replace(src, dst)

    monkeypatch.setattr(cc.os, "replace", spy)
    cache.put(KEY, creds(T0 + 3600, 2), issued_at=T0)
    assert calls == [(cache.directory, cache.path(KEY))]
    assert cache.get(KEY).access_key == "ASIAFAKE00000002"


def test_failed_write_leaves_no_temp_file_and_returns_credentials(cache_dir, monkeypatch):
    clock = Clock()
    cache = cc.CredentialCache(cache_dir, clock=clock)

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cc.os, "replace", broken)
    result, fetched = cache.get_or_fetch(KEY, Fetcher(clock))
    assert fetched and result.access_key
    assert [n for n in os.listdir(cache_dir) if n.endswith(".tmp")] == []


def test_fetch_error_propagates_and_caches_nothing(cache_dir):
    clock = Clock()
    cache = cc.CredentialCache(cache_dir, clock=clock)

    def failing():
        raise RuntimeError("denied")

    with pytest.raises(RuntimeError):
        cache.get_or_fetch(KEY, failing)
    assert not os.path.exists(cache.path(KEY))
    # The lock was released: a later fetch goes through.
    assert cache.get_or_fetch(KEY, Fetcher(clock))[1] is True


def test_cache_file_never_holds_the_mfa_token_or_key_material_in_name(cache_dir):
    clock = Clock()
    cache = cc.CredentialCache(cache_dir, clock=clock)
    cache.get_or_fetch(KEY, Fetcher(clock))
    assert sorted(os.listdir(cache_dir)) == [f"{KEY}.json", f"{KEY}.lock"]


def _worker(cache_dir: str, counter: str, barrier) -> None:
    def fetch() -> AssumedCredentials:
        with open(counter, "a", encoding="utf-8") as handle:
            handle.write("x")
        # Hold the lock long enough that every other process is waiting on it.
        time.sleep(0.5)
        return creds(time.time() + 3600)

    barrier.wait()
    cc.CredentialCache(cache_dir).get_or_fetch(KEY, fetch)


def test_concurrent_processes_fetch_once(cache_dir, tmp_path):
    counter = str(tmp_path / "count")
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(8)
    procs = [ctx.Process(target=_worker, args=(cache_dir, counter, barrier)) for _proc in range(8)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0] * 8
    with open(counter, encoding="utf-8") as handle:
        assert handle.read() == "x"
