"""Compare an extracted report with the hand-checked expected one, field by field.

The comparison is lenient on typography only: both sides are NFKC-folded and all
whitespace is removed, as the extraction issue specifies.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

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
    if isinstance(value, str):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    return value


@dataclass
class Score:
    compared: int = 0
    equal: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.equal / self.compared if self.compared else 0.0

    def check(self, where: str, name: str, got: object, want: object) -> None:
        self.compared += 1
        if lenient(got) == lenient(want):
            self.equal += 1
        else:
            self.mismatches.append(f"{where} {name}: got {got!r} want {want!r}")


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
