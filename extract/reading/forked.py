"""What every forked reading process shares (isolate.py: one per file; read_apart.py: one
per part of a file's pages): it dies with its parent, a crash is the parent's to report,
an exception it raises reaches the parent, and how it ended becomes one line."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import pickle
import signal


def crash_reason(exitcode: int | None) -> str:
    """What a user reads when the reading process died instead of answering."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"unreadable: the PDF reader crashed ({name})"
    return f"unreadable: the PDF reader stopped without an answer (exit code {exitcode})"


def become_reader(parent: int) -> None:
    """Set up a process just forked from ``parent`` (its pid, taken before the fork) to read.

    A reader whose build was killed must not live on, blocked on a pipe nobody reads and
    holding the build's copy of the database open: Linux kills it with its parent. A crash
    is the parent's to report, in one line, not a traceback of C frames."""
    import ctypes  # (in the child: the caller does not pay for loading it)

    with contextlib.suppress(OSError, AttributeError):  # not Linux: the closed pipe end still ends it
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    faulthandler.disable()


def portable(exc: BaseException) -> BaseException:
    """``exc`` if it comes back from pickle as itself (its class and its message), else an
    exception of the same class name and message, which the parent can raise and name as
    the reader would have."""
    try:
        message = str(exc)
    except Exception:
        message = f"<unprintable {type(exc).__name__}>"
    try:
        copy = pickle.loads(pickle.dumps(exc))
        if type(copy) is type(exc) and str(copy) == message:
            return exc
    except Exception:
        pass
    return Portable(type(exc).__name__, message)


class Portable(Exception):
    """Stands for an exception that cannot cross a pipe: its class name and its message."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name, message)
        self.name, self.message = name, message

    def __str__(self) -> str:
        return self.message

    def revive(self) -> Exception:
        """An exception named as the original, to raise in the parent."""
        return type(self.name, (Exception,), {})(self.message)
