"""Compare an extracted report with the hand-checked expected one, field by field.

A field counts as equal only when it is the printed text verbatim: same characters, same
spaces, same line breaks. The one folding allowed is Kangxi radicals to standard kanji (the
extraction does it; a printed ⽤ is the kanji 用). A lenient figure (NFKC, whitespace
removed) is kept beside it to tell typography slips from wrong text; no test passes on it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from extract.reading.normalise import fold_kangxi

EVAL_FIELDS = (
    "sheet_no",
    "goal_no",
    "policy_title",
    "measure_no",
    "initiative_no",
    "initiative_title",
    "is_new",
    "department",
    "results",
    "results_covid",
    "prev_rating",
    "rating",
    "outlook",
    "outlook_covid",
)
COMMENT_FIELDS = ("sheet_no", "policy_title", "measure_no", "initiative_no", "opinion", "response")
REPORT_FIELDS = ("municipality", "title", "fiscal_year", "fiscal_year_label", "published", "issuer")


def lenient(value: object) -> object:
    """Typography folded away: NFKC and no whitespace (the second figure only)."""
    if isinstance(value, str):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    return value


def exact(value: object) -> object:
    """The value as printed, Kangxi radicals read as the kanji they stand for."""
    if isinstance(value, str):
        return fold_kangxi(value)
    if isinstance(value, list):
        return [exact(v) for v in value]
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    return value


@dataclass
class Score:
    compared: int = 0
    equal: int = 0
    lenient_equal: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Share of fields equal verbatim: the figure tests assert."""
        return self.equal / self.compared if self.compared else 0.0

    @property
    def lenient_ratio(self) -> float:
        """Share of fields equal once NFKC-folded without whitespace: a second figure."""
        return self.lenient_equal / self.compared if self.compared else 0.0

    def check(self, where: str, name: str, got: object, want: object) -> None:
        self.compared += 1
        self.lenient_equal += _lenient_deep(got) == _lenient_deep(want)
        if exact(got) == exact(want):
            self.equal += 1
        else:
            self.mismatches.append(f"{where} {name}: got {got!r} want {want!r}")

    def summary(self) -> str:
        return (
            f"exact {self.equal}/{self.compared} = {self.ratio:.2%}; "
            f"lenient {self.lenient_equal}/{self.compared} = {self.lenient_ratio:.2%}"
        )


def _lenient_deep(value: object) -> object:
    if isinstance(value, list):
        return [_lenient_deep(v) for v in value]
    if isinstance(value, dict):
        return {k: _lenient_deep(v) for k, v in value.items()}
    return lenient(value)


def _keyed(rows: list[dict], key: tuple[str, ...]) -> dict[tuple, dict]:
    seen: Counter = Counter()
    out = {}
    for row in rows:
        k = tuple(lenient(row.get(f)) for f in key)
        out[k + (seen[k],)] = row
        seen[k] += 1
    return out


def compare(got: dict, want: dict) -> tuple[Score, dict[str, int]]:
    """Field score over report, rating scale, policies, evaluations and comments."""
    score = Score()
    for name in REPORT_FIELDS:
        score.check("report", name, got["report"].get(name), want["report"].get(name))
    for code, text in want["rating_scale"].items():
        score.check("rating_scale", code, got["rating_scale"].get(code), text)
    for i, policy in enumerate(want["policies"]):
        have = got["policies"][i] if i < len(got["policies"]) else {}
        for name in ("sheet_no", "goal_no", "goal_title", "policy_title", "measures"):
            score.check(f"policy {i + 1}", name, have.get(name), policy[name])
    counts = {}
    for part, fields, key in (
        ("evaluations", EVAL_FIELDS, ("sheet_no", "measure_no", "initiative_no", "department")),
        ("comments", COMMENT_FIELDS, ("sheet_no", "measure_no", "initiative_no")),
    ):
        have, wanted = _keyed(got[part], key), _keyed(want[part], key)
        counts[f"{part}_missing"] = len(wanted.keys() - have.keys())
        counts[f"{part}_invented"] = len(have.keys() - wanted.keys())
        for k, row in wanted.items():
            other = have.get(k, {})
            for name in fields:
                score.check(f"{part} {k}", name, other.get(name), row.get(name))
    return score, counts
