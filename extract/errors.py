"""Domain exceptions: raised inside extract/, turned into one-line messages by the CLI."""

from __future__ import annotations

from pathlib import Path


class HyokaError(Exception):
    """A file hyoka cannot turn into a report; ``str()`` is the one line a user sees."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")

    def __reduce__(self) -> tuple:  # sent between processes (read_apart.py)
        return type(self), (self.path, self.reason)


class PdfUnreadable(HyokaError):
    """Not a PDF, damaged, encrypted, too large, or without a text layer."""


class PdfTooCostly(PdfUnreadable):
    """A PDF that would cost more than its budget (objects or seconds) to read."""

    @classmethod
    def too_slow(cls, path: Path | str, seconds: float) -> PdfTooCostly:
        return cls(path, f"reading took over {seconds:g} s, the limit per PDF (--max-seconds-per-pdf)")

    @classmethod
    def too_many_objects(cls, path: Path | str, count: int, page: int, limit: int) -> PdfTooCostly:
        return cls(
            path,
            f"too many objects in the file ({count} by page {page}, limit {limit}: --max-objects-per-pdf)",
        )


class NotAnEvaluationReport(HyokaError):
    """A readable PDF that holds no evaluation sheet."""


class SlowLayoutPattern(HyokaError):
    """A layout's regular expression whose match was cut short (it backtracks)."""
