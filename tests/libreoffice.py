"""LibreOffice at the tests' edge: printing documents to PDF with soffice, and the table
cell markup a Calc workbook and a Writer document share.

Shared by render_calc.py (Calc workbooks) and render_writer.py (Writer documents)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def print_documents(texts: dict[str, str], suffix: str, outdir: Path) -> dict[str, Path]:
    """Each flat ODF text (``.fods`` or ``.fodt``) as ``<name>.pdf`` in ``outdir``, printed by
    one soffice start with a profile of its own (a shared one locks up when two run at once).
    No soffice is a failure, never a skip: `make test` installs it (scripts/system-deps.sh),
    so CI always has it."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: bash scripts/system-deps.sh")
    documents = [outdir / f"{name}{suffix}" for name in texts]
    for path, text in zip(documents, texts.values(), strict=True):
        path.write_text(text, encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="hyoka-lo-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf"]
        subprocess.run(
            [*cmd, "--outdir", str(outdir), *map(str, documents)],
            check=True,
            capture_output=True,
            timeout=600,
            env={**os.environ, "HOME": profile},
        )
    pdfs = {name: outdir / f"{name}.pdf" for name in texts}
    if missing := [p.name for p in pdfs.values() if not p.exists()]:
        raise RuntimeError(f"soffice wrote no {', '.join(missing)}")
    return pdfs


COVERED = "<table:covered-table-cell/>"  # a slot a merged cell covers


def table_cell(style: str, down: int, across: int, content: str, typed: bool = True) -> str:
    """A table cell of a flat ODS or ODT, merged over ``down`` rows and ``across`` columns."""
    span = ""
    if down > 1 or across > 1:
        span = f' table:number-rows-spanned="{down}" table:number-columns-spanned="{across}"'
    kind = ' office:value-type="string"' if typed else ""
    return f'<table:table-cell table:style-name="{style}"{span}{kind}>{content}</table:table-cell>'
