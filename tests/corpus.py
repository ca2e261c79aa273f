"""A corpus grown from the sample: its extracted report under other municipality names and years.

Extraction is a pure function of one PDF, so a copy needs no PDF: the report is rewritten
(municipality, year, file name and SHA-256) and loaded with `hyoka build --from-json`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import nextyear as ny


def municipality(i: int) -> str:
    return f"試験{i:05d}市"


def variant(report: dict, i: int, year: int = 2020, edition: str = "") -> dict:
    """The sample as municipality ``i`` printed it for ``year`` (2021 and later: nextyear's changes)."""
    out = ny.next_year(report) if year > 2020 else copy.deepcopy(report)
    out["report"].update(
        municipality=municipality(i), fiscal_year=year, fiscal_year_label=f"令和{year - 2018}年度"
    )
    name = f"corpus-{i:05d}-fy{year}.pdf"
    sha = hashlib.sha256(f"{name}|{edition}".encode()).hexdigest()
    out["report"]["source"].update(file=name, sha256=sha)
    return out


def write(report: dict, folder: Path) -> Path:
    """One extracted report as `hyoka extract -o DIR` writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(report["report"]["source"]["file"]).stem + ".json")
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return path


def write_corpus(report: dict, folder: Path, n: int, start: int = 0) -> list[Path]:
    """Reports of municipalities start .. start+n-1, FY2020."""
    return [write(variant(report, i), folder) for i in range(start, start + n)]
