"""LibreOffice at the tests' edge: printing documents to PDF with soffice.

Shared by render_calc.py (Calc workbooks) and render_writer.py (Writer documents)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def print_to_pdf(*documents: Path, outdir: Path) -> None:
    """Print flat ODF documents to PDF in one soffice start, with a profile of its own (a
    shared one locks up when two run at once). No soffice is a failure, never a skip: `make
    test` installs it (scripts/system-deps.sh), so CI always has it."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: bash scripts/system-deps.sh")
    with tempfile.TemporaryDirectory(prefix="hyoka-lo-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf"]
        subprocess.run(
            [*cmd, "--outdir", str(outdir), *map(str, documents)],
            check=True,
            capture_output=True,
            timeout=600,
            env={**os.environ, "HOME": profile},
        )
