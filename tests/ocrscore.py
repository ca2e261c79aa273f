"""How close a scan's extraction comes to the truth: the text PDF's own extraction (Koganei) or
the hand-checked gold (池田市). Used by tests/test_ocr.py and benchmarks/ocr.py.

Texts are compared after NFKC and removal of all whitespace, by difflib's ratio (1.0: the
same characters); ratings, numbers and directions must be equal.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field

KOGANEI_TEXTS = (
    "policy_title",
    "initiative_title",
    "department",
    "results",
    "results_covid",
    "outlook",
    "outlook_covid",
)
KOGANEI_EXACT = ("sheet_no", "goal_no", "measure_no", "initiative_no", "is_new", "prev_rating", "rating")
COMMENT_TEXTS = ("opinion", "response")
IKEDA_KEYS_UNUSED = (
    "name",
    "department",
    "rating_necessity",
    "rating_efficiency",
    "rating_effectiveness",
    "direction",
)


def squash(text: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def similarity(got: object, want: object) -> float:
    a, b = squash(got), squash(want)
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass
class Score:
    rows: int = 0
    rows_expected: int = 0
    comments: int = 0
    comments_expected: int = 0
    ratings_right: int = 0
    ratings: int = 0
    exact_right: int = 0
    exact: int = 0
    texts: list[float] = field(default_factory=list)
    worst: list[tuple[float, str, str, str]] = field(default_factory=list)

    @property
    def rating_accuracy(self) -> float:
        return self.ratings_right / self.ratings if self.ratings else 0.0

    @property
    def text_similarity(self) -> float:
        """Characters of all text fields together: the weighted mean of the fields' ratios."""
        return sum(self.texts) / len(self.texts) if self.texts else 0.0

    def summary(self) -> str:
        return (
            f"rows {self.rows}/{self.rows_expected}, comments {self.comments}/{self.comments_expected}, "
            f"ratings {self.ratings_right}/{self.ratings} ({self.rating_accuracy:.1%}), "
            f"numbers {self.exact_right}/{self.exact}, text similarity {self.text_similarity:.3f} "
            f"over {len(self.texts)} fields"
        )


def score_koganei(scan: dict, text: dict) -> Score:
    """The scan's report against the text PDF's, row by row in order."""
    s = Score(rows=len(scan["evaluations"]), rows_expected=len(text["evaluations"]))
    s.comments, s.comments_expected = len(scan["comments"]), len(text["comments"])
    for got, want in zip(scan["evaluations"], text["evaluations"], strict=False):
        for name in KOGANEI_EXACT:
            ok = got.get(name) == want.get(name)
            if name in ("prev_rating", "rating"):
                s.ratings += 1
                s.ratings_right += ok
            else:
                s.exact += 1
                s.exact_right += ok
        for name in KOGANEI_TEXTS:
            _text(s, got.get(name), want.get(name), f"p{want['page']} {name}")
    for got, want in zip(scan["comments"], text["comments"], strict=False):
        for name in COMMENT_TEXTS:
            _text(s, got.get(name), want.get(name), f"p{want['page']} comment {name}")
    return s


def _text(s: Score, got: object, want: object, where: str) -> None:
    if not squash(got) and not squash(want):
        return
    ratio = similarity(got, want)
    s.texts.append(ratio)
    s.worst.append((ratio, where, squash(got)[:60], squash(want)[:60]))
    s.worst.sort()
    del s.worst[8:]


def ikeda_fields(report: dict) -> dict:
    """A sheet's key fields from hyoka's report of one 池田市 PDF (one project)."""
    project = report["projects"][0] if report.get("projects") else {}
    return _flatten(project)


def _flatten(value: object, out: dict | None = None) -> dict:
    out = {} if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict):
                _flatten(v, out)
            else:
                out.setdefault(k, v)
    return out


@dataclass
class IkedaScore:
    sheets: int = 0
    keys_right: int = 0  # sheets with name, department, the three ratings and the direction right
    amounts_right: int = 0
    amounts: int = 0
    misses: list[str] = field(default_factory=list)

    def summary(self) -> str:
        share = self.amounts_right / self.amounts if self.amounts else 0.0
        return (
            f"key fields right on {self.keys_right}/{self.sheets} sheets, "
            f"amounts {self.amounts_right}/{self.amounts} ({share:.1%})"
        )


IKEDA_RATINGS = ("achievement", "effectiveness", "efficiency")


def score_ikeda(results: dict[str, dict], golds: dict[str, dict]) -> IkedaScore:
    """hyoka's reports of 池田市 sheets (by PDF stem) against the gold: per sheet its name and
    department (NFKC, whitespace removed), the three ratings and the direction equal; each gold
    cost's amount found for its (item, year, kind)."""
    s = IkedaScore()
    for stem, gold in sorted(golds.items()):
        want = gold["project"]
        got = ikeda_fields(results.get(stem) or {})
        s.sheets += 1
        wrong = [k for k in ("name", "department") if squash(got.get(k)) != squash(want.get(k))]
        wrong += [k for k in (*IKEDA_RATINGS, "direction") if got.get(k) != want.get(k)]
        s.keys_right += not wrong
        s.misses += [f"{stem} {k}: {got.get(k)!r} != {want.get(k)!r}" for k in wrong]
        have = {(c["item"], c["fiscal_year"], c["kind"]): c["amount"] for c in got.get("costs") or []}
        for c in want.get("costs") or []:
            s.amounts += 1
            ok = have.get((c["item"], c["fiscal_year"], c["kind"])) == c["amount"]
            s.amounts_right += ok
            if not ok:
                s.misses.append(f"{stem} cost {c['item']} {c['fiscal_year']} {c['kind']}: "
                                f"{have.get((c['item'], c['fiscal_year'], c['kind']))!r} != {c['amount']!r}")  # fmt: skip
    return s
