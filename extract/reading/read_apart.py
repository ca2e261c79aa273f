"""Read a PDF's pages in forked processes, while this process goes on with its own work.

`hyoka extract` spends about as long loading its modules as reading a report, and most of
the reading is page by page. So the reading runs apart, and the calling process only takes
the pages' grids in order:

- ``read_apart`` forks one reading process at once, before the caller loads pydantic, the
  layouts and the record stages: the two load their modules side by side. This module and
  the reading stages it starts (read.py, grid.py) never import pydantic.
- The reading process opens the PDF, forks helpers when the machine has cores to spare, and
  says what the PDF is (or the one-line reason it cannot be read). Of every ``parts`` pages
  each process reads one (pages 1, 3, 5… and 2, 4, 6…), so each is at most a pipe's buffer
  ahead of the caller, and memory stays flat whatever the length of the PDF.
- pdfium is C++ and runs only in these processes: a PDF that makes it crash costs one file,
  reported in one line (the build goes on), as isolate.py does for whole files.

Each process writes to its own pipe: the first ``("head", sha256, pages, parts)``, then
every process ``("page", grid)`` for each of its pages, or ``("error", exception)`` where
its reading stops. The first also sends ``("exit", part, status)`` for each helper as soon
as it ends between two of its own pages, and for the rest once its pages are sent.

The caller must not run other threads: a fork copies only the thread that forks.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from extract.errors import PdfTooCostly, PdfUnreadable
from extract.reading.forked import Portable, become_reader, crash_reason, portable
from extract.settings import ExtractSettings

if TYPE_CHECKING:
    from extract.reading.read import PdfSource
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
    the first grid has come. Each ``grids()`` reads the PDF from page 1 (the first one in the
    processes ``read_apart`` started); the caller calls ``close()`` when done."""

    def __init__(self, path: Path, settings: ExtractSettings, parts: int | None = None) -> None:
        self.path, self.settings = path, settings
        self.parts = max(1, min(parts or available_cores(), MAX_PARTS))
        self.sha256, self.pages = "", 0
        # the file's time budget, for every pass: a page that hangs inside pdfium is given up
        self.deadline = time.monotonic() + settings.max_seconds_per_pdf
        self._passes: list[_Pass] = [_Pass(path, settings, self.parts, self.deadline)]
        self._started = False

    def grids(self) -> Iterator[PageGrid]:
        if self._started:  # a second pass: read again from page 1, the first one's readers gone
            self.close()
            self._passes.append(_Pass(self.path, self.settings, self.parts, self.deadline))
        self._started = True
        run = self._passes[-1]
        try:
            self.sha256, self.pages, parts = run.receive(0)[1:]
            for index in range(self.pages):
                yield run.receive(index % parts)[1]
        except BaseException:  # (GeneratorExit too: the caller stopped early)
            run.close()
            raise
        run.complete = True

    def close(self) -> None:
        """End the reading processes: once every page came, they end by themselves, each
        waited for by its parent (so the time they took counts in this process's own, as
        `time` shows it); else they are stopped (a caller that stops early)."""
        for run in self._passes:
            run.close()

    def __del__(self) -> None:
        if getattr(self, "_passes", None):
            self.close()


def read_apart(path: Path, settings: ExtractSettings | None = None, parts: int | None = None) -> ApartPages:
    """Start reading ``path`` in forked processes (``parts`` of them at most; default: one
    per available core, up to MAX_PARTS) and return at once."""
    return ApartPages(path, settings or ExtractSettings(), parts)


class _Pass:
    """One reading of the PDF from page 1: the first reading process and the pipes of all."""

    def __init__(self, path: Path, settings: ExtractSettings, parts: int, deadline: float) -> None:
        pipes = [os.pipe() for _ in range(parts)]
        self.owner = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # no more processes: the pipes go with the error
            for fds in pipes:
                os.close(fds[0])
                os.close(fds[1])
            raise
        if pid == 0:  # the reading process: it never returns, whatever happens
            try:
                for receive, _ in pipes:
                    os.close(receive)
                sends = [open(send, "wb") for _, send in pipes]  # noqa: SIM115 - closed by os._exit
                _read_process(path, settings, sends, self.owner)
            finally:
                os._exit(1)
        for _, send in pipes:
            os.close(send)
        self.path, self.pid, self.complete = path, pid, False
        self.deadline, self.seconds = deadline, settings.max_seconds_per_pdf
        # unbuffered: a wait for the next bytes must see the pipe itself (select), not a buffer
        self.conns: list[BinaryIO] = [open(receive, "rb", buffering=0) for receive, _ in pipes]  # noqa: SIM115
        self.ended: dict[int, int | None] = {}  # a helper's part: how it ended, as reported

    def receive(self, part: int) -> tuple:
        """The next page (or head) of process ``part``; raises what stopped it instead."""
        message = self._message(part)
        if message is None:
            raise PdfUnreadable(self.path, crash_reason(self._exit_status(part)))
        if message[0] == "error":
            error = message[1]
            raise error.revive() if isinstance(error, Portable) else error
        return message

    def _message(self, part: int) -> tuple | None:
        """The next head, page or error of process ``part`` (a helper's end, which the first
        process reports between its pages, is noted in ``ended`` on the way); None when the
        process ended without one (a signal inside pdfium, or killed)."""
        conn = self.conns[part]
        while len(head := self._read(conn, _HEAD.size)) == _HEAD.size:
            (size,) = _HEAD.unpack(head)
            data = self._read(conn, size)
            if len(data) < size:
                return None
            message = pickle.loads(data)
            if message[0] != "exit":
                return message
            self.ended[message[1]] = message[2]
        return None

    def _read(self, conn: BinaryIO, size: int) -> bytes:
        """``size`` bytes of the pipe, fewer at its end; the file's time budget passed while
        waiting is an error (the readers are then stopped by the caller's close)."""
        chunks, missing = [], size
        while missing:
            if not select.select([conn], [], [], max(0.0, self.deadline - time.monotonic()))[0]:
                raise PdfTooCostly.too_slow(self.path, self.seconds)
            chunk = conn.read(missing)
            if not chunk:
                break
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _exit_status(self, part: int) -> int | None:
        """How process ``part`` ended: the first is this one's child; a helper is the first
        one's, which reports it between two of its own pages (those are dropped here)."""
        while part > 0 and part not in self.ended and self._message(0) is not None:
            pass
        return self.ended[part] if part in self.ended else self._reap(kill=False)

    def close(self) -> None:
        if os.getpid() != self.owner:  # a copy in a forked child: the processes are not its
            return
        if self.complete:
            self._reap(kill=False)
        for conn in self.conns:
            conn.close()
        self.conns = []
        self._reap(kill=True)

    def _reap(self, kill: bool) -> int | None:
        """Wait for the first reading process (its helpers die with it: PR_SET_PDEATHSIG)."""
        if not self.pid:
            return None
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped already (SIGCHLD ignored)
            status = None
        self.pid = 0
        return None if status is None else os.waitstatus_to_exitcode(status)


def _read_process(path: Path, settings: ExtractSettings, sends: list[BinaryIO], parent: int) -> None:
    """The first reading process: open the PDF, fork helpers, say what the PDF is, read its
    part, then report how the helpers ended."""
    code = 0
    try:
        become_reader(parent)
        gc.disable()  # the reading modules load without the collector scanning them
        from extract.reading.grid import build_grid  # noqa: F401  (loaded once, for the helpers too)
        from extract.reading.read import read_pdf

        gc.freeze()
        gc.enable()
        try:
            source = read_pdf(path, settings)
        except Exception as exc:
            _send(sends[0], ("error", portable(exc)))
            return
        helpers = _fork_helpers(source, sends[: max(1, min(len(sends), source.pages))])
        _send(sends[0], ("head", source.sha256, source.pages, len(helpers) + 1))
        _read_part(
            source, 0, len(helpers) + 1, sends[0], lambda: _report_ended(helpers, sends[0], os.WNOHANG)
        )
        _report_ended(helpers, sends[0], 0)
    except BaseException:  # the caller is gone (a closed pipe), Ctrl-C, or a bug: end quietly
        code = 1
    finally:
        os._exit(code)


def _fork_helpers(source: PdfSource, sends: list[BinaryIO]) -> dict[int, int]:
    """One helper per pipe after the first: {pid: part}. If a fork fails (no more processes),
    none: the first process reads every page."""
    helpers: dict[int, int] = {}
    me = os.getpid()
    for part in range(1, len(sends)):
        try:
            pid = os.fork()
        except OSError:
            for pid in helpers:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            helpers = {}
            break
        if pid == 0:
            code = 1
            try:
                for other in sends[:part] + sends[part + 1 :]:
                    other.close()  # a pipe ends when the one process writing it ends
                become_reader(me)
                source.opened.close()  # its own file handle: the first one's offset must not move
                source.opened = None
                code = _read_part(source, part, len(sends), sends[part], None)
            finally:
                os._exit(code)
        helpers[pid] = part
    for send in sends[1:]:
        send.close()  # the helpers' pipes are theirs alone
    return helpers


def _read_part(
    source: PdfSource, part: int, parts: int, send: BinaryIO, between: Callable[[], None] | None
) -> int:
    """Read and send every ``parts``-th page from ``part`` (calling ``between`` after each);
    0, or 1 when the caller is gone."""
    from extract.reading.grid import build_grid

    try:
        try:
            for raw in source.iter_pages(part, parts):
                _send(send, ("page", build_grid(raw, source.settings)))
                if between is not None:
                    between()
        except Exception as exc:  # the page the caller will stop at
            _send(send, ("error", portable(exc)))
    except OSError:
        return 1
    return 0


def _report_ended(helpers: dict[int, int], send: BinaryIO, flags: int) -> None:
    """Send how each helper that has ended did (``flags``: os.WNOHANG, or 0 to wait for all)."""
    while helpers:
        try:
            pid, status = os.waitpid(-1, flags)
        except ChildProcessError:
            return
        if pid == 0:  # none has ended yet
            return
        part = helpers.pop(pid, None)
        if part is not None:
            _send(send, ("exit", part, os.waitstatus_to_exitcode(status)))


def _send(conn: BinaryIO, message: tuple) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    conn.write(_HEAD.pack(len(data)))
    conn.write(data)
    conn.flush()
