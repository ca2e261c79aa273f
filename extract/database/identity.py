"""Initiative identity across yearly reports: which row of this year is which row of last year.

Pure functions on plain records. An initiative keeps its identity when its number shifts,
its title is lightly edited or its department is renamed; a match is always explained
(exact / fuzzy with a score / numbered / override) and a low-similarity pair is never merged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

FUZZY = 0.75  # title similarity at or above which two initiatives are the same (lightly edited)
NUMBERED = 0.5  # same sheet, measure and number: this similarity suffices
_RANK_BONUS = 0.02  # prefer the candidate in the same place when titles tie


@dataclass(frozen=True)
class Item:
    """One rated item of one report, as the matcher sees it."""

    id: int
    title: str
    sheet_title: str
    group_no: int | None
    item_no: int | None


@dataclass(frozen=True)
class Match:
    later: int
    earlier: int | None
    method: str  # exact | fuzzy | numbered | override | new
    score: float | None


@dataclass(frozen=True)
class Overrides:
    """Hand-made decisions, by the later report's year and title (see identity.toml)."""

    same: dict[tuple[int, str], str]  # (year, title) -> previous title
    distinct: set[tuple[int, str]]


def key(title: str) -> str:
    """Titles compared without width or spacing differences."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", title))


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, key(a), key(b)).ratio()


def _place(a: Item, b: Item) -> bool:
    return (key(a.sheet_title), a.group_no, a.item_no) == (
        key(b.sheet_title),
        b.group_no,
        b.item_no,
    )


def match_items(
    earlier: list[Item], later: list[Item], year: int, overrides: Overrides | None = None
) -> list[Match]:
    """One-to-one matches, best pairs first; everything unmatched in ``later`` is new."""
    overrides = overrides or Overrides({}, set())
    matches: dict[int, Match] = {}
    taken: set[int] = set()
    for item in later:
        previous = overrides.same.get((year, key(item.title)))
        target = next((e for e in earlier if previous and key(e.title) == key(previous)), None)
        if target and target.id not in taken:
            matches[item.id] = Match(item.id, target.id, "override", None)
            taken.add(target.id)
    candidates = []  # ties go by the items' places in the lists, not their ids (load order)
    for i, item in enumerate(later):
        if item.id in matches or (year, key(item.title)) in overrides.distinct:
            continue
        for j, old in enumerate(earlier):
            score = similarity(item.title, old.title)
            same_place = _place(item, old)
            method = _method(score, same_place)
            if method:
                rank = (
                    score
                    + (_RANK_BONUS if same_place else 0)
                    + (_RANK_BONUS if item.sheet_title == old.sheet_title else 0)
                )
                candidates.append((rank, i, j, score, method, item.id, old.id))
    for _, _, _, score, method, new_id, old_id in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if new_id in matches or old_id in taken:
            continue
        matches[new_id] = Match(new_id, old_id, method, None if method == "exact" else round(score, 3))
        taken.add(old_id)
    return [matches.get(item.id, Match(item.id, None, "new", None)) for item in later]


def _method(score: float, same_place: bool) -> str | None:
    if score == 1.0:
        return "exact"
    if score >= FUZZY:
        return "fuzzy"
    if same_place and score >= NUMBERED:
        return "numbered"
    return None


def match_departments(earlier: list[str], later: list[str]) -> list[tuple[str | None, str | None, str]]:
    """Pairs (earlier, later, how): same name first; one left on each side is a rename."""
    left = [d for d in earlier if d not in later]
    right = [d for d in later if d not in earlier]
    pairs = [(d, d, "same") for d in later if d in earlier]
    if len(left) == 1 and len(right) == 1:
        pairs.append((left[0], right[0], "renamed"))
    else:
        pairs += [(None, d, "added") for d in right]
        pairs += [(d, None, "dropped") for d in left]
    return pairs


def change(
    before: str | None,
    after: str | None,
    letters: Sequence[str],
    *,
    before_present: bool,
    after_present: bool,
) -> str:
    """up / down / same between two ratings (``letters``: the later report's scale, best
    first); added / dropped when a side is absent."""
    if not before_present:
        return "added"
    if not after_present:
        return "dropped"
    if before == after:
        return "same"
    if before is None:
        return "new rating"
    if after is None:
        return "no rating"
    return ranked_change(before, after, letters)


def ranked_change(before: str, after: str, letters: Sequence[str]) -> str:
    """up / down / same between two ratings on a scale whose ``letters`` go best first;
    'off scale' when one of two different ratings is not on it (a JSON's rating, say)."""
    if before == after:
        return "same"
    if before not in letters or after not in letters:
        return "off scale"
    return "up" if letters.index(after) < letters.index(before) else "down"


_PREFECTURAL = re.compile(r"^\S{1,4}?[都道府県]立")
_TRAILING_NOTE = re.compile(r"[(（][^)）]*[)）]$")


def institution_key(name: str) -> str:
    """A publisher's name without what its forms print or leave out from year to year: the
    prefecture that runs it (和歌山県立…) and a trailing note such as (全日制)."""
    key = re.sub(r"\s+", "", name)
    return _TRAILING_NOTE.sub("", _PREFECTURAL.sub("", key))
