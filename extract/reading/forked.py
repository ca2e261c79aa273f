"""What every forked reading process shares (isolate.py: one per file; read_apart.py: one
per part of a file's pages): it dies with its parent, and how it ended becomes one line."""

from __future__ import annotations

import contextlib
import os
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


def die_with_parent(parent: int) -> None:
    """A reader whose build was killed must not live on, blocked on a pipe nobody reads and
    holding the build's copy of the database open: Linux kills it with its parent."""
    import ctypes  # (in the child: the caller does not pay for loading it)

    with contextlib.suppress(OSError, AttributeError):  # not Linux: the closed pipe end still ends it
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
