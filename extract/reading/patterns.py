"""A layout's regular expressions, run with a bound on time.

Layout files are user input, and a pattern that backtracks (``(a|aa)+$``) can keep Python's
``re`` busy for hours on one line of text. Every pattern a layout gives is therefore run on
the ``regex`` engine, which takes the same syntax and stops a match after ``TIME_LIMIT``
seconds: the first pattern cut short stops the file with one line naming the pattern (the
pipeline adds the layout and the field), so no page costs more than its matches times the
limit, and the per-file time budget (``ExtractSettings.max_seconds_per_pdf``) bounds the rest.

The reading stages call these instead of ``re`` for every pattern that comes from a layout;
``tests/test_architecture.py`` checks that ``re`` only ever sees the code's own literals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import regex

TIME_LIMIT = 0.25  # seconds per match; the shipped layouts' slowest match takes under 1 ms


class SlowPattern(Exception):
    """A layout pattern whose match was cut short: it backtracks and must be rewritten."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        super().__init__(pattern)

    def __reduce__(self) -> tuple:  # crosses the pipe from a reading process
        return type(self), (self.pattern,)


class LayoutPattern:
    """One compiled layout pattern; each match is stopped after ``TIME_LIMIT`` seconds."""

    __slots__ = ("_compiled", "pattern", "groups")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._compiled = regex.compile(pattern, flags)
        self.pattern, self.groups = pattern, self._compiled.groups

    def _bounded(self, run: Callable[..., Any], *args: Any) -> Any:
        try:
            return run(*args, timeout=TIME_LIMIT)
        except TimeoutError:
            raise SlowPattern(self.pattern) from None

    def search(self, text: str) -> Any:
        return self._bounded(self._compiled.search, text)

    def match(self, text: str) -> Any:
        return self._bounded(self._compiled.match, text)

    def fullmatch(self, text: str) -> Any:
        return self._bounded(self._compiled.fullmatch, text)

    def sub(self, replacement: str, text: str) -> str:
        return self._bounded(self._compiled.sub, replacement, text)

    def findall(self, text: str) -> list[Any]:
        return self._bounded(self._compiled.findall, text)

    def finditer(self, text: str) -> Iterator[Any]:
        return iter(self._bounded(lambda t, timeout: list(self._compiled.finditer(t, timeout=timeout)), text))


@cache
def compile(pattern: str, flags: int = 0) -> LayoutPattern:  # noqa: A001 - as re.compile
    """The pattern compiled once per process (a layout's patterns run on every cell)."""
    return LayoutPattern(pattern, flags)


def search(pattern: str, text: str, flags: int = 0) -> Any:
    return compile(pattern, flags).search(text)


def match(pattern: str, text: str, flags: int = 0) -> Any:
    return compile(pattern, flags).match(text)


def fullmatch(pattern: str, text: str, flags: int = 0) -> Any:
    return compile(pattern, flags).fullmatch(text)


def sub(pattern: str, replacement: str, text: str) -> str:
    return compile(pattern).sub(replacement, text)


def finditer(pattern: str, text: str) -> Iterator[Any]:
    return compile(pattern).finditer(text)


def escape(text: str) -> str:
    """A printed text as a pattern matching exactly it (a drafted layout's labels)."""
    return regex.escape(text)
