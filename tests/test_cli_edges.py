"""The edges of the command line: each mistake is one line naming what is wrong, exit 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE_PDF, run_hyoka


def _one_line(done, text: str) -> None:
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"Error: {text}"]


def test_extract_a_folder(tmp_path: Path) -> None:
    """A folder holds many PDFs: they need a folder for their JSON; an empty one is named."""
    _one_line(run_hyoka("extract", str(tmp_path)), f"no PDF in {tmp_path}")
    (tmp_path / "a.pdf").write_bytes(SAMPLE_PDF.read_bytes())
    _one_line(run_hyoka("extract", str(tmp_path)), "a folder: give the folder for their JSON with -o DIR")


def test_extract_to_a_full_disk_is_one_line_not_half_a_json() -> None:
    """`hyoka extract` ends its process at once after writing (cli.main): a write that fails
    is still one line and exit 1, not a JSON cut short with exit 0."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "extract", "extract", str(SAMPLE_PDF)],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
    _one_line(done, "cannot write the JSON: [Errno 28] No space left on device")


def test_a_layouts_folder_that_is_not_there_is_named(tmp_path: Path) -> None:
    """A mistyped --layouts would add no layout and say nothing: it is one line instead."""
    nowhere = tmp_path / "nosuchdir"
    for command in (["extract", str(SAMPLE_PDF)], ["layout", "check", "koganei-welfare", str(SAMPLE_PDF)]):
        _one_line(run_hyoka(*command, "--layouts", str(nowhere)), f"--layouts {nowhere}: no such folder")


def test_a_missing_file_reads_the_same_in_extract_and_build(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pdf"
    _one_line(run_hyoka("extract", str(missing)), "nowhere.pdf: no such file")
    built = run_hyoka("build", "--db", str(tmp_path / "h.db"), str(missing))
    assert built.returncode == 1 and "  failed: nowhere.pdf: no such file" in built.stderr.splitlines()


def test_build_on_an_empty_folder_names_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line(run_hyoka("build", "--db", str(tmp_path / "h.db"), str(empty)), f"no PDF in {empty}/")
    assert not (tmp_path / "h.db").exists()


def test_changes_between_one_year_and_itself_is_refused(built_db: Path) -> None:
    _one_line(
        run_hyoka("changes", "--db", str(built_db), "--from", "2020", "--to", "2020"),
        "--from 2020 must be an earlier year than --to 2020",
    )


def test_audit_on_one_year_says_why_it_is_empty(built_db: Path) -> None:
    done = run_hyoka("audit", "--db", str(built_db), "--format", "json")
    assert done.returncode == 0 and done.stdout.strip() == "[]"
    assert done.stderr.strip() == (
        "no audit rows: every series of reports in the database has one fiscal year only: nothing to compare"
    )


def test_an_unknown_layout_and_a_bad_layout_file(tmp_path: Path) -> None:
    done = run_hyoka("extract", "--layout", "nonesuch", str(SAMPLE_PDF))
    assert done.returncode == 1 and done.stderr.startswith("Error: unknown layout 'nonesuch' (available: ")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nkind = "rows"\nlabel = "x"\ndescription = "x"\n[detect]\nall = ["x"]\n'
                   '[[columns]]\nname = "a"\nlabel = "a"\ndescription = "a"\nheader = ["a"]\nrole = "score"\n',
                   encoding="utf-8")  # fmt: skip
    done = run_hyoka("extract", "--layout", str(bad), str(SAMPLE_PDF))
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("Error: bad.toml: invalid layout at columns.0.role")


def test_a_user_layout_folder(tmp_path: Path) -> None:
    """A layout of one's own, in a folder besides the built-in ones, forced by name."""
    folder = tmp_path / "layouts"
    folder.mkdir()
    builtin = Path(__file__).resolve().parent.parent / "extract" / "layouts" / "koganei-welfare.toml"
    mine = builtin.read_text(encoding="utf-8").replace('name = "koganei-welfare"', 'name = "my-welfare"')
    (folder / "my-welfare.toml").write_text(mine, encoding="utf-8")
    out = tmp_path / "r.json"
    done = run_hyoka(
        "extract", "--layouts", str(folder), "--layout", "my-welfare", str(SAMPLE_PDF), "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert '"name": "my-welfare"' in out.read_text(encoding="utf-8")


def test_layout_check_shows_columns_rows_and_problems() -> None:
    done = run_hyoka("layout", "check", "koganei-welfare", str(SAMPLE_PDF))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "layout koganei-welfare on koganei-fy2020.pdf"
    assert lines.count("  row:") == 58  # each row, its fields whole below it
    assert "page 6: sheet" in lines and "page 3: remarks" in lines
    assert any(
        "found: measure, initiative_title, department, results, prev_rating, rating, outlook" in x
        for x in lines
    )
    assert not any("problem" in x for x in lines)


def test_a_broken_identity_file_is_one_line_and_changes_nothing(tmp_path: Path, built_db: Path) -> None:
    identity = tmp_path / "identity.toml"
    identity.write_text('[[same]]\ntitle = "x"\n', encoding="utf-8")  # no fiscal_year, no previous_title
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--db", str(db), "--identity", str(identity), str(SAMPLE_PDF))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith(
        "Error: identity.toml: cannot read the identity overrides (no "
    )
    assert "Traceback" not in done.stderr and not db.exists()
