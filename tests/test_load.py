"""The database after `hyoka build`: counts, keys, the flat view, and Japanese search."""

from __future__ import annotations

import sqlite3

import pytest

from extract.search import match_query

TERMS = ["防災", "福祉", "避難所", "子育て", "地域福祉計画", "CoCoバス", "支援"]
SEARCHED = ("initiative_title", "department", "results", "results_covid", "outlook", "outlook_covid")


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
        for t in ("evaluations", "comments", "policies", "reports", "rating_scale")
    }
    assert count == {
        "evaluations": len(extracted["evaluations"]),
        "comments": len(extracted["comments"]),
        "policies": len(extracted["policies"]),
        "reports": 1,
        "rating_scale": 4,
    }
    assert conn.execute("select count(*) from evaluation_rows").fetchone()[0] == 58


def test_every_foreign_key_resolves(conn) -> None:
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = conn.execute("select count(*) from pragma_foreign_key_list('evaluations')").fetchone()[0]
    assert fks == 2


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
    want = sorted(
        i + 1 for i, e in enumerate(expected["evaluations"]) if any(term in (e[f] or "") for f in SEARCHED)
    )
    got = sorted(
        r[0]
        for r in conn.execute(
            "select rowid from evaluation_rows_fts where evaluation_rows_fts match hyoka_match(?)", [term]
        )
    )
    assert got == want
    if term in ("防災", "福祉", "避難所"):
        assert got, f"the sample has rows with {term}"


def test_comment_search(conn, expected) -> None:
    want = [
        i + 1
        for i, c in enumerate(expected["comments"])
        if "ハンドブック" in c["opinion"] + (c["response"] or "")
    ]
    got = [
        r[0]
        for r in conn.execute(
            "select rowid from comments_fts where comments_fts match hyoka_match('ハンドブック')"
        )
    ]
    assert got == want == [4]
