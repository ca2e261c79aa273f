"""Read a PDF's pages in forked processes, while this process goes on with its own work.

`hyoka extract` spends about as long loading its modules as reading a report, and most of
the reading is page by page. So the reading runs apart, and the calling process only takes
the pages' grids in order:

- ``read_apart`` forks one reading process at once, before the caller loads pydantic, the
  layouts and the record stages: the two load their modules side by side. This module and
  the reading stages it starts (read.py, grid.py) never import pydantic.
- The reading process opens the PDF, sends what identifies it (or the one-line reason it
  cannot be read), and forks helpers when the machine has cores to spare: of every ``parts``
  pages, each process reads one (pages 1, 3, 5… and 2, 4, 6…), so each is at most a pipe's
  buffer ahead of the caller, and memory stays flat whatever the length of the PDF.
- pdfium is C++ and runs only in these processes: a PDF that makes it crash costs one file,
  reported in one line (the build goes on), as isolate.py does for whole files.

Each process sends ``("head", sha256, pages, parts)`` (the first only), then ``("page",
grid)`` for each of its pages or ``("error", exception)`` where reading stops; the first
also sends ``("exit", part, status)`` for each helper once its own pages are sent.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import pickle
import signal
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from extract.errors import PdfUnreadable
from extract.reading.forked import crash_reason, die_with_parent
from extract.settings import ExtractSettings

if TYPE_CHECKING:
    from schemas.grid import PageGrid

_HEAD = struct.Struct("<Q")  # each message: its size, then the pickle
MAX_PARTS = 4  # more processes than this gain little: the caller takes every page in turn


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ApartPages:
    """A PDF whose pages are read in forked processes: ``grids()`` yields them in order.

    ``path``, ``sha256`` and ``pages`` identify the PDF (as read.PdfSource does), known once
    the first grid has come. The caller calls ``close()`` when done; each ``grids()`` after
    the first reads the PDF again from page 1."""

    def __init__(self, path: Path, settings: ExtractSettings, parts: int | None = None) -> None:
        self.path, self.settings = path, settings
        self.parts = max(1, min(parts or available_cores(), MAX_PARTS))
        self.sha256, self.pages = "", 0
        self._pid = 0
        self._conns: list[BinaryIO] = []
        self._fresh = self._complete = False
        self._start()

    def _start(self) -> None:
        pipes = [os.pipe() for _ in range(self.parts)]
        pid = os.fork()
        if pid == 0:  # the reading process: it never returns
            for receive, _ in pipes:
                os.close(receive)
            sends = [open(send, "wb") for _, send in pipes]  # noqa: SIM115 - closed by os._exit
            _read_process(self.path, self.settings, sends, os.getppid())
        for _, send in pipes:
            os.close(send)
        self._pid, self._conns, self._fresh = pid, [open(r, "rb") for r, _ in pipes], True  # noqa: SIM115

    def grids(self) -> Iterator[PageGrid]:
        if not self._fresh:
            self.close()
            self._start()
        self._fresh = self._complete = False
        try:
            head = self._receive(0)
            self.sha256, self.pages, parts = head[1:]
            for index in range(self.pages):
                yield self._receive(index % parts)[1]
        except BaseException:  # (GeneratorExit too: the caller stopped early)
            self.close()
            raise
        self._complete = True

    def _message(self, part: int) -> tuple | None:
        """The next message of process ``part``; None when it ended without one (a signal
        inside pdfium, or killed)."""
        conn = self._conns[part]
        head = conn.read(_HEAD.size)
        if len(head) < _HEAD.size:
            return None
        (size,) = _HEAD.unpack(head)
        data = conn.read(size)
        return pickle.loads(data) if len(data) == size else None

    def _receive(self, part: int) -> tuple:
        message = self._message(part)
        if message is None:
            raise PdfUnreadable(self.path, crash_reason(self._exit_status(part)))
        if message[0] == "error":
            raise message[1]
        return message

    def _exit_status(self, part: int) -> int | None:
        """How process ``part`` ended: the first is this one's child; a helper is the first
        one's, which reports it once its own pages are sent (they are dropped here)."""
        while part > 0 and (message := self._message(0)) is not None:
            if message[0] == "exit" and message[1] == part:
                return message[2]
        return self._reap(kill=False)

    def close(self) -> None:
        """End the reading processes: once every page came, they end by themselves, each
        waited for by its parent (so the time they took counts in this process's own, as
        `time` shows it); else they are stopped (a caller that stops early)."""
        if self._complete:
            self._reap(kill=False)
        for conn in self._conns:
            conn.close()
        self._conns = []
        self._reap(kill=True)

    def _reap(self, kill: bool) -> int | None:
        pid, self._pid = self._pid, 0
        if not pid:
            return None
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    def __del__(self) -> None:
        if getattr(self, "_pid", 0):
            self.close()


def read_apart(path: Path, settings: ExtractSettings | None = None, parts: int | None = None) -> ApartPages:
    """Start reading ``path`` in forked processes (``parts`` of them at most; default: one
    per available core, up to MAX_PARTS) and return at once."""
    return ApartPages(path, settings or ExtractSettings(), parts)


def _read_process(path: Path, settings: ExtractSettings, sends: list[BinaryIO], parent: int) -> None:
    """The first reading process: open, say what the PDF is, fork helpers, read its part."""
    code = 0
    try:
        die_with_parent(parent)
        faulthandler.disable()  # a crash is the caller's to report, in one line
        gc.disable()  # the reading modules load without the collector scanning them
        from extract.reading.read import read_pdf

        gc.freeze()
        gc.enable()
        try:
            source = read_pdf(path, settings)
        except BaseException as exc:
            _send(sends[0], ("error", exc))
            return
        parts = max(1, min(len(sends), source.pages))
        _send(sends[0], ("head", source.sha256, source.pages, parts))
        helpers: dict[int, int] = {}  # pid: part
        for part in range(1, parts):
            pid = os.fork()
            if pid == 0:
                for other in sends[:part] + sends[part + 1 :]:
                    other.close()  # a pipe ends when the one process writing it ends
                os._exit(_read_part(source, part, parts, sends[part], os.getppid()))
            helpers[pid] = part
        for send in sends[1:]:
            send.close()
        _read_part(source, 0, parts, sends[0], 0)
        for _ in helpers:  # as they end: one blocked on a pipe the caller left must not stop it
            pid, status = os.wait()
            _send(sends[0], ("exit", helpers[pid], os.waitstatus_to_exitcode(status)))
    except BaseException:  # the caller is gone (a closed pipe), or a bug: end quietly
        code = 1
    finally:
        os._exit(code)


def _read_part(source: Any, part: int, parts: int, send: BinaryIO, parent: int) -> int:
    """Read and send every ``parts``-th page from ``part``; 0, or 1 when the caller is gone."""
    from extract.reading.grid import build_grid

    if parent:  # a helper: its own file handle (the first one's offset must not move)
        die_with_parent(parent)
        source.opened.close()
        source.opened = None
    try:
        try:
            for raw in source.iter_pages(part, parts):
                _send(send, ("page", build_grid(raw, source.settings)))
        except Exception as exc:  # the page the caller will stop at
            _send(send, ("error", exc))
    except OSError:
        return 1
    return 0


def _send(conn: BinaryIO, message: tuple) -> None:
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that cannot be pickled still gets its message home
        data = pickle.dumps(("error", RuntimeError(f"{type(message[1]).__name__}: {message[1]}")))
    conn.write(_HEAD.pack(len(data)))
    conn.write(data)
    conn.flush()
