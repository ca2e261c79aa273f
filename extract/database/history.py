"""Reports side by side: stable item ids, rating changes between years, the audit.

Runs after the reports are loaded (``link_reports``) and answers the year-over-year
questions (``changes_between``, ``prev_rating_audit``). Reports form a series when they share
layout, publisher and title (``reports.series``); within a series consecutive years are matched with
``identity.match_items``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from extract.database.identity import Item, Overrides, change, key, match_departments, match_items
from extract.errors import HyokaError

LINK_TABLES = {
    "item_links": (
        {
            "item_id": int,
            "stable_id": str,
            "previous_item_id": int,
            "match_method": str,
            "match_score": float,
        },
        "item_id",
        [("item_id", "items", "id"), ("previous_item_id", "items", "id")],
    ),
    "evaluation_links": (
        {"evaluation_id": int, "department_key": str, "department_match": str},
        "evaluation_id",
        [("evaluation_id", "evaluations", "id")],
    ),
}

# What rating_change_pairs stores of each change: the rest is the row it shows (the later
# year's, or the earlier one's for a dropped row), read by the view rating_changes, and the
# stable id, its item's (a row's stable id is kept once, in item_links).
_PAIR_COLUMNS = {
    "from_year": int, "to_year": int, "from_rating": str, "to_rating": str,
    "change": str, "printed_prev_rating": str, "match_method": str, "match_score": float,
    "from_evaluation_id": int, "to_evaluation_id": int,
}  # fmt: skip

CHANGES_SQL = """
SELECT e.municipality, r.title AS plan_title, c.from_year, c.to_year, il.stable_id, e.sheet_no, e.group_no,
    e.item_no, e.title, e.department, c.from_rating, c.to_rating, c.change,
    c.printed_prev_rating, c.match_method, c.match_score, c.from_evaluation_id, c.to_evaluation_id, r.series
FROM rating_change_pairs c
JOIN evaluations e ON e.id = coalesce(c.to_evaluation_id, c.from_evaluation_id)
JOIN item_links il ON il.item_id = e.item_id
JOIN reports r ON r.id = e.report_id"""

# Only rows whose form printed a previous rating: a form that prints none has nothing to audit.
AUDIT_SQL = """
SELECT to_year AS fiscal_year, municipality, plan_title, sheet_no, group_no, item_no,
    title, department, printed_prev_rating, from_rating AS previous_report_rating,
    from_year AS previous_fiscal_year, match_method, to_evaluation_id, from_evaluation_id
FROM rating_changes
WHERE change NOT IN ('added', 'dropped') AND printed_prev_rating IS NOT NULL
    AND printed_prev_rating IS NOT from_rating"""

# The columns `hyoka changes` and `hyoka audit` print, in order (README, hyoka changes).
CHANGES_COLUMNS = [
    "publisher", "plan_title", "sheet_no", "group_no", "item_no", "title", "department", "from_rating",
    "to_rating", "change", "match_method", "match_score", "printed_prev_rating", "stable_id",
]  # fmt: skip
AUDIT_COLUMNS = [
    "fiscal_year", "sheet_no", "group_no", "item_no", "title", "department",
    "printed_prev_rating", "previous_report_rating", "previous_fiscal_year",
]  # fmt: skip

HISTORY_SQL = """
SELECT il.stable_id, r.fiscal_year, i.title, e.department, l.department_key,
    e.prev_rating, e.rating, e.page, r.file AS source_file, il.match_method, il.match_score, e.id AS evaluation_id,
    e.report_id
FROM evaluation_links l
JOIN evaluations e ON e.id = l.evaluation_id
JOIN items i ON i.id = e.item_id
JOIN item_links il ON il.item_id = i.id
JOIN reports r ON r.id = e.report_id"""  # no ORDER BY: a search of titles need not sort every row


class IdentityFileError(HyokaError):
    """raw/identity.toml that cannot be read: the build stops and changes nothing."""


def load_overrides(path: Path | None) -> Overrides:
    """identity.toml: [[same]] fiscal_year/title/previous_title and [[distinct]] fiscal_year/title."""
    if path is None or not path.is_file():
        return Overrides({}, set())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        same = {(int(e["fiscal_year"]), key(e["title"])): e["previous_title"] for e in data.get("same", [])}
        distinct = {(int(e["fiscal_year"]), key(e["title"])) for e in data.get("distinct", [])}
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        why = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise IdentityFileError(path, f"cannot read the identity overrides ({why}); see README") from None
    return Overrides(same, distinct)


def link_reports(db: Database, overrides: Overrides, series: set[str] | None = None) -> None:
    """Give every item and department row a stable identity; record rating changes.

    With ``series``, only those series are linked again (a report added to or removed from
    them); the others keep their links. Without, every link is made anew.
    """
    if series is None or not all(db[name].exists() for name in [*LINK_TABLES, "rating_change_pairs"]):
        series = None
        _create_link_tables(db)
    else:
        unlink_series(db, series)
    for reports in _series(db, series).values():
        years: dict[int, list[dict]] = defaultdict(list)
        for report in reports:  # the parts of one year's publication are read as one report
            if report["fiscal_year"] is not None:  # a report without a year has no place in a series
                years[report["fiscal_year"]].append(report)
        previous, before = None, None
        for year, parts in years.items():
            before = _link_year(db, [r["id"] for r in parts], year, before, overrides)
            if previous is not None:
                changes = changes_between(db, previous, year, parts[0])
                db["rating_change_pairs"].insert_all({k: row[k] for k in _PAIR_COLUMNS} for row in changes)
            previous = year
    db.create_view("rating_changes", CHANGES_SQL, replace=True)
    db.create_view("rating_audit", AUDIT_SQL, replace=True)
    db.create_view("item_history", HISTORY_SQL, replace=True)


def _create_link_tables(db: Database) -> None:
    for name, (columns, pk, fks) in LINK_TABLES.items():
        db[name].drop(ignore=True)
        db[name].create(columns, pk=pk, foreign_keys=fks)
    db["rating_change_pairs"].drop(ignore=True)
    db["rating_change_pairs"].create(_PAIR_COLUMNS)
    db.execute(f"CREATE INDEX idx_rating_change_pairs_row ON rating_change_pairs({_PAIR_ROW})")
    # downgrades finds its year's changes and each row's pair by them (without, it read every
    # pair for every row: 280 s at 10,000 reports)
    db["rating_change_pairs"].create_index(["change", "to_year"])
    db["rating_change_pairs"].create_index(["to_evaluation_id"])
    db["item_links"].create_index(["stable_id"])


def unlink_series(db: Database, series: set[str]) -> None:
    """Forget the links and changes of these series (their reports as they are now)."""
    of_series = "IN (SELECT id FROM reports WHERE series IN (SELECT value FROM json_each(?)))"
    _unlink(db, of_series, json.dumps(sorted(series)))


def unlink_report(db: Database, sha256: str) -> None:
    """Forget one report's links, before its rows are deleted (its series is linked again)."""
    if db["item_links"].exists():
        _unlink(db, "= (SELECT id FROM reports WHERE sha256 = ?)", sha256)


def _unlink(db: Database, reports: str, param: str) -> None:
    """Delete the links and changes of the reports ``report_id {reports}`` selects."""
    db.execute(
        f"DELETE FROM item_links WHERE item_id IN (SELECT id FROM items WHERE report_id {reports})",
        [param],
    )
    evaluations = f"SELECT id FROM evaluations WHERE report_id {reports}"
    db.execute(f"DELETE FROM evaluation_links WHERE evaluation_id IN ({evaluations})", [param])
    _forget_changes(db, evaluations, [param])


# The evaluation a change's row shows (the later year's, or the earlier one's for a dropped row):
# a change is found, and forgotten, by it (indexed), so it stores no series name.
_PAIR_ROW = "coalesce(to_evaluation_id, from_evaluation_id)"


def _forget_changes(db: Database, evaluations_sql: str, params: list) -> None:
    """Delete the changes whose row is one of these evaluations (their ids as a JSON list, so
    that SQLite looks each up in the index rather than scanning the pairs)."""
    ids = json.dumps([row[0] for row in db.execute(evaluations_sql, params).fetchall()])
    db.execute(
        f"DELETE FROM rating_change_pairs WHERE {_PAIR_ROW} IN (SELECT value FROM json_each(?))", [ids]
    )


def _series(db: Database, only: set[str] | None = None) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    where, params = "", []
    if only is not None:
        where, params = "where series in (select value from json_each(?))", [json.dumps(sorted(only))]
    for row in db.query(f"select * from reports {where} order by fiscal_year, file, sha256", params):
        groups[row["series"]].append(row)
    return groups


def _items(db: Database, report_id: int) -> list[tuple[Item, str]]:
    """Each rated item, with what its stable id is made of when it starts a history: the
    report's PDF and where the item is printed (so the id does not depend on load order)."""
    sql = """select i.id, i.title, coalesce(s.title, ''), g.item_no, i.item_no, r.sha256, s.sheet_no
        from items i join sheets s on s.id = i.sheet_id left join items g on g.id = i.parent_id
        join reports r on r.id = i.report_id
        where i.report_id = ? and exists (select 1 from evaluations e where e.item_id = i.id)
        order by s.sheet_no, g.item_no, i.item_no, i.id"""
    out = []
    for *item, sha, sheet_no in db.execute(sql, [report_id]).fetchall():
        found = Item(*item)
        out.append((found, f"{sha}:{sheet_no}:{found.group_no}:{found.item_no}:{found.title}"))
    return out


def _departments(db: Database, report_id: int) -> dict[int, list[tuple[str, int]]]:
    """Per item: (department label, evaluation id); a repeated department gets '#2'."""
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    seen: Counter = Counter()
    for eid, iid, dept in db.execute(
        "select id, item_id, coalesce(department, '') from evaluations where report_id = ? order by id",
        [report_id],
    ).fetchall():
        seen[(iid, dept)] += 1
        label = dept if seen[(iid, dept)] == 1 else f"{dept}#{seen[(iid, dept)]}"
        out[iid].append((label, eid))
    return out


@dataclass
class _Linked:
    """One report after linking: what the next year's report is matched against."""

    items: list[Item]
    depts: dict[int, list[tuple[str, int]]]
    stable_of: dict[int, str]  # item id -> stable id
    dept_key_of: dict[int, str]  # evaluation id -> department key


def _link_year(
    db: Database, report_ids: list[int], year: int, before: _Linked | None, overrides: Overrides
) -> _Linked:
    """Link one year of a series to the year before it (already linked, held in memory)."""
    found = [pair for rid in report_ids for pair in _items(db, rid)]
    seeds = {item.id: seed for item, seed in found}
    items = [item for item, _ in found]
    depts = {k: v for rid in report_ids for k, v in _departments(db, rid).items()}
    if before is None:
        matches = {i.id: (None, "new", None) for i in items}
        before = _Linked([], {}, {}, {})
    else:
        found = match_items(before.items, items, year, overrides)
        matches = {m.later: (m.earlier, m.method, m.score) for m in found}
    linked = _Linked(items, depts, {}, {})
    links, eval_links = [], []
    for item in items:
        earlier, method, score = matches[item.id]
        stable = before.stable_of.get(earlier) if earlier else None
        stable = stable or hashlib.sha1(seeds[item.id].encode()).hexdigest()[:12]
        linked.stable_of[item.id] = stable
        links.append(
            {"item_id": item.id, "stable_id": stable, "previous_item_id": earlier,
             "match_method": method, "match_score": score}
        )  # fmt: skip
        old = dict(before.depts.get(earlier, [])) if earlier else {}
        new = dict(depts.get(item.id, []))
        for was, now, how in match_departments(list(old), list(new)):
            if now is None:
                continue
            dept_key = before.dept_key_of.get(old[was], was) if was else now
            linked.dept_key_of[new[now]] = dept_key
            eval_links.append(
                {"evaluation_id": new[now], "department_key": dept_key,
                 "department_match": how if earlier else "new"}
            )  # fmt: skip
    db["item_links"].insert_all(links)
    db["evaluation_links"].insert_all(eval_links)
    return linked


def _rows_of_year(db: Database, year: int, series: dict | None) -> dict[tuple[str, str], dict[str, Any]]:
    sql = """select il.stable_id, l.department_key, l.department_match, e.id, e.department, e.prev_rating,
            e.rating, e.title, e.item_no, e.group_no, e.sheet_no, e.municipality, e.publisher,
            r.title as plan_title, r.rating_letters, il.match_method, il.match_score
        from evaluation_links l join evaluations e on e.id = l.evaluation_id
        join item_links il on il.item_id = e.item_id
        join reports r on r.id = e.report_id where r.fiscal_year = ?"""
    params: list[Any] = [year]
    if series:
        sql += " and r.series = ?"
        params.append(series["series"])
    return {(r["stable_id"], r["department_key"]): r for r in db.query(sql + " order by e.id", params)}


def changes_between(db: Database, from_year: int, to_year: int, series: dict | None = None) -> list[dict]:
    """One entry per item x department present in either year, in the later report's order."""
    before = _rows_of_year(db, from_year, series)
    after = _rows_of_year(db, to_year, series)
    out = []
    for k in list(after) + [k for k in before if k not in after]:
        b, a = before.get(k), after.get(k)
        shown = a or b
        out.append(
            {
                "municipality": shown["municipality"], "plan_title": shown["plan_title"],
                "publisher": shown["municipality"] or shown["publisher"],
                "from_year": from_year, "to_year": to_year, "stable_id": k[0],
                "sheet_no": shown["sheet_no"], "group_no": shown["group_no"],
                "item_no": shown["item_no"], "title": shown["title"],
                "department": shown["department"],
                "from_rating": b["rating"] if b else None, "to_rating": a["rating"] if a else None,
                "change": change(b and b["rating"], a and a["rating"], json.loads(shown["rating_letters"] or "[]"),
                                 before_present=b is not None, after_present=a is not None),
                "printed_prev_rating": a["prev_rating"] if a else None,
                "match_method": a["match_method"] if a else None,
                "match_score": a["match_score"] if a else None,
                "from_evaluation_id": b["id"] if b else None, "to_evaluation_id": a["id"] if a else None,
            }
        )  # fmt: skip
    return out


def _existing(db_path: Path) -> Database:
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no database (run `hyoka build` first)")
    return Database(db_path)


def year_changes(db_path: Path, from_year: int, to_year: int) -> list[dict]:
    """`hyoka changes`: every item x department of either year, with its change."""
    db = _existing(db_path)
    years = {r[0] for r in db.execute("select distinct fiscal_year from reports")}
    for year in (from_year, to_year):
        if year not in years:
            raise ValueError(f"no report for fiscal year {year} in {db_path} (have: {sorted(years)})")
    if from_year >= to_year:
        raise ValueError(f"--from {from_year} must be an earlier year than --to {to_year}")
    both = [
        reports[-1]
        for reports in _series(db).values()
        if {from_year, to_year} <= {r["fiscal_year"] for r in reports}
    ]
    if not both:
        raise ValueError(f"no series of reports in {db_path} has both {from_year} and {to_year}")
    return [row for series in both for row in changes_between(db, from_year, to_year, series)]


def prev_rating_audit(db_path: Path) -> list[dict]:
    """`hyoka audit`: rows whose printed previous rating is not what the previous report said."""
    db = _existing(db_path)
    if not db["rating_change_pairs"].exists():
        return []
    return list(db.query("select * from rating_audit order by fiscal_year, sheet_no, group_no, item_no"))


def audit_empty_reason(db_path: Path) -> str:
    """Why `hyoka audit` has nothing to show: one year per series, or every rating agrees."""
    db = _existing(db_path)
    years = [len({r["fiscal_year"] for r in reports}) for reports in _series(db).values()]
    if not years or max(years) < 2:
        return "every series of reports in the database has one fiscal year only: nothing to compare"
    return "every printed 前年度 rating equals the rating of the previous report"
