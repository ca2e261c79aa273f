"""A corpus, not a report: what a build adds, replaces or prunes leaves the search index, the
flat view, the links and the rating changes exactly as a full rebuild makes them; a build
killed at any moment over a corpus leaves the previous database whole."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import corpus
import pytest
from conftest import ROOT, run_hyoka

from extract.database.build import build_from_json
from extract.database.history import link_reports, load_overrides
from extract.database.load import FTS, Database, ensure_db_shape
from extract.database.search import match_query
from extract.manifest import SHAPE_VERSION

DERIVED_TABLES = (
    "evaluation_rows",
    "item_links",
    "evaluation_links",
    "rating_change_pairs",
    "rating_changes",
)  # the pairs too: the view joins evaluations, so it would hide a pair left behind


def _contents(db_path: Path) -> dict[str, list[tuple]]:
    """Every derived row, sorted; each search index as its (term, row, column, offset) entries."""
    conn = sqlite3.connect(db_path)
    try:
        out = {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr) for t in DERIVED_TABLES}
        for name in FTS:
            conn.execute(f"create virtual table temp.[v_{name}] using fts5vocab(main, [{name}], instance)")
            out[name] = sorted(conn.execute(f"select * from temp.[v_{name}]").fetchall())
            conn.execute(f"insert into [{name}] ([{name}]) values ('integrity-check')")
    finally:
        conn.close()
    return out


def _copy(db_path: Path, to: Path) -> None:
    """A copy of the database as committed: the file alone may lack the last commits, still in
    its WAL while a connection is open."""
    to.unlink(missing_ok=True)
    src, dst = sqlite3.connect(db_path), sqlite3.connect(to)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _rebuilt(db_path: Path, tmp: Path) -> dict[str, list[tuple]]:
    """The same reports with the search indexes, links and changes made from scratch."""
    copy = tmp / "full.db"
    _copy(db_path, copy)
    db = Database(copy)
    db.execute("delete from build_info where name = 'shape_version'")
    assert ensure_db_shape(db)
    link_reports(db, load_overrides(None))
    db.conn.commit()
    db.close()
    return _contents(copy)


def _content(db_path: Path) -> dict[str, list]:
    """What a reader finds, whatever ids the rows got: rows, links, changes, search terms."""
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("select * from evaluation_rows").fetchall()
        names = [d[0] for d in conn.execute("select * from evaluation_rows limit 0").description]
        keep = [i for i, n in enumerate(names) if n not in ("id", "report_id", "item_id", "sheet_id")]
        links = conn.execute(
            """select r.file, e.page, e.item_no, e.title, e.department, il.stable_id,
                l.department_key, l.department_match from evaluation_links l
                join evaluations e on e.id = l.evaluation_id join reports r on r.id = e.report_id
                join item_links il on il.item_id = e.item_id"""
        ).fetchall()
        changes = conn.execute(
            """select municipality, plan_title, from_year, to_year, stable_id, sheet_no, group_no,
                item_no, title, department, from_rating, to_rating, change,
                printed_prev_rating, match_method, match_score, series from rating_changes"""
        ).fetchall()
    finally:
        conn.close()
    return {
        "rows": sorted((tuple(r[i] for i in keep) for r in rows), key=repr),
        "links": sorted(links, key=repr), "changes": sorted(changes, key=repr),
        "terms": _vocabulary(db_path),
    }  # fmt: skip


def _fresh(db_path: Path, folder: Path, tmp: Path) -> Path:
    """A database built at once from the JSON of the reports ``db_path`` holds."""
    with sqlite3.connect(db_path) as conn:
        files = [folder / (Path(f).stem + ".json") for (f,) in conn.execute("select file from reports")]
    fresh = tmp / "fresh-all.db"
    fresh.unlink(missing_ok=True)
    _build(sorted(files), fresh)
    return fresh


def _build(files: list[Path], db: Path, **options) -> None:
    result = build_from_json(files, db, **options)
    assert not result.failed, result.failed


def test_incremental_equals_full_rebuild(tmp_path: Path, extracted: dict) -> None:
    folder = tmp_path / "json"
    a20, b20, c20 = corpus.write_corpus(extracted, folder, 3)
    a21, b21 = (corpus.write(corpus.variant(extracted, i, 2021), folder) for i in (0, 1))
    db = tmp_path / "h.db"
    steps = [
        ([a20, b20], {}),
        ([a20, b20, a21, b21, c20], {}),  # a new year in two series, a new series
        ([a20, b20, corpus.write(corpus.variant(extracted, 0, 2021, "reprinted"), folder), b21, c20], {}),
        ([a20, a21, b21, c20], {"prune": True}),  # B's first year goes: B 2021 stands alone
    ]
    for files, options in steps:
        _build(files, db, **options)
        incremental = _contents(db)
        assert incremental == _rebuilt(db, tmp_path)
        assert _content(db) == _content(_fresh(db, folder, tmp_path))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from reports").fetchone()[0] == 4
        series = conn.execute("select count(distinct series) from rating_changes").fetchone()[0]
        assert series == 1  # only A has two years left
        rows = conn.execute("select count(*) from evaluation_rows").fetchone()[0]
        assert rows == conn.execute("select count(*) from evaluations").fetchone()[0]


def test_a_search_finds_each_copy(tmp_path: Path, extracted: dict) -> None:
    folder = tmp_path / "json"
    corpus.write_corpus(extracted, folder, 5)
    db = tmp_path / "h.db"
    assert run_hyoka("build", "--from-json", str(folder), "--db", str(db)).returncode == 0
    again = run_hyoka("build", "--from-json", str(folder), "--db", str(db))
    assert "0 loaded, 5 unchanged" in again.stderr
    with sqlite3.connect(db) as conn:
        one = conn.execute(
            "select count(*) from evaluation_rows where municipality = ? and texts like '%防災%'",
            [corpus.municipality(0)],
        ).fetchone()[0]
        sql = "select count(*) from evaluation_rows_fts where evaluation_rows_fts match ?"
        assert one > 0
        assert conn.execute(sql, [match_query("防災")]).fetchone()[0] >= 5 * one


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8, 1.5])
def test_kill_during_a_build_over_a_corpus_keeps_a_whole_database(
    tmp_path_factory, extracted: dict, delay: float
) -> None:
    base = _corpus_db(tmp_path_factory, extracted)
    work = tmp_path_factory.mktemp("kill")
    db = work / "h.db"
    _copy(base, db)
    folder = base.parent / "json"
    new = corpus.write(corpus.variant(extracted, 999_999), work / "json")
    shutil.copytree(folder, work / "json", dirs_exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "extract", "build", "--silent", "--from-json", str(work / "json"), "--db", str(db)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    lock = work / "h.db.lock"  # the build holds it from its start (it writes in place)
    while proc.poll() is None and time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(proc.pid):
            break
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reports = _check_whole(db)
    assert reports in (CORPUS, CORPUS + 1)  # the previous database, or the next one complete
    again = run_hyoka("build", "--from-json", str(work / "json"), "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert _check_whole(db) == CORPUS + 1
    assert new.exists() and not list(work.glob("h.db.tmp-*"))


CORPUS = 200


def _corpus_db(tmp_path_factory, extracted: dict) -> Path:
    """A database of CORPUS reports, made once for the kill tests."""
    base = tmp_path_factory.getbasetemp() / "corpus-200"
    db = base / "h.db"
    if not db.exists():
        corpus.write_corpus(extracted, base / "json", CORPUS)
        _build(sorted((base / "json").glob("*.json")), db)
    return db


def _check_whole(db: Path) -> int:
    """A whole database: SQLite's check, every index consistent; how many reports it holds."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        for name in FTS:
            conn.execute(f"insert into [{name}] ([{name}]) values ('integrity-check')")
        rows = conn.execute("select count(*) from evaluation_rows").fetchone()[0]
        assert rows == conn.execute("select count(*) from evaluations").fetchone()[0]
        links = conn.execute("select count(*) from evaluation_links").fetchone()[0]
        assert links == rows
        return conn.execute("select count(*) from reports").fetchone()[0]


def test_a_server_reading_during_a_build_keeps_its_snapshot(tmp_path_factory, extracted: dict) -> None:
    """The build writes the file in place, in WAL mode: a reader as the site opens it (read-only)
    that began reading before the build keeps what it saw, and is not blocked, nor does it block
    the build; its next read transaction sees the build's commit."""
    work = tmp_path_factory.mktemp("live")
    db = work / "h.db"
    _copy(_corpus_db(tmp_path_factory, extracted), db)
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    try:
        reader.execute("begin")
        assert reader.execute("select count(*) from reports").fetchone()[0] == CORPUS
        _build([corpus.write(corpus.variant(extracted, 777_777), work / "json")], db)
        assert reader.execute("select count(*) from evaluation_rows").fetchone()[0] == CORPUS * 58
        assert reader.execute("select count(*) from reports").fetchone()[0] == CORPUS
        reader.execute("commit")
        assert reader.execute("select count(*) from reports").fetchone()[0] == CORPUS + 1
        assert reader.execute("pragma journal_mode").fetchone()[0] == "wal"
    finally:
        reader.close()
    assert _check_whole(db) == CORPUS + 1


def test_a_database_of_an_older_shape_is_rebuilt_once(tmp_path: Path, extracted: dict) -> None:
    """A database an older hyoka made (other tables): the next build, even with nothing new,
    makes it again from the files given, as a build from scratch would."""
    folder = tmp_path / "json"
    corpus.write_corpus(extracted, folder, 2)
    db = tmp_path / "h.db"
    _build(sorted(folder.glob("*.json")), db)
    expected = _contents(db)
    with sqlite3.connect(db) as conn:
        conn.execute("update build_info set value = '2' where name = 'shape_version'")
        conn.execute("drop table item_links")
    again = run_hyoka("build", "--from-json", str(folder), "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert "2 loaded, 0 unchanged" in again.stderr
    assert _contents(db) == expected
    rerun = run_hyoka("build", "--from-json", str(folder), "--db", str(db))
    assert "0 loaded, 2 unchanged" in rerun.stderr


def _older_database(tmp_path: Path, extracted: dict) -> tuple[Path, Path, Path]:
    """A database of two reports marked as made by an older hyoka (shape 2), and their JSON."""
    first, second = corpus.write_corpus(extracted, tmp_path / "json", 2)
    db = tmp_path / "h.db"
    _build([first, second], db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("update build_info set value = '2' where name = 'shape_version'")
    conn.close()  # the last connection: its commit leaves the WAL for the file, which the tests compare
    return db, first, second


def test_an_older_database_is_not_remade_from_some_of_its_files(tmp_path: Path, extracted: dict) -> None:
    """Remaking it from one file would lose the other report: refused in one line, unchanged."""
    db, first, second = _older_database(tmp_path, extracted)
    before = db.read_bytes()
    (tmp_path / "one").mkdir()
    shutil.copy(first, tmp_path / "one")
    refused = run_hyoka("build", "--from-json", str(tmp_path / "one"), "--db", str(db))
    lost = json.loads(second.read_text(encoding="utf-8"))["report"]["source"]["file"]
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"Error: h.db: made by an older hyoka (shape 2, now {SHAPE_VERSION}): build it again from all its files "
        f"(not given: {lost}) (nothing was changed)"
    ]
    assert db.read_bytes() == before


def test_an_older_database_is_not_emptied_by_a_file_that_fails(tmp_path: Path, extracted: dict) -> None:
    """Every file is given, but one no longer loads: remaking the database would lose its
    report, so nothing is written."""
    db, first, second = _older_database(tmp_path, extracted)
    before = db.read_bytes()
    broken = json.loads(second.read_text(encoding="utf-8"))
    del broken["evaluations"][0]["page"]  # still names its PDF, no longer a valid report
    second.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    refused = run_hyoka("build", "--from-json", str(second.parent), "--db", str(db))
    lost = broken["report"]["source"]["file"]
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        f"Error: h.db: made by an older hyoka (shape 2, now {SHAPE_VERSION}): build it again from all its files "
        f"(not loaded again: {lost}) (nothing was changed)"
    )
    assert db.read_bytes() == before


def test_prune_from_json_with_a_new_report(tmp_path: Path, extracted: dict) -> None:
    folder = tmp_path / "json"
    (first,) = corpus.write_corpus(extracted, folder, 1)
    db = tmp_path / "h.db"
    _build([first], db)
    corpus.write_corpus(extracted, folder, 1, start=1)
    done = run_hyoka("build", "--from-json", str(folder), "--db", str(db), "--prune")
    assert done.returncode == 0, done.stderr
    assert "1 loaded, 1 unchanged, 0 removed" in done.stderr


def _vocabulary(db_path: Path) -> list[tuple]:
    """Each search index as (term, rows, occurrences): what it finds, whatever the row ids."""
    conn = sqlite3.connect(db_path)
    try:
        out = []
        for name in FTS:
            conn.execute(f"create virtual table temp.[r_{name}] using fts5vocab(main, [{name}], row)")
            out += [(name, *row) for row in conn.execute(f"select * from temp.[r_{name}] order by term")]
        return out
    finally:
        conn.close()


def test_a_changed_layout_leaves_the_index_as_a_fresh_build_makes_it(tmp_path: Path, extracted: dict) -> None:
    """A report read with an edited layout (a text field that is no longer text) comes and
    goes, then the first report is replaced: no row keeps index entries of a text it does not
    have, and ids used again do not inherit them."""
    folder = tmp_path / "json"
    a = corpus.variant(extracted, 0)
    a["evaluations"][0]["outlook"] = "幽霊検索語"
    b = corpus.variant(extracted, 1)
    b["layout"]["fields"] = [
        {**f, "role": "note"} if f["name"] == "outlook" else f for f in b["layout"]["fields"]
    ]
    db = tmp_path / "h.db"
    _build([corpus.write(a, folder), corpus.write(b, folder)], db)
    _build([corpus.write(a, folder)], db, prune=True)
    a2 = corpus.variant(extracted, 0, edition="reprinted")
    a2["report"]["source"]["file"] = a["report"]["source"]["file"]  # a new edition of the same PDF
    shutil.rmtree(folder)
    _build([corpus.write(a2, folder)], db)
    fresh = tmp_path / "fresh.db"
    _build([corpus.write(a2, folder)], fresh)
    assert _vocabulary(db) == _vocabulary(fresh)
    with sqlite3.connect(db) as conn:
        found = conn.execute(
            "select count(*) from evaluation_rows_fts where evaluation_rows_fts match ?",
            [match_query("幽霊")],
        )
        assert found.fetchone()[0] == 0


def test_a_server_serves_what_a_build_commits_while_it_runs(tmp_path: Path, extracted: dict) -> None:
    """`hyoka serve` reads the database a build changes in place: its pages answer during and
    after the build, and after the commit show the new report, with its rating's meaning (what
    the plugin read of the database is read again)."""
    from test_serve import serving

    first = corpus.write(corpus.variant(extracted, 0), tmp_path / "json")
    other = corpus.variant(extracted, 1)
    other["rating_scale"] = {code: f"{meaning}（第二版）" for code, meaning in other["rating_scale"].items()}
    second = corpus.write(other, tmp_path / "json")
    db = tmp_path / "h.db"
    _build([first], db)
    with serving(db) as base:
        for _ in range(12):  # every connection Datasette keeps is opened (each reads the database once)
            assert len(_json(f"{base}/h/reports.json?_shape=array")) == 1
        _build([first, second], db)
        ids = [r["id"] for r in _json(f"{base}/h/reports.json?_shape=array")]
        assert len(ids) == 2
        new = max(ids)
        page = _text(f"{base}/h/evaluations?report_id={new}&rating=A")
        meaning = other["rating_scale"]["A"]
        assert f'class="hyoka-rating" data-rating="A" title="A: {meaning}"' in page
        assert _check_whole(db) == 2


def test_what_the_site_read_of_a_database_is_read_again_after_a_build(
    tmp_path: Path, extracted: dict
) -> None:
    """Whichever connection answers a request (each reads the database once, when opened), the
    request first reads again what a build changed: here, after a commit, the next request knows
    the new report."""
    import asyncio

    from extract.site.registry import known
    from extract.site.serve import make_datasette

    first, second = corpus.write_corpus(extracted, tmp_path / "json", 2)
    db = tmp_path / "h.db"
    _build([first], db)
    ds = make_datasette(db, None)
    assert asyncio.run(ds.client.get("/h/reports.json")).status_code == 200
    assert len(known(ds, "h").reports) == 1
    _build([first, second], db)
    assert len(known(ds, "h").reports) == 1  # not read again until a request comes
    assert asyncio.run(ds.client.get("/-/versions.json")).status_code == 200
    assert len(known(ds, "h").reports) == 2


def _json(url: str):
    return json.loads(_text(url))


def _text(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read().decode()
