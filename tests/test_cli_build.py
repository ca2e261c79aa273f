"""`hyoka build` and `hyoka export` as a user runs them: summaries, exit codes, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

from conftest import SAMPLE_PDF, free_port, run_hyoka


def _count(db: Path, table: str = "evaluations") -> int:
    with sqlite3.connect(db) as c:
        return c.execute(f"select count(*) from [{table}]").fetchone()[0]


def test_build_then_rerun_parses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = run_hyoka("build", "--db", str(db), str(SAMPLE_PDF))
    assert first.returncode == 0, first.stderr
    assert "1 loaded, 0 unchanged" in first.stderr
    assert _count(db) == 58
    mtime = db.stat().st_mtime_ns
    again = run_hyoka("build", "--db", str(db), str(SAMPLE_PDF))
    assert again.returncode == 0 and "0 loaded, 1 unchanged" in again.stderr
    assert db.stat().st_mtime_ns == mtime  # nothing rewritten


def test_bad_files_are_listed_and_good_ones_load(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE_PDF, raw / "good.pdf")
    shutil.copy(SAMPLE_PDF, raw / "copy-of-good.pdf")
    (raw / "zero.pdf").write_bytes(b"")
    (raw / "text.pdf").write_text("hello", encoding="utf-8")
    (raw / "cut.pdf").write_bytes(SAMPLE_PDF.read_bytes()[:5000])
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--db", str(db), *sorted(str(p) for p in raw.iterdir()))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == f"{db}: 1 loaded, 0 unchanged, 0 removed, 4 failed"
    # Files go in the order given: the first copy loads, the second is the duplicate.
    assert lines[1:] == [
        "  failed: cut.pdf: damaged PDF (PSEOF: Unexpected EOF)",
        "  failed: good.pdf: duplicate of copy-of-good.pdf (same SHA-256): not loaded twice",
        "  failed: text.pdf: not a PDF file (no %PDF- header)",
        "  failed: zero.pdf: empty file (0 bytes)",
    ]
    assert _count(db) == 58 and _count(db, "reports") == 1
    with sqlite3.connect(db) as c:
        assert c.execute("select file from reports").fetchall() == [("copy-of-good.pdf",)]


def test_strict_stops_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    assert run_hyoka("build", "--db", str(db), str(SAMPLE_PDF)).returncode == 0
    before = db.read_bytes()
    bad = tmp_path / "bad.pdf"
    bad.write_text("not a pdf", encoding="utf-8")
    done = run_hyoka("build", "--strict", "--db", str(db), str(bad))
    assert (
        done.returncode == 1
        and "bad.pdf: not a PDF file" in done.stderr
        and "nothing was changed" in done.stderr
    )
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("h.db.tmp-*"))


def test_export_writes_excel_csv(tmp_path: Path, built_db: Path) -> None:
    out = tmp_path / "rows.csv"
    done = run_hyoka("export", "--db", str(built_db), "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["id", "fiscal_year"] and len(rows) == 59
    assert any("\n" in cell for row in rows for cell in row)  # paragraphs survive inside quoted cells


def test_serve_without_database_is_one_line(tmp_path: Path) -> None:
    done = run_hyoka("serve", "--db", str(tmp_path / "none.db"))
    assert done.returncode == 1 and done.stderr.strip().endswith("no database (run `hyoka build` first)")


def test_two_workers_build_the_same_database(tmp_path: Path, expected) -> None:
    import nextyear
    from render import Variant, render_report

    second = tmp_path / "fy2021.pdf"
    render_report(nextyear.next_year(expected), second, Variant())
    dbs = {}
    for workers in ("1", "2"):
        dbs[workers] = tmp_path / f"w{workers}.db"
        done = run_hyoka(
            "build", "--workers", workers, "--db", str(dbs[workers]), str(SAMPLE_PDF), str(second)
        )
        assert done.returncode == 0 and "2 loaded" in done.stderr, done.stderr
    dump = {}
    for workers, db in dbs.items():
        with sqlite3.connect(db) as c:
            dump[workers] = c.execute(
                "select fiscal_year, title, department, rating, change from evaluation_rows order by id"
            ).fetchall()
    assert dump["1"] == dump["2"] and len(dump["1"]) == 116


def test_debug_page_shows_merged_cells() -> None:
    done = run_hyoka("debug-page", str(SAMPLE_PDF), "9")
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert page["kind"] == "sheet" and page["free_text"] == ["【基本施策】"]
    (dept,) = [c for t in page["tables"] for c in t["cells"] if c["text"].startswith("関係各課")]
    assert dept["row_span"] == 2 and dept["text"].split("\n") == ["関係各課", "介護福祉課", "広報秘書課"]
    assert run_hyoka("debug-page", str(SAMPLE_PDF), "99").stderr.strip().endswith("no page 99 (it has 24)")


def test_changed_pdf_replaces_its_report_and_prune_removes(tmp_path: Path, expected) -> None:
    from render import Variant, render_report

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE_PDF, raw / "report.pdf")
    db = tmp_path / "h.db"
    assert run_hyoka("build", "--db", str(db), str(raw)).returncode == 0
    with sqlite3.connect(db) as c:
        old_sha = c.execute("select sha256 from reports").fetchone()[0]
    render_report(expected, raw / "report.pdf", Variant(font="ipam"))  # a new edition, same name
    done = run_hyoka("build", "--db", str(db), str(raw))
    assert done.returncode == 0 and "1 loaded, 0 unchanged, 0 removed" in done.stderr, done.stderr
    with sqlite3.connect(db) as c:
        shas = [r[0] for r in c.execute("select sha256 from reports")]
        assert shas != [old_sha] and len(shas) == 1
        assert c.execute("select count(*) from evaluations").fetchone()[0] == 58
    (raw / "report.pdf").unlink()
    shutil.copy(SAMPLE_PDF, raw / "other.pdf")
    kept = run_hyoka("build", "--db", str(db), str(raw))
    assert kept.returncode == 1 and "same report as report.pdf" in kept.stderr  # not removed silently
    unsafe = run_hyoka("build", "--prune", "--db", str(db), str(raw / "other.pdf"), str(raw / "typo.pdf"))
    assert unsafe.returncode == 1
    assert "not done: --prune: some given PDFs are missing, so nothing was removed" in unsafe.stderr
    assert "2 failed" in unsafe.stderr  # typo.pdf and the clash of other.pdf: --prune is no failed file
    assert not any(line.startswith("  failed: --prune") for line in unsafe.stderr.splitlines())
    pruned = run_hyoka("build", "--prune", "--db", str(db), str(raw))
    assert pruned.returncode == 0 and "1 loaded, 0 unchanged, 1 removed, 0 failed" in pruned.stderr
    with sqlite3.connect(db) as c:
        assert [r[0] for r in c.execute("select file from reports")] == ["other.pdf"]


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    """`script` gives the build a terminal; a pipe (every other test) gets no bar."""
    import shlex
    import sys

    db = tmp_path / "h.db"
    cmd = shlex.join([sys.executable, "-m", "extract", "build", "--db", str(db), str(SAMPLE_PDF)])
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, timeout=120)
    assert "extracting" in tty.stdout and "100%" in tty.stdout
    db.unlink()
    piped = run_hyoka("build", "--db", str(db), str(SAMPLE_PDF))
    assert "extracting" not in piped.stderr and "1 loaded" in piped.stderr
    silent = subprocess.run(["script", "-qec", cmd.replace(" build ", " build --silent "), "/dev/null"],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "extracting" not in silent.stdout


def test_extract_many_to_a_folder_skips_what_is_there_then_builds_from_json(
    tmp_path: Path, extracted
) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"not a pdf at all")
    out = tmp_path / "json"
    done = run_hyoka("extract", str(SAMPLE_PDF), str(bad), "-o", str(out))
    assert done.returncode == 1
    assert "1 extracted, 0 already there, 1 failed" in done.stderr
    assert "failed: broken.pdf:" in done.stderr
    assert json.loads((out / "koganei-fy2020.json").read_text(encoding="utf-8")) == extracted
    assert sorted(p.name for p in out.iterdir()) == ["koganei-fy2020.json"]  # nothing half-written
    again = run_hyoka("extract", str(SAMPLE_PDF), "-o", str(out))
    assert again.returncode == 0 and "0 extracted, 1 already there" in again.stderr
    db = tmp_path / "h.db"
    both = run_hyoka("build", "--from-json", str(out), "--db", str(db), str(SAMPLE_PDF))
    assert both.returncode == 1 and both.stderr.strip().splitlines() == [
        "Error: give PDFs or --from-json DIR, not both (extract the PDFs into DIR first)"
    ]
    built = run_hyoka("build", "--from-json", str(out), "--db", str(db))
    assert built.returncode == 0, built.stderr
    assert "1 loaded" in built.stderr
    from_pdf = run_hyoka("build", "--db", str(db), str(SAMPLE_PDF))  # the same report: nothing new
    assert "0 loaded, 1 unchanged" in from_pdf.stderr
    assert _count(db, "evaluation_rows") == len(extracted["evaluations"])


def test_build_from_json_lists_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "x.json").write_text('{"report": {}}', encoding="utf-8")
    done = run_hyoka("build", "--from-json", str(tmp_path / "json"), "--db", str(tmp_path / "h.db"))
    assert done.returncode == 1
    assert "failed: x.json: not an extracted report" in done.stderr


def test_extract_on_a_local_dask_cluster(tmp_path: Path, extracted) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        done = run_hyoka("extract", str(SAMPLE_PDF), "-o", str(tmp_path / "json"), "--scheduler", address)
    assert done.returncode == 0, done.stderr
    assert "1 extracted" in done.stderr
    assert json.loads((tmp_path / "json" / "koganei-fy2020.json").read_text(encoding="utf-8")) == extracted


def test_scheduler_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    port = free_port()
    done = run_hyoka(
        "extract", str(SAMPLE_PDF), "-o", str(tmp_path), "--scheduler", f"tcp://127.0.0.1:{port}", timeout=180
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("Error: tcp://127.0.0.1:")


def test_export_any_view_and_name_the_choices(tmp_path: Path, built_db: Path) -> None:
    """A layout's own view exports with its own columns; an unknown name lists what exists."""
    out = tmp_path / "koganei.csv"
    done = run_hyoka("export", "--db", str(built_db), "--table", "rows_koganei_welfare", "-o", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert "outlook_covid" in rows[0] and len(rows) == 59
    labelled = run_hyoka("export", "--db", str(built_db), "--table", "rows_koganei_welfare", "--labels")
    heads = next(csv.reader(io.StringIO(labelled.stdout.lstrip("\ufeff"))))
    assert labelled.returncode == 0 and {"担当課", "事業評価", "前年度事業評価"} <= set(heads), heads
    wrong = run_hyoka("export", "--db", str(built_db), "--table", "evaluation_rows_fts_data")
    assert wrong.returncode == 1 and len(wrong.stderr.strip().splitlines()) == 1
    assert "no table or view 'evaluation_rows_fts_data'; choose one of " in wrong.stderr
    assert "rows_koganei_welfare" in wrong.stderr and "build_info" not in wrong.stderr
