"""Careless folders and hostile names (issue 22): symbolic links that loop or point out of the
folder, two PDFs of one name, two builds at once, files and folders that cannot be read or
written, control characters in names, and a layout file that does not load."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, SAMPLE_PDF, run_hyoka


def _reports(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as c:
        return c.execute("select file, sha256, folder from reports order by file").fetchall()


def _no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr, done.stderr


def _other_pdf(path: Path, tag: bytes = b"") -> Path:
    """The sample with a comment after its end: other bytes (another SHA-256), the same report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(SAMPLE_PDF.read_bytes() + b"\n%" + tag + b"\n")
    return path


# 4. symbolic link loops


def test_a_symlink_loop_is_one_failed_file_and_the_rest_loads(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE_PDF, raw / "good.pdf")
    (raw / "loop.pdf").symlink_to("loop.pdf")
    (raw / "a.pdf").symlink_to("b.pdf")
    (raw / "b.pdf").symlink_to("a.pdf")
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--db", str(db), str(raw))
    _no_traceback(done)
    assert done.returncode == 1
    loop = "cannot read the file (Too many levels of symbolic links)"
    assert done.stderr.splitlines() == [
        f"{db}: 1 loaded, 0 unchanged, 0 removed, 3 failed",
        f"  failed: a.pdf: {loop}",
        f"  failed: b.pdf: {loop}",
        f"  failed: loop.pdf: {loop}",
    ]
    assert [r[0] for r in _reports(db)] == ["good.pdf"]
    out = run_hyoka("extract", str(raw), "-o", str(tmp_path / "json"))
    _no_traceback(out)
    assert out.returncode == 1 and f"  failed: loop.pdf: {loop}" in out.stderr.splitlines()
    assert sorted(p.name for p in (tmp_path / "json").iterdir()) == ["good.json"]


# 12. a symbolic link to a PDF outside the folder


def test_a_symlinked_report_is_linked_by_the_folder_of_its_link(tmp_path: Path) -> None:
    """The site finds a PDF by the name the user gave it: the link's folder, not its target's."""
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    raw.mkdir()
    outside.mkdir()
    shutil.copy(SAMPLE_PDF, outside / "report.pdf")
    (raw / "linked.pdf").symlink_to(Path("..") / "outside" / "report.pdf")
    for given in (raw, raw / "linked.pdf"):
        db = tmp_path / f"{given.name}.db"
        done = run_hyoka("build", "--db", str(db), str(given))
        assert done.returncode == 0, done.stderr
        assert [(f, folder) for f, _, folder in _reports(db)] == [("linked.pdf", str(raw))]
        with sqlite3.connect(db) as c:
            recorded = c.execute("select value from build_info where name = 'pdf_folder'").fetchone()
        assert recorded == (str(raw),)
        assert (Path(recorded[0]) / "linked.pdf").is_file()


# 5. two PDFs of one name in two folders


def test_two_pdfs_of_one_name_keep_the_loaded_one_and_refuse_the_other(tmp_path: Path) -> None:
    """A report, its /pdfs/ link, --prune and a changed PDF are known by the file name: a second,
    different PDF of that name is refused in one line (rename it), whatever the order given."""
    a, b = _other_pdf(tmp_path / "a" / "r.pdf", b"a"), _other_pdf(tmp_path / "b" / "r.pdf", b"b")
    db = tmp_path / "h.db"
    first = run_hyoka("build", "--db", str(db), str(b), str(a))
    assert first.returncode == 1
    clash = "same file name as {}, another PDF: rename one (a report is known by its file name)"
    assert first.stderr.splitlines() == [
        f"{db}: 1 loaded, 0 unchanged, 0 removed, 1 failed",
        f"  failed: {a}: {clash.format(b)}",
    ]
    kept = _reports(db)
    assert [(f, folder) for f, _, folder in kept] == [("r.pdf", str(b.parent))]
    for order in ((b, a), (a, b)):  # a rerun changes nothing, in either order
        again = run_hyoka("build", "--db", str(db), *map(str, order))
        assert again.stderr.splitlines() == [
            f"{db}: 0 loaded, 1 unchanged, 0 removed, 1 failed",
            f"  failed: {a}: {clash.format(b)}",
        ]
        assert _reports(db) == kept


def test_the_same_pdf_given_twice_is_read_once(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE_PDF, raw / "r.pdf")
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--db", str(db), str(raw), str(raw / "r.pdf"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"{db}: 1 loaded, 0 unchanged, 0 removed, 0 failed"]


def test_extract_writes_one_json_per_name_and_refuses_a_second_pdf_of_it(tmp_path: Path) -> None:
    """The JSON is named after the PDF (and says which PDF it holds): a second PDF of that name
    is refused, and a rerun in any order skips the one whose JSON is there."""
    a, b = _other_pdf(tmp_path / "a" / "r.pdf", b"a"), _other_pdf(tmp_path / "b" / "r.pdf", b"b")
    out = tmp_path / "json"
    clash = "same file name as {}, another PDF: rename one (a report is known by its file name)"
    first = run_hyoka("extract", str(a), str(b), "-o", str(out))
    assert first.stderr.splitlines() == [
        f"{out}: 1 extracted, 0 already there, 1 failed",
        f"  failed: {b}: {clash.format(a)}",
    ]
    written = (out / "r.json").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["r.json"]
    again = run_hyoka("extract", str(b), str(a), "-o", str(out))
    assert again.stderr.splitlines() == [
        f"{out}: 0 extracted, 1 already there, 1 failed",
        f"  failed: {b}: {clash.format(a)}",
    ]
    assert (out / "r.json").read_bytes() == written


# 6. two builds at once


def test_a_second_build_of_one_database_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    """The second build says so in one line and leaves the first's work alone (before: it deleted
    the first's working copy, and the first died after all its work)."""
    db = tmp_path / "h.db"
    # six PDFs to read (the first loads, the others fail as the same report): time to overlap
    pdfs = [str(_other_pdf(tmp_path / "raw" / f"r{i}.pdf", b"%d" % i)) for i in range(6)]
    first = subprocess.Popen(
        [sys.executable, "-m", "extract", "build", "--db", str(db), *pdfs],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lock = tmp_path / "h.db.lock"
    deadline = time.monotonic() + 60
    while first.poll() is None and time.monotonic() < deadline:
        held = lock.exists() and lock.read_text().strip() == str(first.pid)
        if held or list(tmp_path.glob("h.db.tmp-*")):
            break
        time.sleep(0.02)
    second = run_hyoka("build", "--db", str(db), *pdfs)
    assert first.poll() is None, "the first build ended before the second started: give it more to do"
    _, err = first.communicate(timeout=120)
    assert err.splitlines()[0] == f"{db}: 1 loaded, 0 unchanged, 0 removed, 5 failed", err
    assert second.returncode == 1
    assert second.stderr.splitlines() == [
        f"Error: a build of {db} is running (pid {first.pid}); nothing was changed"
    ]
    assert len(_reports(db)) == 1 and not list(tmp_path.glob("h.db.tmp-*"))
    after = run_hyoka("build", "--db", str(db), *pdfs)  # the lock went with its build
    assert after.stderr.splitlines()[0] == f"{db}: 0 loaded, 1 unchanged, 0 removed, 5 failed"


def test_a_database_given_through_a_symlink_has_the_same_lock(tmp_path: Path) -> None:
    """`--db link.db -> real.db` is real.db: a build of it waits its turn (before: both ran, and
    the link's build replaced the link by a database of its own)."""
    import fcntl

    real, link = tmp_path / "real.db", tmp_path / "link.db"
    assert run_hyoka("build", "--db", str(real), str(SAMPLE_PDF)).returncode == 0
    link.symlink_to(real.name)
    with (tmp_path / "real.db.lock").open("r+") as held:
        fcntl.lockf(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a build of real.db, running
        done = run_hyoka("build", "--db", str(link), str(_other_pdf(tmp_path / "raw" / "r.pdf")))
    assert done.returncode == 1 and "is running" in done.stderr, done.stderr
    done = run_hyoka("build", "--db", str(link), "--replace", str(tmp_path / "raw" / "r.pdf"))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and [f for f, _, _ in _reports(real)] == ["r.pdf"]


def test_a_lock_file_that_is_a_symlink_is_not_followed(tmp_path: Path) -> None:
    """A link planted at <db>.lock would have had its target truncated."""
    victim = tmp_path / "victim.txt"
    victim.write_text("important\n")
    (tmp_path / "h.db.lock").symlink_to(victim.name)
    done = run_hyoka("build", "--db", str(tmp_path / "h.db"), str(SAMPLE_PDF))
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert "cannot write the database there" in done.stderr
    assert victim.read_text() == "important\n" and not (tmp_path / "h.db").exists()


def test_a_file_that_is_not_a_database_is_refused_as_the_database(tmp_path: Path) -> None:
    typo = tmp_path / "notes.db"
    typo.write_text("garbage\n")
    done = run_hyoka("build", "--db", str(typo), str(SAMPLE_PDF))
    assert done.stderr.splitlines() == [
        "Error: notes.db: not an SQLite database: give another --db (nothing was changed)"
    ]
    assert typo.read_text() == "garbage\n" and not list(tmp_path.glob("notes.db.tmp-*"))


def test_a_dead_builds_working_copy_is_cleaned(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    (tmp_path / "h.db.tmp-999999999").write_bytes(b"left by a killed build")
    done = run_hyoka("build", "--db", str(db), str(SAMPLE_PDF))
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob("h.db.tmp-*"))


# 11. what cannot be read or written


def _unprivileged() -> list[str]:
    """The prefix that runs a command without the power to ignore permission bits. Root (as in
    CI) keeps its uid (so it reads the clone and its own test files as their owner) but loses
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so mode 000 stops it as it stops a user."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root, these tests need setpriv (util-linux) to drop privileges"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def _run_unprivileged(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_unprivileged(), sys.executable, "-m", "extract", *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


def _assert_denied(path: Path, *, write: bool = False) -> None:
    """The test is real only if the command really cannot read (or write) ``path``."""
    probe = f"open({str(path / 'probe')!r}, 'w')" if write else f"import os; os.listdir({str(path)!r})"
    if path.is_file():
        probe = f"open({str(path)!r}, 'rb')"
    done = subprocess.run([*_unprivileged(), sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode != 0 and "PermissionError" in done.stderr, done.stderr


def test_unreadable_files_and_folders_are_one_line_each_and_the_rest_loads(tmp_path: Path) -> None:
    raw, shut = tmp_path / "raw", tmp_path / "shut"
    raw.mkdir()
    shut.mkdir()
    shutil.copy(SAMPLE_PDF, raw / "good.pdf")
    _other_pdf(shut / "hidden.pdf")
    secret = _other_pdf(tmp_path / "noperm" / "x.pdf", b"x")
    try:
        secret.chmod(0)
        shut.chmod(0)
        _assert_denied(secret)
        _assert_denied(shut)
        db = tmp_path / "h.db"
        done = _run_unprivileged("build", "--db", str(db), str(raw), str(secret), str(shut))
        _no_traceback(done)
        assert done.returncode == 1
        assert done.stderr.splitlines() == [
            f"{db}: 1 loaded, 0 unchanged, 0 removed, 2 failed",
            "  failed: x.pdf: cannot read the file (Permission denied)",
            "  failed: shut: cannot read the folder (Permission denied)",
        ]
        assert [r[0] for r in _reports(db)] == ["good.pdf"]
        # --prune cannot know what the unreadable folder holds: it removes nothing
        pruned = _run_unprivileged("build", "--prune", "--db", str(db), str(shut))
        _no_traceback(pruned)
        assert "  failed: shut: cannot read the folder (Permission denied)" in pruned.stderr.splitlines()
        assert [r[0] for r in _reports(db)] == ["good.pdf"]
        one = _run_unprivileged("extract", str(secret))
        assert one.stderr.splitlines() == ["Error: x.pdf: cannot read the file (Permission denied)"]
        out = _run_unprivileged("extract", str(raw), str(secret), str(shut), "-o", str(tmp_path / "json"))
        _no_traceback(out)
        assert out.stderr.splitlines() == [
            f"{tmp_path / 'json'}: 1 extracted, 0 already there, 2 failed",
            "  failed: x.pdf: cannot read the file (Permission denied)",
            "  failed: shut: cannot read the folder (Permission denied)",
        ]
    finally:
        secret.chmod(0o644)
        shut.chmod(0o755)


def test_a_database_in_an_unwritable_folder_is_one_line_before_any_pdf_is_read(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    try:
        locked.chmod(0o555)
        _assert_denied(locked, write=True)
        for db in (locked / "h.db", locked / "sub" / "h.db"):
            done = _run_unprivileged("build", "--db", str(db), str(SAMPLE_PDF))
            assert done.returncode == 1
            assert done.stderr.splitlines() == [
                f"Error: {db}: cannot write the database there (Permission denied)"
            ]
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


# 13. control characters in names


def test_a_newline_in_a_file_name_stays_on_its_line(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE_PDF, raw / "good.pdf")
    (raw / "x.pdf\n  failed: good.pdf: forged\x1b[2K.pdf").write_text("not a pdf", encoding="utf-8")
    shown = "x.pdf\\n  failed: good.pdf: forged\\x1b[2K.pdf"
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--db", str(db), str(raw))
    assert done.stderr.splitlines() == [
        f"{db}: 1 loaded, 0 unchanged, 0 removed, 1 failed",
        f"  failed: {shown}: not a PDF file (no %PDF- header)",
    ]
    out = run_hyoka("extract", str(raw), "-o", str(tmp_path / "json"))
    assert out.stderr.splitlines() == [
        f"{tmp_path / 'json'}: 1 extracted, 0 already there, 1 failed",
        f"  failed: {shown}: not a PDF file (no %PDF- header)",
    ]
    one = run_hyoka("extract", *[str(p) for p in raw.iterdir() if p.name != "good.pdf"])
    assert one.stderr.splitlines() == [f"Error: {shown}: not a PDF file (no %PDF- header)"]
    strict = run_hyoka("build", "--strict", "--db", str(db), str(raw))
    assert strict.stderr.splitlines() == [
        f"Error: {shown}: not a PDF file (no %PDF- header) (--strict: nothing was changed)"
    ]


# 14. a layout file that does not load


def test_build_refuses_a_bad_layout_before_reading_and_leaves_the_database(tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    bad = layouts / "bad.toml"
    bad.write_text('name = "unclosed\n', encoding="utf-8")
    db = tmp_path / "h.db"
    why = f"{bad}: cannot read the layout (Illegal character '\\n' (at line 1, column 17))"
    done = run_hyoka("build", "--db", str(db), "--layouts", str(layouts), str(SAMPLE_PDF))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"Error: {why} (nothing was read)"]
    assert not db.exists()
    assert run_hyoka("build", "--db", str(db), str(SAMPLE_PDF)).returncode == 0
    before = db.read_bytes()
    new = _other_pdf(tmp_path / "new.pdf")
    again = run_hyoka("build", "--db", str(db), "--layouts", str(layouts), str(SAMPLE_PDF), str(new))
    assert again.stderr.splitlines() == [f"Error: {why} (nothing was read)"]
    assert db.read_bytes() == before
    out = run_hyoka(
        "extract", str(SAMPLE_PDF), str(new), "--layouts", str(layouts), "-o", str(tmp_path / "j")
    )
    assert out.returncode == 1 and out.stderr.splitlines() == [f"Error: {why}"]
