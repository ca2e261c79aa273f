"""Full-text search for Japanese without a Japanese tokenizer: overlapping character bigrams.

Japanese has no spaces, and its common words are two kanji (防災, 福祉), which neither
SQLite's default tokenizer nor its trigram tokenizer can find. So the index stores each run
of letters as its overlapping bigrams plus, where needed, the run's last character alone
("避難所" -> "避難 難所 所"), and a query is cut the same way into an FTS5 phrase: "避難所" ->
"避難 難所" (adjacent bigrams, so only the contiguous word matches); a two-character word is
one token; a single character is a prefix query, which every bigram starting with it (or a
last character stored alone) satisfies. Latin text goes the same way, lower-cased, so mixed
names such as CoCoバス are found too.

A run's last character alone does two jobs, and is stored only when one of them needs it:
it lets a one-character query find the character where it ends every run it is in (not
needed when a bigram of the same row starts with it), and it keeps the run's last bigram
from being adjacent to the next run's first bigram, so that a phrase cannot run across
punctuation (needed only when the next run is a single character or starts with that same
character: "…地域、域内…" must not match 地域内).
"""

from __future__ import annotations

import re
import unicodedata

_QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')


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


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_terms(*texts: str | None) -> str:
    """The space-separated bigram tokens to store in the FTS table for these texts (one row)."""
    runs = [run for text in texts for run in _runs(text or "")]
    starts = {run[i] for run in runs for i in range(len(run) - 1)}  # what prefix queries find
    tokens: list[str] = []
    for k, run in enumerate(runs):
        tokens.extend(_bigrams(run))
        last, after = run[-1], runs[k + 1] if k + 1 < len(runs) else ""
        if last not in starts or len(after) == 1 or after[:1] == last:
            tokens.append(last)
    return " ".join(tokens)


def match_query(query: str) -> str:
    """A user's search words as an FTS5 MATCH expression over bigram tokens (words are ANDed)."""
    parts: list[str] = []
    for quoted, bare in _QUERY_PART.findall(query or ""):
        for run in _runs(quoted or bare):
            if len(run) == 1:
                parts.append(f'"{run}"*')
            else:
                parts.append('"' + " ".join(_bigrams(run)) + '"')
    return " ".join(parts) if parts else '""'
