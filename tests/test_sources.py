"""The publisher's own address of each PDF (issue 25, citable sources): sources.csv or
sources.toml beside the PDFs, kept by the build, shown and downloaded beside the local link."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import SAMPLE_PDF, run_hyoka

from extract.site.serve import make_datasette

URL = "https://www.city.koganei.lg.jp/shisei/fukushi/keikaku.files/r2hyoka.pdf"


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SAMPLE_PDF, folder / SAMPLE_PDF.name)
    return folder


def _build(raw: Path) -> tuple[int, str]:
    done = run_hyoka("build", "--db", str(raw.parent / "h.db"), str(raw / SAMPLE_PDF.name))
    return done.returncode, done.stderr


def _urls(raw: Path) -> set[str | None]:
    with sqlite3.connect(raw.parent / "h.db") as conn:
        rows = conn.execute("select source_url, page from evaluation_rows").fetchall()
    return {url.rsplit("#page=", 1)[0] if url else None for url, _ in rows}


def test_the_publishers_address_is_kept_shown_and_downloaded(raw: Path) -> None:
    (raw / "sources.csv").write_text(f"file,url\n{SAMPLE_PDF.name},{URL}\n", encoding="utf-8")
    code, err = _build(raw)
    assert code == 0, err
    with sqlite3.connect(raw.parent / "h.db") as conn:
        url, page = conn.execute("select source_url, page from evaluation_rows where id = 1").fetchone()
    assert url == f"{URL}#page={page}"
    ds = make_datasette(raw.parent / "h.db", raw)
    html = asyncio.run(ds.client.get("/h/evaluation_rows")).text
    assert (
        f'<a class="hyoka-source" href="{URL}#page={page}" target="_blank" rel="noopener">公開元</a>' in html
    )
    excel = asyncio.run(ds.client.get("/-/excel/h/evaluation_rows.csv")).content.decode("utf-8-sig")
    assert "公開元のページ" in excel.splitlines()[0] and f"{URL}#page={page}" in excel


def test_a_changed_sources_file_takes_effect_on_rebuild(raw: Path) -> None:
    assert _build(raw)[0] == 0 and _urls(raw) == {None}
    code, err = _build(raw)
    assert code == 0 and "0 loaded, 1 unchanged" in err
    (raw / "sources.toml").write_text(f'[sources]\n"{SAMPLE_PDF.name}" = "{URL}"\n', encoding="utf-8")
    code, err = _build(raw)
    assert code == 0, err
    assert _urls(raw) == {URL}
    assert "0 loaded, 1 unchanged" in _build(raw)[1]


@pytest.mark.parametrize(
    "line, why",
    [
        (f"{SAMPLE_PDF.name},javascript:alert(1)", "not an http(s) address"),
        (f"{SAMPLE_PDF.name},https://a.example/x y.pdf", "not an http(s) address"),
        (f"../{SAMPLE_PDF.name},{URL}", "a PDF's file name, without a folder"),
        (f"{SAMPLE_PDF.name},{URL},extra", "each line is file,url"),
    ],
)
def test_a_bad_sources_file_stops_the_build_in_one_line(raw: Path, line: str, why: str) -> None:
    assert _build(raw)[0] == 0
    before = (raw.parent / "h.db").read_bytes()
    (raw / "sources.csv").write_text(f"file,url\n{line}\n", encoding="utf-8")
    code, err = _build(raw)
    assert code != 0 and why in err and len(err.strip().splitlines()) == 1, err
    assert (raw.parent / "h.db").read_bytes() == before
