# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: reading and writing a user's private files safely (aws_profile).

Only regular files are read (never a pipe or device, never a link that appeared after the path was
resolved); symbolic links are followed only when owned by the user running the module or root;
missing directories are created 0700, files written 0600 in one atomic rename, and what root creates
for another user (become) keeps that user as its owner. No AWS, no parsing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError

FILE_MODE = 0o600
DIR_MODE = 0o700
# Symbolic links followed at most this many times while resolving a path (the kernel's own limit).
MAX_SYMLINKS = 40


def _not_regular(path: str, option: str, mode: int) -> CrossAccountError:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symbolic link"))
    what = next((name for test, name in kinds if test(mode)), "not a regular file")
    return CrossAccountError(f"{option}: {path} is {what}; it must be a regular file (or not exist yet)")


def read_file(path: str, option: str) -> tuple[str | None, os.stat_result | None]:
    """The file's text and stat, or (None, None) when it does not exist; anything but a regular file is refused.

    O_NONBLOCK: opening a named pipe for reading would otherwise wait for a writer forever. O_NOFOLLOW:
    the path was resolved by ``resolve_path``; a link that appears since is not followed.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise CrossAccountError(f"{option}: cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, option, info.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _not_regular(path, option, stat.S_IFLNK) from None
        raise CrossAccountError(f"{option}: cannot read {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _not_regular(path, option, info.st_mode)
            data = handle.read()
    except OSError as exc:
        raise CrossAccountError(f"{option}: cannot read {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8"), info
    except UnicodeDecodeError:
        raise CrossAccountError(f"{option}: {path} is not UTF-8 text, so it is left untouched") from None


def resolve_path(path: str, option: str) -> str:
    """``path`` with every symbolic link resolved, following only links owned by the user running the module or root.

    A play running as root (become) on a user's ``~/.aws/config`` must not be steered by that user's links to
    a file only root may write. Root-owned links (``/var/run``, ``/tmp`` on macOS) were made by root itself.
    """
    euid = os.geteuid()
    pending = [part for part in path.split("/") if part]
    resolved = "/"
    followed = 0
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, part)
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            # Nothing below a missing directory exists yet, so nothing below it can be a link.
            return os.path.normpath(os.path.join(candidate, *pending))
        except OSError as exc:
            raise CrossAccountError(f"{option}: cannot read {candidate}: {exc.strerror}") from None
        if not stat.S_ISLNK(info.st_mode):
            resolved = candidate
            continue
        if info.st_uid not in (euid, 0):
            raise CrossAccountError(
                f"{option}: {candidate} is a symbolic link owned by uid {info.st_uid}, not by the user running the module "
                f"(uid {euid}); it is not followed, since it could point anywhere: give the path of the real file"
            )
        followed += 1
        if followed > MAX_SYMLINKS:
            raise CrossAccountError(f"{option}: too many levels of symbolic links in {path}")
        target = os.readlink(candidate)
        if target.startswith("/"):
            resolved = "/"
        pending[:0] = [part for part in target.split("/") if part]
    return resolved


def _owned_like_parent(path: str, fd: int | None = None) -> None:
    """Give what root just created the owner of the directory it was created in (the user whose home it is)."""
    if os.geteuid() != 0:
        return
    parent = os.stat(os.path.dirname(path))
    if fd is None:
        os.chown(path, parent.st_uid, parent.st_gid, follow_symlinks=False)
    else:
        os.fchown(fd, parent.st_uid, parent.st_gid)


def make_private_dir(directory: str) -> None:
    """Create the missing directories of ``directory``, each 0700 and owned like its parent."""
    if os.path.isdir(directory):
        return
    make_private_dir(os.path.dirname(directory))
    try:
        os.mkdir(directory, DIR_MODE)
    except FileExistsError:
        if os.path.isdir(directory):
            return  # a parallel task made it
        raise
    os.chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask
    _owned_like_parent(directory)


@contextlib.contextmanager
def directory_lock(directory: str, option: str) -> t.Iterator[None]:
    """Serialise read-modify-write of files in ``directory`` (parallel tasks writing two profiles must keep both).

    The lock is taken on the directory itself, so no lock file appears next to the user's files.
    """
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError as exc:
        raise CrossAccountError(f"{option}: cannot open {directory}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_atomic(path: str, text: str, previous: os.stat_result | None) -> None:
    """Replace ``path`` in one rename: readers see the old file or the new one, never half of it."""
    directory = os.path.dirname(path)
    make_private_dir(directory)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)

    def own(fd: int) -> None:
        os.fchmod(fd, FILE_MODE)
        if previous is not None and os.geteuid() == 0:
            # Running as root for another user (become): the file must stay theirs.
            os.fchown(fd, previous.st_uid, previous.st_gid)
        elif previous is None:
            _owned_like_parent(path, fd)

    replace_from_temp(fd, tmp, path, text.encode("utf-8"), prepare=own)


def replace_from_temp(fd: int, tmp: str, path: str, data: bytes, prepare: t.Callable[[int], None] | None = None) -> None:
    """Write ``data`` through ``fd`` (open on the temp file ``tmp``), sync it and rename it over ``path``.

    ``prepare`` runs on the descriptor first (mode, owner). On any failure the temp file is removed, so a
    half-written file never stays behind; the directory is synced afterwards so the rename survives a crash.
    """
    try:
        with os.fdopen(fd, "wb") as handle:
            if prepare is not None:
                prepare(handle.fileno())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # Best effort: not every filesystem can sync a directory.
    with contextlib.suppress(OSError):
        dir_fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
