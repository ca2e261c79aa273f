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


class NotAnEvaluationReport(HyokaError):
    """A readable PDF that holds no evaluation sheet."""
