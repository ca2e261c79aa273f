"""The database after `hyoka build`: counts, keys, the flat view, and Japanese search."""

from __future__ import annotations

import sqlite3

import pytest

from extract.database.search import match_query

TERMS = ["防災", "福祉", "避難所", "子育て", "CoCoバス", "支援", "バリアフリー"]
SEARCHED = ("initiative_title", "department", "results", "results_covid", "outlook", "outlook_covid")


def searched_text(row: dict, expected: dict) -> str:
    """What the search index holds for one evaluation: its texts and its measure, policy and goal."""
    policy = next(p for p in expected["policies"] if p["sheet_no"] == row["sheet_no"])
    measure = next(
        (m["measure_title"] for m in policy["measures"] if m["measure_no"] == row["measure_no"]), ""
    )
    return " ".join(
        [*(row[f] or "" for f in SEARCHED), measure, policy["policy_title"], policy["goal_title"] or ""]
    )


@pytest.fixture(scope="module")
def conn(built_db):
    c = sqlite3.connect(built_db)
    c.row_factory = sqlite3.Row
    c.create_function("hyoka_match", 1, match_query)
    yield c
    c.close()


def test_row_counts_equal_the_extract(conn, extracted) -> None:
    count = {
        t: conn.execute(f"select count(*) from [{t}]").fetchone()[0]
        for t in ("evaluations", "remarks", "sheets", "reports", "rating_scale")
    }
    assert count == {
        "evaluations": len(extracted["evaluations"]),
        "remarks": len(extracted["comments"]),
        "sheets": len(extracted["policies"]),
        "reports": 1,
        "rating_scale": 4,
    }
    assert conn.execute("select count(*) from evaluation_rows").fetchone()[0] == 58


def test_every_foreign_key_resolves(conn) -> None:
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = conn.execute("select count(*) from pragma_foreign_key_list('evaluations')").fetchone()[0]
    assert fks == 3  # report, sheet, item


def test_every_row_keeps_report_page_and_file(conn) -> None:
    rows = conn.execute("select report_id, page, source_file, pdf_url from evaluation_rows").fetchall()
    assert all(r["report_id"] and r["page"] and r["source_file"] == "koganei-fy2020.pdf" for r in rows)
    assert rows[0]["pdf_url"].startswith("/pdfs/koganei-fy2020.pdf#page=")


def _expected_change(prev: str | None, now: str | None) -> str:
    if now is None:
        return "no rating"
    if prev is None:
        return "new rating"
    return "same" if prev == now else ("up" if now < prev else "down")


def test_change_column_for_every_gold_row(conn, expected) -> None:
    got = [r["change"] for r in conn.execute("select change from evaluation_rows order by id")]
    want = [_expected_change(e["prev_rating"], e["rating"]) for e in expected["evaluations"]]
    assert got == want
    assert got.count("down") == 6 and got.count("up") == 4


@pytest.mark.parametrize("term", TERMS)
def test_search_finds_exactly_the_rows_containing_the_word(conn, expected, term: str) -> None:
    want = sorted(i + 1 for i, e in enumerate(expected["evaluations"]) if term in searched_text(e, expected))
    got = sorted(
        r[0]
        for r in conn.execute(
            "select rowid from evaluation_rows_fts where evaluation_rows_fts match hyoka_match(?)", [term]
        )
    )
    assert got, f"the sample has rows with {term}: the search must find them"
    assert got == want


def test_search_covers_measure_and_policy_titles(conn) -> None:
    """防災 finds the rows under the measure 防災・防犯活動への参加促進, whatever their own texts say."""
    ids = [
        r[0]
        for r in conn.execute(
            "select rowid from evaluation_rows_fts where evaluation_rows_fts match hyoka_match('防災')"
        )
    ]
    under = conn.execute(
        "select id, title, texts from evaluation_rows where group_title = '防災・防犯活動への参加促進'"
    ).fetchall()
    assert under and {r["id"] for r in under} <= set(ids)
    assert any("防災" not in (r["title"] + (r["texts"] or "")) for r in under)


@pytest.mark.parametrize("term", ["地域福祉計画", "ハンドブック"])
def test_comment_search(conn, expected, term: str) -> None:
    want = [
        i + 1
        for i, c in enumerate(expected["comments"])
        if term in (c["policy_title"] or "") + c["opinion"] + (c["response"] or "")
    ]
    got = [
        r[0]
        for r in conn.execute("select rowid from remarks_fts where remarks_fts match hyoka_match(?)", [term])
    ]
    assert got and got == want


def test_comment_search_finds_the_handbook(conn, expected) -> None:
    want = [
        i + 1
        for i, c in enumerate(expected["comments"])
        if "ハンドブック" in c["opinion"] + (c["response"] or "")
    ]
    got = [
        r[0]
        for r in conn.execute(
            "select rowid from remarks_fts where remarks_fts match hyoka_match('ハンドブック')"
        )
    ]
    assert got == want == [4]


def test_text_is_utf16_and_sorts_by_code_point(conn) -> None:
    """Japanese in 2 bytes a character; SQLite's byte-wise order is code-point order only in
    big-endian UTF-16 (little-endian would put 'Ā' before 'A')."""
    assert conn.execute("pragma encoding").fetchone()[0] == "UTF-16be"
    texts = [r[0] for r in conn.execute("select title from evaluations order by title")]
    assert texts == sorted(texts) and len(set(texts)) > 40
    mixed = ["Ā", "A", "ｱ", "ア", "a", "防災"]
    ordered = [
        r[0]
        for r in conn.execute(
            "select value from json_each(?) order by value", [__import__("json").dumps(mixed)]
        )
    ]
    assert ordered == sorted(mixed)
    outside = [r[0] for r in conn.execute("select value from json_each(?) order by value", ['["（", "𠮷"]'])]
    assert outside == ["𠮷", "（"]  # README: beyond the BMP, a surrogate pair sorts below U+E000-FFFF


def test_every_table_can_be_counted(conn) -> None:
    """Datasette counts the rows of every table it lists, search indexes included; an index
    SQLite cannot scan logs an error at every start (columnsize=0 on a contentless one did)."""
    names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    assert {"evaluation_rows_fts", "remarks_fts"} <= set(names)
    for name in names:
        conn.execute(f"select count(*) from [{name}]").fetchone()
