# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection (controller only): the on-disk cache of assumed-role credentials used by the lookup.

Ansible runs a lookup once per task and per host, each time in a fresh worker process, so without a
cache a play of 50 tasks would make 50 AssumeRole calls. The cache is a directory of one JSON file
per key; it holds live secrets, so:

* the directory is 0700 and every file 0600, both owned by the current user; a symlink, a file of
  another user or a group/world-accessible file is never read (it is replaced by an atomic rename,
  which swaps the directory entry and never writes through a symlink);
* writes are atomic (mkstemp in the same directory, fsync, os.replace), so a reader never sees half
  a file, and corrupt or foreign content is ignored and replaced;
* an entry is never returned when it expires within the refresh window;
* a per-key ``flock`` lock makes concurrent forks wait for the one that calls AssumeRole, then
  read what it wrote.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import tempfile
import time
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._private_files import TEMP_SUFFIX, replace_from_temp
from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials
from ansible_collections.crossaccount.aws.plugins.plugin_utils._source import SOURCE_ENV

try:
    import fcntl

    HAS_FCNTL = True
except ImportError:  # pragma: no cover - Windows controllers are not supported by Ansible anyway
    HAS_FCNTL = False

FORMAT = "crossaccount.aws/assumed-credentials/v1"
DEFAULT_CACHE_DIR = "~/.ansible/tmp/crossaccount_aws_credentials"
# Refresh at most 5 minutes before expiry, and never more than a third of the session's lifetime:
# botocore's fixed 15-minute window makes every read of a 900-second session call AssumeRole again.
MAX_REFRESH_WINDOW = 300.0
# Temp files of the cache are named ".crossaccount-aws-<random>.tmp", so a cleanup never takes a user's own file.
TEMP_PREFIX = ".crossaccount-aws-"
_TEMP_NAME_RE = re.compile(r"\.crossaccount-aws-[A-Za-z0-9_]{6,}\.tmp", re.ASCII)
# A temp file older than this was left by a writer that died between write and rename.
STALE_TEMP_SECONDS = 60.0
REFRESH_FRACTION = 1.0 / 3.0
# Symbolic links followed at most this many times while checking the directories above the cache.
MAX_PARENT_SYMLINKS = 40


class CacheUnusable(Exception):
    """The cache directory cannot be trusted; callers fall back to calling AWS without caching."""


def source_fields(
    public_settings: t.Mapping[str, t.Any],
    environ: t.Mapping[str, str] | None = None,
    principal: t.Mapping[str, t.Any] | None = None,
) -> dict[str, t.Any]:
    """Who the source principal is, without a network call.

    The explicit public connection settings (profile, access key id, region, endpoint), the
    environment variables boto3 would fall back to, and ``principal``: what boto3 resolved them to
    (the access key id it found; see plugin_utils/_source.py), so a profile whose keys changed
    never shares entries with the previous keys. No secret takes part: an access key id names its
    principal, and hashing a secret key would leave a crackable digest on disk.
    """
    env = os.environ if environ is None else environ
    fields: dict[str, t.Any] = {
        "settings": {key: public_settings.get(key) for key in sorted(public_settings)},
        "env": {name: env.get(name) for name in SOURCE_ENV if env.get(name)},
    }
    if principal is not None:
        fields["principal"] = dict(principal)
    return fields


def cache_key(source: t.Mapping[str, t.Any], request_fields: t.Mapping[str, t.Any]) -> str:
    canonical = json.dumps({"source": source, "request": request_fields}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def refresh_window_for(lifetime: float, configured: float | None = None) -> float:
    """Seconds before expiry at which an entry stops being served."""
    if configured is not None:
        return float(configured)
    return min(MAX_REFRESH_WINDOW, max(lifetime, 0.0) * REFRESH_FRACTION)


class CredentialCache:
    def __init__(
        self,
        directory: str,
        refresh_window: float | None = None,
        clock: t.Callable[[], float] = time.time,
        sdk_window: float | None = None,
    ) -> None:
        self.directory = os.path.abspath(os.path.expanduser(directory))
        self.refresh_window = refresh_window
        # A reader that an SDK calls again and again near expiry (credential_process) refreshes
        # earlier: up to this many seconds, at most half the lifetime.
        self.sdk_window = sdk_window
        self.clock = clock
        self._uid = os.geteuid()

    # -- directory -------------------------------------------------------------------------
    def ensure_directory(self) -> None:
        """Create the directory 0700, or check an existing one; raises CacheUnusable when unsafe.

        Only a directory made here is chmod'ed: tightening an existing one (``cache_dir: /tmp`` as
        root) would lock everyone else out of it. An existing directory is used as it is when it is
        ours and nobody else may write to it, and refused otherwise.
        """
        parent = os.path.dirname(self.directory)
        try:
            os.makedirs(parent, mode=0o700, exist_ok=True)
            self._check_parents()
            try:
                os.mkdir(self.directory, 0o700)
                created = True
            except FileExistsError:
                created = False
            info = os.lstat(self.directory)
        except OSError as exc:
            raise CacheUnusable(f"cache_dir {self.directory}: cannot create the directory: {exc.strerror}") from None
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise CacheUnusable(f"cache_dir {self.directory} is a symlink or not a directory; refusing to keep credentials there")
        if info.st_uid != self._uid:
            raise CacheUnusable(f"cache_dir {self.directory} is owned by another user; refusing to keep credentials there")
        if created:
            if stat.S_IMODE(info.st_mode) != 0o700:
                # mkdir's mode is filtered by the umask; what we made is ours to set exactly.
                os.chmod(self.directory, 0o700)
        elif stat.S_IMODE(info.st_mode) & 0o022:
            raise CacheUnusable(
                f"cache_dir {self.directory} is writable by other users (mode {stat.S_IMODE(info.st_mode):04o}); refusing to keep "
                "credentials there: choose a directory of your own, or let the lookup create one"
            )
        self._remove_stale_temp_files()

    def _check_parents(self) -> None:
        """Refuse a cache below a directory in which another user may rename or replace entries.

        Whoever may rename the cache directory may put one of their own in its place after it was checked,
        with a ``credential_process`` of theirs in the ``format: profile`` config file. Each directory above
        must be owned by this user or root and writable by nobody else, unless it is root's and sticky (like
        ``/tmp``: there only an entry's owner may rename it). A symbolic link on the way is followed only when
        owned by this user or root (``/tmp`` -> ``/private/tmp`` on macOS).
        """
        pending = [part for part in os.path.dirname(self.directory).split("/") if part]
        current = "/"
        followed = 0
        while True:
            info = os.lstat(current)
            if stat.S_ISLNK(info.st_mode):
                if info.st_uid not in (self._uid, 0) or followed >= MAX_PARENT_SYMLINKS:
                    raise CacheUnusable(f"cache_dir {self.directory}: {current} is a symbolic link of another user (uid "
                                        f"{info.st_uid}); refusing to keep credentials below it")
                followed += 1
                target = os.readlink(current)
                pending[:0] = [part for part in target.split("/") if part]
                current = "/" if target.startswith("/") else os.path.dirname(current)
            else:
                self._check_parent(current, info)
            if not pending:
                return
            part = pending.pop(0)
            current = os.path.dirname(current) if part == ".." else current if part == "." else os.path.join(current, part)

    def _check_parent(self, path: str, info: os.stat_result) -> None:
        mode = stat.S_IMODE(info.st_mode)
        if info.st_uid not in (self._uid, 0):
            raise CacheUnusable(f"cache_dir {self.directory}: its parent {path} is owned by another user (uid {info.st_uid}), "
                                "who could replace the cache directory; refusing to keep credentials there")
        if mode & 0o022 and not (info.st_uid == 0 and mode & stat.S_ISVTX):
            raise CacheUnusable(f"cache_dir {self.directory}: its parent {path} is writable by other users (mode {mode:04o}, "
                                "not root's with the sticky bit), who could replace the cache directory; refusing to keep "
                                "credentials there")

    def _remove_stale_temp_files(self) -> None:
        """Remove temp files a killed writer left between write and rename: they hold live secrets.

        Only names this cache gives its temp files, only regular files of this user, and only files older
        than STALE_TEMP_SECONDS, so a concurrent writer's file (renamed within milliseconds) is never taken
        away from under it and a file of the user's own in the directory is never touched.
        """
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        now = time.time()
        for name in names:
            if _TEMP_NAME_RE.fullmatch(name) is None:
                continue
            path = os.path.join(self.directory, name)
            try:
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and info.st_uid == self._uid and now - info.st_mtime >= STALE_TEMP_SECONDS:
                    os.unlink(path)
            except OSError:
                continue

    def write_private(self, path: str, data: bytes) -> None:
        """Write ``data`` to ``path`` (inside the directory) 0600 and atomically."""
        # mkstemp creates the file 0600 with O_EXCL, so nobody can pre-create or symlink it.
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=self.directory)
        replace_from_temp(fd, tmp, path, data)

    def path(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.json")

    # -- read ----------------------------------------------------------------------------------
    def _read(self, key: str) -> tuple[AssumedCredentials, float] | None:
        """The entry and its issue time, or None for a missing, unsafe, corrupt or foreign file."""
        try:
            fd = os.open(self.path(key), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            # ENOENT, or ELOOP for a symlink: either way nothing we may read.
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != self._uid or stat.S_IMODE(info.st_mode) & 0o077:
                return None
            if info.st_size > 1024 * 1024:
                return None
            with os.fdopen(fd, "rb") as handle:
                fd = -1
                raw = handle.read()
        finally:
            if fd >= 0:
                os.close(fd)
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
                return None
            issued = float(data["issued_at"])
            creds = AssumedCredentials.from_cache(data["credentials"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None
        return creds, issued

    def window(self, creds: AssumedCredentials, issued_at: float) -> float:
        lifetime = creds.expiration.timestamp() - issued_at
        window = refresh_window_for(lifetime, self.refresh_window)
        if self.sdk_window is not None:
            window = max(window, min(self.sdk_window, max(lifetime, 0.0) / 2))
        return window

    def get(self, key: str) -> AssumedCredentials | None:
        """A cached entry that stays valid beyond the refresh window, else None."""
        entry = self._read(key)
        if entry is None:
            return None
        creds, issued = entry
        left = creds.seconds_left(self.clock())
        if left <= 0 or left <= self.window(creds, issued):
            return None
        return creds

    def unexpired(self, key: str) -> AssumedCredentials | None:
        """A cached entry that has not expired yet, refresh window or not: for a reader that cannot refresh it."""
        entry = self._read(key)
        if entry is None:
            return None
        creds, _issued = entry
        return creds if creds.seconds_left(self.clock()) > 0 else None

    # -- write ---------------------------------------------------------------------------------
    def put(self, key: str, creds: AssumedCredentials, issued_at: float | None = None) -> None:
        self.ensure_directory()
        payload = {
            "format": FORMAT,
            "key": key,
            "issued_at": self.clock() if issued_at is None else issued_at,
            "credentials": creds.to_cache(),
        }
        data = json.dumps(payload, sort_keys=True).encode("utf-8")
        self.write_private(self.path(key), data)

    # -- lock ------------------------------------------------------------------------------------
    def _lock(self, key: str) -> int | None:
        """An exclusive flock on ``<key>.lock``; None when locking is impossible (then we just fetch)."""
        if not HAS_FCNTL:
            return None
        path = os.path.join(self.directory, f"{key}.lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != self._uid:
                os.close(fd)
                return None
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    break
                except OSError as exc:
                    if exc.errno != errno.EINTR:
                        raise
        except OSError:
            os.close(fd)
            return None
        return fd

    @staticmethod
    def _unlock(fd: int | None) -> None:
        if fd is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # -- the one entry point ---------------------------------------------------------------------
    def get_or_fetch(self, key: str, fetch: t.Callable[[], AssumedCredentials]) -> tuple[AssumedCredentials, bool]:
        """Cached credentials, or ``fetch()`` once under the key's lock; returns (credentials, fetched)."""
        self.ensure_directory()
        cached = self.get(key)
        if cached is not None:
            return cached, False
        lock = self._lock(key)
        try:
            # Another fork may have fetched while we waited for the lock.
            cached = self.get(key)
            if cached is not None:
                return cached, False
            issued = self.clock()
            creds = fetch()
            try:
                self.put(key, creds, issued_at=issued)
            except (OSError, CacheUnusable):
                # A full disk, or a directory swapped meanwhile, must not fail the task, and must never
                # make the caller fetch again: the credentials are good, and a second AssumeRole would
                # reuse a one-time MFA code.
                pass
            return creds, True
        finally:
            self._unlock(lock)
