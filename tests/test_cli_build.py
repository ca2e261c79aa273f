"""`hyoka build` and `hyoka export` as a user runs them: summaries, exit codes, atomic writes."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from pathlib import Path

from conftest import SAMPLE_PDF, run_hyoka


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
    err = done.stderr
    assert "1 loaded" in err and "4 failed" in err
    for name in ("zero.pdf", "text.pdf", "cut.pdf"):
        assert f"failed: {name}: " in err
    assert "failed: good.pdf: duplicate of copy-of-good.pdf" in err or "failed: copy-of-good.pdf" not in err
    assert _count(db) == 58 and _count(db, "reports") == 1


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
