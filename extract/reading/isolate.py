"""Run each file's extraction in a forked child, so a crash in a C library costs one file.

pdfium is C++: a hostile PDF that makes it fault kills the process that called it, and a
Python ``try`` cannot catch a signal. Each file is therefore read in a child forked from
this process (imports already done, so a fork costs a few milliseconds), which sends its
result back through a pipe; a child that dies by a signal becomes a one-line reason for
that file, and the other files go on. Results come back in the order of the jobs, at most
``workers`` children at a time.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from extract.reading.forked import Portable, become_reader, crash_reason, portable

_FORK = multiprocessing.get_context("fork")


def _child(fn: Callable[[Any], Any], job: Any, conn: Connection, other_end: Connection, parent: int) -> None:
    other_end.close()  # with the parent gone, a write fails instead of waiting for a reader
    become_reader(parent)
    try:
        result: tuple[bool, Any] = (True, fn(job))
    except BaseException as exc:  # the parent decides what an exception means
        result = (False, portable(exc))
    conn.send(result)
    conn.close()


def run_isolated(
    fn: Callable[[Any], Any],
    jobs: list[Any],
    workers: int = 1,
    seconds: float | None = None,
    late: str = "took too long",
) -> Iterator[tuple[bool, Any]]:
    """(True, fn(job)) or (False, exception or crash reason str) per job, in the jobs' order.
    A child still working ``seconds`` after it started (hung inside a C library, where no
    Python check runs) is killed, and its job is (False, ``late``)."""
    running: dict[int, tuple[Any, Connection, float]] = {}
    done: dict[int, tuple[bool, Any]] = {}
    next_job = next_out = 0
    while next_out < len(jobs):
        while next_job < len(jobs) and len(running) < max(1, workers):
            receive, send = _FORK.Pipe(duplex=False)
            proc = _FORK.Process(
                target=_child, args=(fn, jobs[next_job], send, receive, os.getpid()), daemon=True
            )
            proc.start()
            send.close()
            end = time.monotonic() + seconds if seconds is not None else float("inf")
            running[next_job] = (proc, receive, end)
            next_job += 1
        if next_out not in done:
            first_end = min(end for _, _, end in running.values())
            timeout = None if first_end == float("inf") else max(0.0, first_end - time.monotonic())
            ready = wait([conn for _, conn, _ in running.values()], timeout)
            for index, (proc, conn, end) in list(running.items()):
                if conn in ready:
                    done[index] = _collect(proc, conn)
                elif time.monotonic() >= end:
                    done[index] = _kill(proc, conn, late)
                else:
                    continue
                del running[index]
        while next_out in done:
            yield done.pop(next_out)
            next_out += 1


def _kill(proc: Any, conn: Connection, reason: str) -> tuple[bool, str]:
    if proc.pid is not None:
        os.kill(proc.pid, signal.SIGKILL)
    conn.close()
    proc.join()
    return False, reason


def _collect(proc: Any, conn: Connection) -> tuple[bool, Any]:
    try:
        result = conn.recv()
    except (EOFError, OSError):  # the child died before answering
        result = None
    conn.close()
    proc.join()
    if result is None:
        return False, crash_reason(proc.exitcode)
    ok, value = result
    return ok, value.revive() if isinstance(value, Portable) else value
