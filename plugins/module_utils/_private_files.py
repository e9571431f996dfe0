# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: reading and writing a user's private files safely (aws_profile).

A play with ``become`` runs the module as root on files in a user's home: the user owns every
directory on the way and can swap any of them for a symbolic link at any moment. So no step uses a
path twice. The path is walked once, one component at a time, each directory opened relative to the
one before with ``O_NOFOLLOW | O_DIRECTORY``; every later step (read, lock, create, rename, chmod,
chown) is relative to the handle of the file's directory, which stays the directory that was checked
whatever happens to its name. Symbolic links on the way are followed only when owned by the user
running the module or by root. Only regular files are read; missing directories are created 0700,
files written 0600 in one atomic rename, and what root creates for another user keeps that user (the
owner of the directory it is in) as its owner. No AWS, no parsing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import typing as t
import uuid
from dataclasses import dataclass

from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError

FILE_MODE = 0o600
DIR_MODE = 0o700
# Symbolic links followed at most this many times while resolving a path (the kernel's own limit).
MAX_SYMLINKS = 40
TEMP_SUFFIX = ".tmp"
# Walking needs no read permission on the directories on the way where the platform can open a path
# without reading it (Linux O_PATH); the file's own directory is opened for reading (lock, sync).
_WALK = os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_PATH", os.O_RDONLY)
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _not_regular(path: str, option: str, mode: int) -> CrossAccountError:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symbolic link"))
    what = next((name for test, name in kinds if test(mode)), "not a regular file")
    return CrossAccountError(f"{option}: {path} is {what}; it must be a regular file (or not exist yet)")


def _failed(option: str, what: str, path: str, exc: OSError) -> CrossAccountError:
    return CrossAccountError(f"{option}: cannot {what} {path}: {exc.strerror or exc}")


@dataclass
class Location:
    """A file as a name in an open directory: ``dir_fd`` stays that directory whatever happens to its path."""

    dir_fd: int
    directory: str  # the directory's path, for messages only
    name: str

    @property
    def path(self) -> str:
        return os.path.join(self.directory, self.name)


def _owned_like_directory(fd: int, dir_fd: int) -> None:
    """Give what root just created the owner of the directory it was created in (the user whose home it is)."""
    if os.geteuid() != 0:
        return
    parent = os.fstat(dir_fd)
    os.fchown(fd, parent.st_uid, parent.st_gid)


def _make_directory(dir_fd: int, name: str, path: str, option: str) -> int:
    """Create ``name`` in ``dir_fd`` 0700 (owned like its parent) and return a handle on it."""
    try:
        os.mkdir(name, DIR_MODE, dir_fd=dir_fd)
    except FileExistsError:
        pass  # a parallel task made it; opened with O_NOFOLLOW below like any other directory
    except OSError as exc:
        raise _failed(option, "create", path, exc) from None
    else:
        fd = _open_directory(dir_fd, name, path, option, _OPEN_DIR)
        try:
            os.fchmod(fd, DIR_MODE)  # mkdir's mode is filtered by the umask
            _owned_like_directory(fd, dir_fd)
        finally:
            os.close(fd)
    return _open_directory(dir_fd, name, path, option)


def _open_directory(dir_fd: int, name: str, path: str, option: str, flags: int = _WALK) -> int:
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            # It was a directory when looked at and is a link (or a file) now: someone is changing the path.
            raise CrossAccountError(f"{option}: {path} changed while it was being opened (it is no longer a directory); "
                                    "nothing was written") from None
        raise _failed(option, "open", path, exc) from None


@contextlib.contextmanager
def located(path: str, option: str, create_directories: bool = False) -> t.Iterator[Location | None]:
    """The open directory of ``path`` and the file's name in it, every symbolic link resolved on the way.

    Links are followed only when owned by the user running the module or root: a play running as root
    (become) on a user's ``~/.aws/config`` must not be steered by that user's links to a file only root may
    write. Root-owned links (``/var/run``, ``/tmp`` on macOS) were made by root itself. Missing directories
    are created when ``create_directories``; otherwise a missing directory yields None (no file there).
    """
    euid = os.geteuid()
    pending = [part for part in path.split("/") if part]
    fd = os.open("/", _WALK)
    here = "/"
    followed = 0
    try:
        while pending:
            part = pending.pop(0)
            if part == ".":
                continue
            if part == "..":
                fd, old = _open_directory(fd, "..", os.path.dirname(here), option), fd
                os.close(old)
                here = os.path.dirname(here)
                continue
            candidate = os.path.join(here, part)
            try:
                info = os.stat(part, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                if not pending:
                    break  # the file does not exist yet
                if not create_directories:
                    # Nothing below a missing directory exists yet.
                    yield None
                    return
                fd, old = _make_directory(fd, part, candidate, option), fd
                os.close(old)
                here = candidate
                continue
            except OSError as exc:
                raise _failed(option, "read", candidate, exc) from None
            if stat.S_ISLNK(info.st_mode):
                if info.st_uid not in (euid, 0):
                    raise CrossAccountError(
                        f"{option}: {candidate} is a symbolic link owned by uid {info.st_uid}, not by the user running the "
                        f"module (uid {euid}); it is not followed, since it could point anywhere: give the path of the real file"
                    )
                followed += 1
                if followed > MAX_SYMLINKS:
                    raise CrossAccountError(f"{option}: too many levels of symbolic links in {path}")
                target = os.readlink(part, dir_fd=fd)
                if target.startswith("/"):
                    fd, old = os.open("/", _WALK), fd
                    os.close(old)
                    here = "/"
                pending[:0] = [piece for piece in target.split("/") if piece]
                continue
            if not pending:
                break  # the file itself: read_file opens it with O_NOFOLLOW
            fd, old = _open_directory(fd, part, candidate, option), fd
            os.close(old)
            here = candidate
        else:
            raise CrossAccountError(f"{option}: {path} is a directory; it must be a regular file (or not exist yet)")
        # The walk used handles that may not allow reading (O_PATH): the file's directory is opened for real.
        readable = _open_directory(fd, ".", here, option, _OPEN_DIR)
        try:
            yield Location(readable, here, part)
        finally:
            os.close(readable)
    finally:
        os.close(fd)


def read_file(where: Location, option: str) -> tuple[str | None, os.stat_result | None]:
    """The file's text and stat, or (None, None) when it does not exist; anything but a regular file is refused.

    O_NONBLOCK: opening a named pipe for reading would otherwise wait for a writer forever. O_NOFOLLOW: a
    link that appeared since the path was resolved is refused, not followed.
    """
    try:
        fd = os.open(where.name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=where.dir_fd)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _not_regular(where.path, option, stat.S_IFLNK) from None
        raise _failed(option, "read", where.path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(where.path, option, info.st_mode)
        with os.fdopen(fd, "rb") as handle:
            fd = -1  # the handle closes it
            data = handle.read()
    except OSError as exc:
        raise _failed(option, "read", where.path, exc) from None
    finally:
        if fd >= 0:
            os.close(fd)
    try:
        return data.decode("utf-8"), info
    except UnicodeDecodeError:
        raise CrossAccountError(f"{option}: {where.path} is not UTF-8 text, so it is left untouched") from None


@contextlib.contextmanager
def directory_lock(where: Location) -> t.Iterator[None]:
    """Serialise read-modify-write of files in the directory (parallel tasks writing two profiles must keep both).

    The lock is taken on the directory itself, so no lock file appears next to the user's files.
    """
    lock = os.dup(where.dir_fd)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)  # closing the descriptor releases the lock


def write_atomic(where: Location, text: str, previous: os.stat_result | None) -> None:
    """Replace the file in one rename inside its directory: readers see the old file or the new one, never half of it."""
    tmp = f".{where.name}.{uuid.uuid4().hex[:12]}{TEMP_SUFFIX}"
    # O_EXCL|O_NOFOLLOW: nobody can have pre-created or linked the temp name.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE, dir_fd=where.dir_fd)

    def own(fd: int) -> None:
        os.fchmod(fd, FILE_MODE)
        if previous is not None and os.geteuid() == 0:
            # Running as root for another user (become): the file must stay theirs.
            os.fchown(fd, previous.st_uid, previous.st_gid)
        elif previous is None:
            _owned_like_directory(fd, where.dir_fd)

    replace_from_temp(fd, tmp, where.name, text.encode("utf-8"), prepare=own, dir_fd=where.dir_fd)


def restrict_mode(where: Location, option: str) -> None:
    """Set the (regular) file to 0600 through a handle on it, never through a name that could be a link by now."""
    try:
        fd = os.open(where.name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=where.dir_fd)
    except OSError as exc:
        raise _failed(option, "open", where.path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(where.path, option, info.st_mode)
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def replace_from_temp(fd: int, tmp: str, path: str, data: bytes, prepare: t.Callable[[int], None] | None = None,
                      dir_fd: int | None = None) -> None:
    """Write ``data`` through ``fd`` (open on the temp file ``tmp``), sync it and rename it over ``path``.

    With ``dir_fd``, ``tmp`` and ``path`` are names in that directory. ``prepare`` runs on the descriptor
    first (mode, owner). On any failure the temp file is removed, so a half-written file never stays
    behind; the directory is synced afterwards so the rename survives a crash.
    """
    try:
        with os.fdopen(fd, "wb") as handle:
            if prepare is not None:
                prepare(handle.fileno())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if dir_fd is None:
            os.replace(tmp, path)
        else:
            os.replace(tmp, path, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            if dir_fd is None:
                os.unlink(tmp)
            else:
                os.unlink(tmp, dir_fd=dir_fd)
        raise
    # Best effort: not every filesystem can sync a directory.
    with contextlib.suppress(OSError):
        if dir_fd is not None:
            os.fsync(dir_fd)
            return
        sync_fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
        try:
            os.fsync(sync_fd)
        finally:
            os.close(sync_fd)
