"""Scans made at test time from text PDFs, as a scanner makes them: each page rasterised in gray
(``pdftoppm -gray``), turned by a small angle (the skew of a sheet fed askew), speckled with
noise, saved as JPEG and put back into an image-only PDF (img2pdf, lossless around the JPEG).

Never committed: the PDFs of ../shared are read, the scans written to a temporary folder.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import img2pdf
import numpy as np
from PIL import Image


def scan_pdf(
    source: Path,
    out: Path,
    dpi: int = 200,
    angle: float = 1.0,
    noise: float = 8.0,
    quality: int = 75,
    pages: tuple[int, int] | None = None,
    seed: int = 27,
) -> Path:
    """``out``: an image-only PDF of ``source`` (pages ``first``–``last``, 1-based, or all), each
    page a gray JPEG at ``dpi`` turned ``angle`` degrees counter-clockwise with Gaussian noise of
    ``noise`` gray levels; page size as the original's."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["pdftoppm", "-gray", "-r", str(dpi)]
        if pages:
            cmd += ["-f", str(pages[0]), "-l", str(pages[1])]
        subprocess.run([*cmd, str(source), f"{tmp}/p"], check=True)
        jpegs = []
        for pgm in sorted(Path(tmp).glob("p-*.pgm")):
            page = Image.open(pgm)
            turned = page.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
            pixels = np.asarray(turned, dtype=np.float32)
            pixels = pixels + rng.normal(0.0, noise, pixels.shape)
            noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
            buf = io.BytesIO()
            noisy.save(buf, format="JPEG", quality=quality, dpi=(dpi, dpi))
            jpegs.append(buf.getvalue())
    out.write_bytes(img2pdf.convert(jpegs))
    return out
