"""One build of a database at a time: a lock on ``<db>.lock`` beside it.

The lock is a POSIX record lock (``fcntl.lockf``) held by the building process for the whole
build, whatever way the build writes (a working copy renamed over the database, or in place).
It belongs to that process alone: the readers it forks do not hold it, and the kernel lets it
go when the process ends, even by ``kill -9``, so a dead build never blocks the next. The file
holds the builder's pid, for the message of a build that finds it taken; it stays, empty, after
the build (removing it would let two builds lock two different files of one name).
"""

from __future__ import annotations

import fcntl
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from extract.errors import HyokaError


class BuildRefused(HyokaError):
    """The build cannot start (the database is being built, or cannot be written): nothing is
    read or changed. ``str()`` is the whole line."""

    def __str__(self) -> str:
        return self.reason


class BuildRunning(BuildRefused):
    """Another process is building this database."""


class DatabaseUnwritable(BuildRefused):
    """The database's folder cannot be made or written."""


P = ParamSpec("P")
R = TypeVar("R")


def holding_lock(build: Callable[P, R]) -> Callable[P, R]:
    """``build(files, db_path, ...)`` run holding ``db_path``'s build lock, from its first step
    (the rerun check included) to its last."""

    @functools.wraps(build)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        db_path = kwargs["db_path"] if "db_path" in kwargs else args[1]
        with build_lock(Path(db_path)):  # type: ignore[arg-type]
            return build(*args, **kwargs)

    return run


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.lock")


@contextmanager
def build_lock(db_path: Path) -> Iterator[None]:
    """Hold the database's build lock; BuildRunning when another build holds it,
    DatabaseUnwritable when its folder cannot be written (before any PDF is read)."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        # the real database's lock (a --db given through a symlink is the same database), never
        # through a link at the lock's own name (it would truncate the link's target)
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(lock_path(db_path.resolve()), flags, 0o644)
    except OSError as exc:
        raise DatabaseUnwritable(
            db_path, f"{db_path}: cannot write the database there ({exc.strerror})"
        ) from None
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # EAGAIN or EACCES: held by a live process
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise BuildRunning(
                db_path, f"a build of {db_path} is running (pid {pid}); nothing was changed"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # lets the lock go
