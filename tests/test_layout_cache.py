"""A new form in minutes (issue 24): a layout is found next to raw/ from anywhere, named by
its `name` everywhere, an edit of it re-reads exactly its PDFs, a form no layout knows is
called what it is, and PDFs in sub-folders are not passed over in silence."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, SAMPLE_PDF, run_hyoka

from extract.reading.classify import evaluation_signs

KOGANEI = ROOT / "extract" / "layouts" / "koganei-welfare.toml"


def _project(tmp_path: Path, name: str = "koganei-welfare", file: str = "mine.toml") -> Path:
    """proj/raw/<the sample> and proj/layouts/<file>: the sample's layout under ``name``."""
    proj = tmp_path / "proj"
    (proj / "raw").mkdir(parents=True)
    (proj / "layouts").mkdir()
    shutil.copy(SAMPLE_PDF, proj / "raw" / SAMPLE_PDF.name)
    text = KOGANEI.read_text(encoding="utf-8").replace('name = "koganei-welfare"', f'name = "{name}"', 1)
    (proj / "layouts" / file).write_text(text, encoding="utf-8")
    return proj


def _stored(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select file, layout, layout_sha256 from reports").fetchall()


def test_editing_a_layout_reads_its_pdfs_again(tmp_path: Path) -> None:
    """The user's layout (found next to raw/, the command run from elsewhere) replaces the
    built-in one of its name; an edit of it re-reads its PDF and says so, a rerun is unchanged."""
    proj = _project(tmp_path)
    layout, db = proj / "layouts" / "mine.toml", proj / "build" / "h.db"
    build = ("build", "--db", str(db), str(proj / "raw"))
    assert run_hyoka(*build).returncode == 0
    digest = hashlib.sha256(layout.read_bytes()).hexdigest()
    assert _stored(db) == [(SAMPLE_PDF.name, "koganei-welfare", digest)]
    assert "0 loaded, 1 unchanged" in run_hyoka(*build).stderr
    assert _quick_rerun(proj / "raw" / SAMPLE_PDF.name, db) == "unchanged, without pydantic"

    layout.write_text(layout.read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8")
    done = run_hyoka(*build)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[:2] == [
        f"{db}: 1 loaded, 0 unchanged, 0 removed, 0 failed",
        "  1 re-read: their layout changed (koganei-welfare)",
    ]
    assert _stored(db)[0][2] == hashlib.sha256(layout.read_bytes()).hexdigest()
    assert run_hyoka(*build).stderr.startswith(f"{db}: 0 loaded, 1 unchanged")


def _quick_rerun(pdf: Path, db: Path) -> str:
    """Whether a rerun with nothing new answers from the manifest (the PDF's and the layout
    files' hashes) before pydantic is loaded."""
    code = f"""import sys
from pathlib import Path
from extract.cli_options import identity_near, settings_for
from extract.database.build import build_database
pdf = Path({str(pdf)!r})
settings, identity = settings_for(None, None, near=(pdf,)), identity_near((pdf,))  # the CLI's
result = build_database([pdf], Path({str(db)!r}), identity=identity, settings=settings)
print("unchanged" if result.unchanged == [pdf.name] else "read", end=", ")
print("with pydantic" if "pydantic" in sys.modules else "without pydantic")"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    return done.stdout.strip() or done.stderr


def test_reports_from_json_are_read_again_when_their_layout_changed(tmp_path: Path) -> None:
    proj = _project(tmp_path)
    layout, db, out = proj / "layouts" / "mine.toml", tmp_path / "h.db", tmp_path / "json"
    assert run_hyoka("extract", str(proj / "raw"), "-o", str(out)).returncode == 0
    assert run_hyoka("build", "--db", str(db), "--from-json", str(out)).returncode == 0
    assert "0 loaded, 1 unchanged" in run_hyoka("build", "--db", str(db), "--from-json", str(out)).stderr

    extract = ("extract", str(proj / "raw"), "-o", str(out))
    assert run_hyoka(*extract).stderr.startswith(f"{out}: 0 extracted, 1 already there, 0 failed")

    # an edit of the layout: the JSON there is stale, extract writes it again and says why
    layout.write_text(layout.read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8")
    done = run_hyoka(*extract)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[:2] == [
        f"{out}: 1 extracted, 0 already there, 0 failed",
        "  1 re-read: its layout changed (koganei-welfare)",
    ]
    assert run_hyoka(*extract).stderr.startswith(f"{out}: 0 extracted, 1 already there")
    done = run_hyoka("build", "--db", str(db), "--from-json", str(out))
    assert "1 loaded, 0 unchanged" in done.stderr and "1 re-read: their layout changed" in done.stderr
    assert _stored(db)[0][2] == hashlib.sha256(layout.read_bytes()).hexdigest()


def test_a_layout_is_found_next_to_raw_and_named_by_its_name(tmp_path: Path) -> None:
    """Run from the project's root (not the folder holding raw/): the layout is found; its
    `name` addresses it, its file name is an alias, and an unknown name lists names."""
    proj = _project(tmp_path, name="my-welfare", file="welfare-file.toml")
    pdf = proj / "raw" / SAMPLE_PDF.name
    for given in ("my-welfare", "welfare-file"):
        out = tmp_path / f"{given}.json"
        done = run_hyoka("extract", "--layout", given, str(pdf), "-o", str(out))
        assert done.returncode == 0, done.stderr
        assert '"name": "my-welfare"' in out.read_text(encoding="utf-8")
    done = run_hyoka("extract", "--layout", "nonesuch", str(pdf))
    assert done.stderr.splitlines() == [
        "Error: unknown layout 'nonesuch' (available: jimujigyo-sheet, kobe-jimujigyo, koganei-welfare, "
        "my-welfare, school-evaluation-sheet, yokohama-jigyo)"
    ]
    check = run_hyoka("layout", "check", "welfare-file", str(pdf))
    assert check.returncode == 0 and check.stdout.startswith("layout my-welfare on ")


def test_the_identity_file_is_found_next_to_raw_from_anywhere(tmp_path: Path) -> None:
    """raw/identity.toml of the PDFs' project is read, the command run from another folder
    (a broken one says so: it was read); given with --identity, that one is read instead."""
    proj = _project(tmp_path)
    (proj / "raw" / "identity.toml").write_text('[[same]]\ntitle = "x"\n', encoding="utf-8")
    broken = "Error: identity.toml: cannot read the identity overrides (no "
    for given in (proj / "raw", proj / "raw" / SAMPLE_PDF.name):
        done = run_hyoka("build", "--db", str(tmp_path / "h.db"), str(given))
        assert done.returncode == 1 and done.stderr.splitlines()[-1].startswith(broken), done.stderr
    json = tmp_path / "json"
    assert run_hyoka("extract", str(proj / "raw"), "-o", str(json)).returncode == 0
    (proj / "build").mkdir()
    shutil.move(json, proj / "build" / "json")  # proj/build/json: proj/raw/identity.toml applies
    done = run_hyoka("build", "--db", str(tmp_path / "h.db"), "--from-json", str(proj / "build" / "json"))
    assert done.returncode == 1 and done.stderr.splitlines()[-1].startswith(broken), done.stderr

    fine = tmp_path / "fine.toml"
    fine.write_text("# no overrides\n", encoding="utf-8")
    done = run_hyoka("build", "--db", str(tmp_path / "h.db"), "--identity", str(fine), str(proj / "raw"))
    assert done.returncode == 0, done.stderr


def test_pdfs_in_sub_folders_are_counted_or_read(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "kobe").mkdir(parents=True)
    (raw / "kobe" / "notes.pdf").write_text("not a pdf", encoding="utf-8")
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--db", str(db), str(raw))
    assert done.stderr.splitlines() == [
        f"Error: no PDF in {raw}/; 1 PDF in sub-folders ({raw}/kobe/): --recursive reads them"
    ]
    (raw / "top.pdf").write_text("not a pdf either", encoding="utf-8")
    done = run_hyoka("extract", str(raw), "-o", str(tmp_path / "json"))
    assert (
        done.stderr.splitlines()[-1]
        == f"  not read: 1 PDF in sub-folders ({raw}/kobe/): --recursive reads them"
    )
    done = run_hyoka("build", "--db", str(db), "--recursive", str(raw))
    assert "0 loaded, 0 unchanged, 0 removed, 2 failed" in done.stderr and "failed: notes.pdf:" in done.stderr
    assert "not read" not in done.stderr


def _grid(lines: list[str], cells: list[tuple[int, int, str]] = ()) -> SimpleNamespace:
    table = SimpleNamespace(cells=[SimpleNamespace(row=r, col=c, col_span=1, text=t) for r, c, t in cells])
    return SimpleNamespace(free_text=lines, tables=[table] if cells else [])


LABELLED = [(0, 0, "事業名"), (0, 1, "市税の徴収"), (1, 0, "担当課"), (1, 1, "税務課"), (2, 0, "目的"),
            (2, 1, "公平な課税"), (3, 0, "評価"), (3, 1, "○")]  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "cells", "signs"),
    [
        (["事務事業評価シート", "≪基本事項≫"], LABELLED, ["the title 「事務事業評価シート」", "a grid of label cells beside their values"]),
        (["令和７年度 事業評価書"], [], ["the title 「令和７年度 事業評価書」"]),
        (["点検結果"], [(0, 0, "評価"), (0, 1, "○"), (1, 1, "●")], ["○/● marks in 2 cells"]),
        # a sentence, a table of contents, a member's title, a list: nothing of an evaluation sheet
        (["る「健やか親子２１（第２次）」の中間評価報告書においても、性教育の重要性につい"], [], []),
        ([" 評価・検証の仕組み ・・・・・・・・・・・・ ３ "], [], []),
        (["上田 裕子（学校評価委員会委員長）"], [], []),
        (["緊急避妊に係る診療が可能な産婦人科医療機関等一覧"], LABELLED[:6], []),
        (["一覧"], [(0, 0, "対応"), (0, 1, "○"), (1, 1, "○")], []),
        # a column of ratings, letters of a layout's scale, under its headers
        (["実施状況"], [(0, 0, "項目"), (0, 1, "判定"), (1, 0, "広報"), (1, 1, "Ｂ"), (2, 0, "相談"), (2, 1, "A")],
         ["a ruled table with ratings A/B (headers: 項目 / 判定 / 広報 / 相談)"]),
        (["実施状況"], [(0, 0, "項目"), (0, 1, "判定"), (1, 0, "広報"), (1, 1, "S"), (2, 0, "相談"), (2, 1, "S")], []),
    ],
)  # fmt: skip
def test_what_looks_like_an_evaluation_sheet(lines: list[str], cells: list, signs: list[str]) -> None:
    assert evaluation_signs(_grid(lines, cells), {"A", "B", "C", "D"}) == signs
