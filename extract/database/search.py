"""Full-text search for Japanese without a Japanese tokenizer: one token per character.

Japanese has no spaces, and its common words are two kanji (防災, 福祉), which neither
SQLite's default tokenizer nor its trigram tokenizer can find. So the index stores every
letter of a text as a token of its own, and a query's word becomes an FTS5 phrase of its
letters ("避難所" -> "避 難 所"): only the contiguous word matches. Between two runs of letters
the index puts a gap token, which no query has, so a phrase cannot run across punctuation
("…地域、内…" does not match 地域内). Latin text goes the same way, NFKC-folded and
lower-cased, so mixed names such as CoCoバス are found too.

One letter per token rather than overlapping bigrams: a row holds fewer distinct letters than
distinct bigrams, and the index pays per distinct token of a row (bytes per row and the query
times are measured by ``benchmarks/run.py --corpus``).
"""

from __future__ import annotations

import re
import unicodedata

_QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')
# Between runs of letters: a private-use character, which the tokenizer keeps as a token but
# no run ever holds (not a letter to str.isalnum), so neither a query's phrase nor a raw
# FTS5 query a user types finds it.
GAP = "\ue000"


def _runs(text: str) -> list[str]:
    """Maximal runs of letters/digits, NFKC-folded and lower-cased: punctuation separates."""
    folded = unicodedata.normalize("NFKC", text).lower()
    runs, current = [], []
    for ch in folded:
        if ch.isalnum():
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def index_terms(*texts: str | None) -> str:
    """The space-separated tokens to store in the FTS table for these texts (one row)."""
    return f" {GAP} ".join(" ".join(run) for text in texts for run in _runs(text or ""))


def match_query(query: str) -> str:
    """A user's search words as an FTS5 MATCH expression: a phrase of letters per run (ANDed)."""
    parts = [
        '"' + " ".join(run) + '"'
        for quoted, bare in _QUERY_PART.findall(query or "")
        for run in _runs(quoted or bare)
    ]
    return " ".join(parts) if parts else '""'
