"""Layout files and PDFs as an attacker (or a careless author) writes them: a layout's query
that writes, a pattern that backtracks, a layout that claims every page, absurd sizes, and a
PDF whose pages each pass the page limits but whose whole costs an hour (issue 22)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import badpdfs as bad
import pytest
from conftest import ROOT, SAMPLE_PDF, run_hyoka

from extract.reading.isolate import run_isolated

LAYOUTS = ROOT / "extract" / "layouts"
KOGANEI = (LAYOUTS / "koganei-welfare.toml").read_text(encoding="utf-8")
IKEDA = (LAYOUTS / "jimujigyo-sheet.toml").read_text(encoding="utf-8")
BACKTRACKS = r"^(\w|\w)+[!?]$"  # on any line of words: 2^n ways to fail (seconds at 40 letters)
# the same after a word the sample prints (page 3): it passes the check on load
BACKTRACKS_ON_PAGES = r"施策(\w|\w)+[!?]"


def _layout(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return folder


def _renamed(text: str, old: str, new: str) -> str:
    return text.replace(f'name = "{old}"', f'name = "{new}"', 1)


def _with_query(name: str, sql: str) -> str:
    query = f"\n[[queries]]\nname = \"{name}\"\ntitle = \"t\"\ndescription = \"d\"\nsql = '''{sql}'''\n"
    return _renamed(KOGANEI, "koganei-welfare", "mine") + query


def _one_line(done, *words: str) -> str:
    assert done.returncode == 1, done.stdout[-300:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-600:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# 1. a layout's canned query is one read-only SELECT, named apart from hyoka's own


@pytest.mark.parametrize(
    "sql, says",
    [
        ("VACUUM INTO 'elsewhere/copy.db'", "a SELECT (or WITH … SELECT), not VACUUM"),
        ("ATTACH DATABASE 'elsewhere/a.db' AS pwn", "not ATTACH"),
        ("select 1; CREATE TABLE pwn.t AS SELECT * FROM reports", "one statement, not 2"),
        ("with x as (select 1) delete from reports", "read-only, but it says DELETE"),
        ("select * from reports where 1 /* ; */ and 0; pragma writable_schema=1", "one statement, not 2"),
        ("with x as (select 1) replace into reports select * from x", "read-only, but it says REPLACE"),
    ],
)
def test_a_layout_query_that_writes_is_refused_on_load(tmp_path: Path, sql: str, says: str) -> None:
    folder = _layout(tmp_path / "layouts", "mine", _with_query("pwn", sql))
    line = _one_line(
        run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)), "mine.toml", "pwn", says
    )
    assert not (ROOT / "elsewhere").exists(), line


def test_a_read_only_layout_query_loads(tmp_path: Path) -> None:
    sql = "select name, 'a;b' as s from rows_mine -- a comment; drop\nwhere title like '%update%'"
    folder = _layout(tmp_path / "layouts", "mine", _with_query("mine_titles", sql))
    done = run_hyoka("extract", "--layouts", str(folder), "--layout", "mine", str(SAMPLE_PDF))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["layout"]["queries"][-1]["name"] == "mine_titles"


@pytest.mark.parametrize("name", ["downgrades", "reports", "rows_koganei_welfare"])
def test_a_layout_query_may_not_take_a_builtin_name(tmp_path: Path, name: str) -> None:
    folder = _layout(tmp_path / "layouts", "mine", _with_query(name, "select 1"))
    _one_line(run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)), name, "hyoka's own")


def _with_indexed_query(indexes: str) -> str:
    sql = "select id from rows_mine order by fiscal_year"
    query = f'\n[[queries]]\nname = "q"\ntitle = "t"\ndescription = "d"\nsql = "{sql}"\nindexes = {indexes}\n'
    return _renamed(KOGANEI, "koganei-welfare", "mine") + query


@pytest.mark.parametrize(
    "indexes, says",
    [
        ('[["title); drop table reports; --"]]', "String should match pattern"),
        ('[["no_such_field"]]', "query q: index on no_such_field: not a column of the layout's rows"),
        ('[["goal_title"]]', "index on goal_title: not a column of the layout's rows"),  # a sheet field
        ('[["rating", "rating"]]', "an index names a column twice"),
        ("[[]]", "at least 1 item"),
        ('[["a"], ["b"], ["c"], ["d"], ["e"]]', "at most 4 items"),
        ('[["rating", "fiscal_year", "page", "change", "sheet_no"]]', "at most 4 items"),
    ],
)
def test_a_layout_querys_bad_index_is_refused_on_load(tmp_path: Path, indexes: str, says: str) -> None:
    """An index is a cost on every row: a layout names columns of its own rows, a few of them."""
    folder = _layout(tmp_path / "layouts", "mine", _with_indexed_query(indexes))
    _one_line(run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)), "mine.toml", says)


def test_a_layout_querys_index_is_built_and_used(tmp_path: Path) -> None:
    """The index a layout's query asks for is on the view's expressions, over that layout's rows
    only, and SQLite uses it for the query; a layout that no longer asks for it drops it."""
    folder = _layout(tmp_path / "layouts", "mine", _with_indexed_query('[["department", "results_covid"]]'))
    db = tmp_path / "h.db"
    build = ("build", "--layouts", str(folder), "--layout", "mine", "--db", str(db), str(SAMPLE_PDF))
    done = run_hyoka(*build)
    assert done.returncode == 0, done.stderr
    name = "idx_layout:mine:department,results_covid"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("select sql from sqlite_master where name = ?", [name]).fetchone()[0] == (
            f"CREATE INDEX [{name}] ON evaluations "
            "(department, json_extract(fields, '$.results_covid')) WHERE layout = 'mine'"
        )
        plan = conn.execute(
            "explain query plan select id from rows_mine where department = ? and results_covid = ? order by id",
            ["a", "b"],
        ).fetchall()
        assert any(name in row[-1] for row in plan), plan
    finally:
        conn.close()
    (folder / "mine.toml").write_text(_with_indexed_query("[]"), encoding="utf-8")
    again = run_hyoka(*build)
    assert again.returncode == 0, again.stderr
    conn = sqlite3.connect(db)
    try:
        assert not conn.execute("select name from sqlite_master where name like 'idx_layout:%'").fetchall()
    finally:
        conn.close()


def test_json_layouts_together_ask_for_no_more_indexes_than_the_database_allows(
    tmp_path: Path, extracted: dict, monkeypatch
) -> None:
    """Each layout index costs a scan of every row when made: JSONs each naming a layout of its
    own with indexes stop at the database's budget, before the scan; the others load."""
    from extract.database import load
    from extract.database.build import build_from_json

    monkeypatch.setattr(load, "MAX_LAYOUT_INDEXES", 3)
    folder = tmp_path / "json"
    folder.mkdir()
    for i in range(3):
        report = json.loads(json.dumps(extracted))
        report["layout"]["name"] = f"mine{i}"
        report["layout"]["queries"][0]["indexes"] = [["department"], ["rating"]]
        report["report"]["source"] |= {"file": f"r{i}.pdf", "sha256": f"{i}" * 64}
        report["report"]["fiscal_year"] = 2000 + i
        (folder / f"r{i}.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "h.db"
    result = build_from_json(sorted(folder.glob("*.json")), db)
    assert result.loaded == ["r0.pdf"]
    assert result.failed == [
        (f"r{i}.pdf", f"layout mine{i}: its queries' 2 indexes would make 4 in the database, at most 3")
        for i in (1, 2)
    ]
    conn = sqlite3.connect(db)
    try:
        made = conn.execute("select name from sqlite_master where name like 'idx_layout:%'").fetchall()
    finally:
        conn.close()
    assert len(made) == 2


def test_a_hostile_index_in_an_extracted_json_is_not_loaded(tmp_path: Path, extracted: dict) -> None:
    """--from-json reads the layout's query indexes from the JSON: they are checked there too."""
    folder = tmp_path / "json"
    folder.mkdir()
    report = json.loads(json.dumps(extracted))
    for index, says in (
        ("fields) where 1; --", "String should match pattern"),
        ("not_a_field", "index on not_a_field: not a column of the layout's rows"),
    ):
        report["layout"]["queries"][0]["indexes"] = [[index]]
        (folder / "koganei-fy2020.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
        done = run_hyoka("build", "--from-json", str(folder), "--db", str(tmp_path / "h.db"))
        assert done.returncode == 1
        assert "failed: koganei-fy2020.json: not an extracted report" in done.stderr
        assert says in done.stderr, done.stderr


def test_an_index_on_a_computed_column_is_refused_in_a_json() -> None:
    """A form's latest figure (latest_costs) is computed in its view, not stored in a row: an
    index on it would fail mid-build (KeyError), so a JSON asking for one is refused on load."""
    from extract.reading.layout import load_layout
    from extract.reading.records import form_layout_info
    from schemas.report import LayoutInfo

    info = form_layout_info(load_layout(ROOT / "extract" / "layouts" / "jimujigyo-sheet.toml")).model_dump()
    assert "latest_costs" in {f["name"] for f in info["fields"]}
    info["queries"] = [
        {"name": "q", "title": "t", "description": "d", "sql": "select 1", "indexes": [["latest_costs"]]}
    ]
    with pytest.raises(ValueError, match="index on latest_costs: not a column of the layout's rows"):
        LayoutInfo.model_validate(info)


def test_a_hostile_query_in_an_extracted_json_is_not_loaded(tmp_path: Path, extracted: dict) -> None:
    """--from-json reads the layout's queries from the JSON: they are checked there too."""
    folder = tmp_path / "json"
    folder.mkdir()
    report = json.loads(json.dumps(extracted))
    report["layout"]["queries"].append(
        {"name": "pwn", "title": "t", "description": "d", "sql": "VACUUM INTO 'elsewhere/copy.db'"}
    )
    (folder / "koganei-fy2020.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--from-json", str(folder), "--db", str(db))
    assert done.returncode == 1
    assert "failed: koganei-fy2020.json: not an extracted report" in done.stderr
    assert "query pwn: sql: a SELECT (or WITH … SELECT), not VACUUM" in done.stderr


def test_the_reserved_names_hold_every_builtin_query_and_table(built_db: Path) -> None:
    from extract.site.metadata import QUERIES
    from schemas.layout import RESERVED_NAMES

    with sqlite3.connect(built_db) as conn:
        names = {
            name
            for (name,) in conn.execute("select name from sqlite_master where type in ('table', 'view')")
            if not name.startswith(("rows_", "remarks_")) and "_fts" not in name
        }
    assert set(QUERIES) | names <= RESERVED_NAMES


# 2. a pattern that backtracks stops the file, in a bounded time, naming layout and field


def _slow_detect(pattern: str) -> str:
    slow = KOGANEI.replace("[detect]\nall = [", f"[detect]\nall = ['{pattern}', ", 1)
    assert slow != KOGANEI
    return slow


def test_a_pattern_that_backtracks_on_any_text_is_refused_on_load(tmp_path: Path) -> None:
    folder = _layout(tmp_path / "layouts", "koganei-welfare", _slow_detect(BACKTRACKS))
    _one_line(
        run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)), "koganei-welfare.toml", "backtracks"
    )


def test_a_pattern_that_backtracks_on_a_page_is_one_line_naming_layout_and_field(tmp_path: Path) -> None:
    folder = _layout(tmp_path / "layouts", "koganei-welfare", _slow_detect(BACKTRACKS_ON_PAGES))
    started = time.monotonic()
    done = run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF), timeout=60)
    _one_line(
        done,
        "koganei-fy2020.pdf: layout koganei-welfare, detect.all[0]: the pattern",
        "(it backtracks: rewrite it)",
    )
    assert time.monotonic() - started < 30  # before: still busy when killed at 150 s


def test_a_backtracking_pattern_fails_one_file_of_a_build(tmp_path: Path) -> None:
    folder = _layout(tmp_path / "layouts", "koganei-welfare", _slow_detect(BACKTRACKS_ON_PAGES))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.pdf").write_bytes(SAMPLE_PDF.read_bytes())
    bad.not_a_report(raw / "b.pdf")
    done = run_hyoka("build", "--layouts", str(folder), "--db", str(tmp_path / "h.db"), str(raw), timeout=90)
    assert done.returncode == 1
    assert "  failed: a.pdf: layout koganei-welfare, detect.all[0]: the pattern" in done.stderr, done.stderr
    assert "  failed: b.pdf: not an evaluation report" in done.stderr


# 3. a file's budget: objects summed over its pages, and seconds


def test_pages_sharing_one_heavy_stream_pass_the_file_object_budget(tmp_path: Path) -> None:
    pdf = bad.shared_stream(tmp_path / "shared.pdf", pages=40, rects=20_000)
    done = run_hyoka("extract", str(pdf), "--max-objects-per-pdf", "100000")
    _one_line(done, "shared.pdf: too many objects in the file (", "120000 by page 6, limit 100000")


def test_a_pdf_past_its_time_budget_is_given_up_while_a_page_is_being_read(tmp_path: Path) -> None:
    """One page of 190,000 rules takes seconds inside the reader: the command does not wait
    for it to end (before: an hour for 1,000 such pages)."""
    pdf = bad.shared_stream(tmp_path / "shared.pdf", pages=1000, rects=190_000)
    started = time.monotonic()
    done = run_hyoka("extract", str(pdf), "--max-seconds-per-pdf", "1")
    _one_line(done, "shared.pdf: reading took over 1 s, the limit per PDF (--max-seconds-per-pdf)")
    assert time.monotonic() - started < 10


def test_a_build_gives_up_a_slow_pdf_and_loads_the_others(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    bad.shared_stream(raw / "heavy.pdf", pages=1000, rects=190_000)
    (raw / "koganei.pdf").write_bytes(SAMPLE_PDF.read_bytes())
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--db", str(db), str(raw), "--max-seconds-per-pdf", "3")
    assert done.returncode == 1
    assert "1 loaded" in done.stderr and "failed: heavy.pdf: reading took over 3 s" in done.stderr


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_child_hung_where_no_python_runs_is_killed_at_its_time() -> None:
    """The build's guard for a hang inside pdfium: the child is killed, its job is one line."""
    started = time.monotonic()
    out = list(run_isolated(_sleep, [0.01, 60, 0.02], workers=2, seconds=1, late="too slow"))
    assert out == [(True, 0.01), (False, "too slow"), (True, 0.02)]
    assert time.monotonic() - started < 10


# 9. detection needs words; two layouts claiming pages of one PDF is an error


@pytest.mark.parametrize("patterns", ["''", "'.'", "'^', '\\S'"])
def test_a_layout_that_matches_every_page_is_refused(tmp_path: Path, patterns: str) -> None:
    text = _renamed(IKEDA, "jimujigyo-sheet", "junk")
    text = (
        text[: text.index("\n[detect]")]
        + f"\n[detect]\nall = [{patterns}]\n"
        + text[text.index("\n[years]") :]
    )
    folder = _layout(tmp_path / "layouts", "junk", text)
    _one_line(run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)), "junk.toml", "detect.all")


def test_two_layouts_claiming_pages_of_one_pdf_are_named(tmp_path: Path) -> None:
    """A form layout whose detect word the sample's cover prints took the sample over (116
    junk rows, exit 0); now the two layouts that claim its pages are named."""
    text = _renamed(IKEDA, "jimujigyo-sheet", "broad")
    text = (
        text[: text.index("\n[detect]")]
        + "\n[detect]\nall = ['地域福祉']\n"
        + text[text.index("\n[years]") :]
    )
    folder = _layout(tmp_path / "layouts", "broad", text)
    _one_line(
        run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)),
        "matches the layout broad and page",
        "the layout koganei-welfare: choose one with --layout",
    )


# 10. bounds on every string and list of a layout


@pytest.mark.parametrize(
    "edit, says",
    [
        (lambda t: _renamed(t, "big", "x" * 1_000_000), "layout file is at most"),
        (lambda t: _renamed(t, "big", "x" * 100), "invalid layout at name"),
        (lambda t: t.replace('label = "', 'label = "' + "長" * 5000, 1), "5"),
        (lambda t: t + "boilerplate = [" + ", ".join(["'x'"] * 5000) + "]\n", "5000 entries, at most 200"),
    ],
)
def test_absurd_layout_sizes_are_refused_on_load(tmp_path: Path, edit, says: str) -> None:
    folder = _layout(tmp_path / "layouts", "big", edit(_renamed(KOGANEI, "koganei-welfare", "big")))
    started = time.monotonic()
    _one_line(run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)), "big.toml", says)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "columns, says", [(5000, "a layout file is at most"), (500, "507 entries, at most 200")]
)
def test_thousands_of_columns_cost_nothing_to_refuse(tmp_path: Path, columns: int, says: str) -> None:
    """5,000 columns took 11.6 s to read a PDF with; now the file or the list is refused."""
    column = '\n[[columns]]\nname = "c{}"\nlabel = "l"\ndescription = "d"\nheader = [\'h{}\']\n'
    text = _renamed(KOGANEI, "koganei-welfare", "wide") + "".join(column.format(i, i) for i in range(columns))
    folder = _layout(tmp_path / "layouts", "wide", text)
    _one_line(run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)), "wide.toml", says)


def test_an_absurd_layout_in_an_extracted_json_is_not_loaded(tmp_path: Path, extracted: dict) -> None:
    folder = tmp_path / "json"
    folder.mkdir()
    report = json.loads(json.dumps(extracted))
    report["layout"]["label"] = "長" * 1_000_000
    (folder / "koganei-fy2020.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    done = run_hyoka("build", "--from-json", str(folder), "--db", str(tmp_path / "h.db"))
    assert done.returncode == 1 and "label: 1000000 characters, at most 1000" in done.stderr


def test_a_pattern_only_the_regex_engine_knows_is_a_layout_pattern(tmp_path: Path) -> None:
    """`\\p{Han}` is what a Japanese layout author writes: the layout is checked by the engine
    that runs it (before: a traceback from Python's re, or the PDF blamed)."""
    printed = KOGANEI[KOGANEI.index("municipality = '") :].split("\n", 1)[0]
    han = r"municipality = '((?:(?![市町村区])\p{Han}){2,3}?[市町村区])(?![民場町村会内外長部])'"
    folder = _layout(tmp_path / "ok", "koganei-welfare", KOGANEI.replace(printed, han))
    done = run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["report"]["municipality"] == "小金井市"
    two = KOGANEI.replace(printed, r"municipality = '(\p{Han}+?市)|(\p{Han}+?町)'")
    folder = _layout(tmp_path / "two", "koganei-welfare", two)
    _one_line(
        run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)),
        "koganei-welfare.toml", "report.municipality: exactly one group",
    )  # fmt: skip


@pytest.mark.parametrize(
    "tail, says",
    [
        ("x = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deep"),
        ("[" + ".".join(["a"] * 3000) + "]\n", "nested more than 8 deep"),
        ("[" + "k" * 100_000 + "]\n", "a key of 100000 characters"),
    ],
)
def test_deep_or_long_layout_structure_is_one_line(tmp_path: Path, tail: str, says: str) -> None:
    folder = _layout(tmp_path / "layouts", "deep", _renamed(KOGANEI, "koganei-welfare", "deep") + tail)
    line = _one_line(run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF)), "deep.toml", says)
    assert len(line) < 300


def test_a_form_table_cannot_take_a_table_of_hyokas_own(tmp_path: Path) -> None:
    """A form's table is loaded into a table of its name (alter=True): named evaluations, it
    would add columns to hyoka's own table. Refused on load, like a query's name."""
    from extract.reading.layout import _load_file

    text = (ROOT / "extract" / "layouts" / "jimujigyo-sheet.toml").read_text(encoding="utf-8")
    assert 'name = "costs"' in text
    for taken in ("evaluations", "items", "remarks_x", "evaluation_rows_fts", "Costs"):
        path = tmp_path / f"{taken.lower()}.toml"
        path.write_text(text.replace('name = "costs"', f'name = "{taken}"', 1), encoding="utf-8")
        with pytest.raises(Exception, match=f"table {taken}: a lower-case ASCII name"):
            _load_file(path)
