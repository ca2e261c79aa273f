"""Read a PDF into plain page data: glyphs and ruling edges. The only module that opens PDFs.

Each page is parsed once and released before the next, so memory does not grow with the
number of pages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdftypes import resolve1
from pdfplumber.utils.exceptions import PdfminerException

from extract.errors import PdfUnreadable
from extract.manifest import sha256_of
from extract.settings import ExtractSettings
from schemas.grid import Char

# pdfminer logs every recoverable oddity of a damaged file; the pipeline reports them itself.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_CID = re.compile(r"\(cid:\d+\)")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uf900-\ufaff\u2e80-\u2fdf]")


@dataclass
class RawPage:
    """One page as glyphs and edges (pdfplumber edge dicts), top-left origin, in points."""

    page_no: int
    width: float
    height: float
    chars: list[Char]
    edges: list[dict[str, Any]]
    too_many_objects: bool = False


@dataclass
class PdfSource:
    """An opened PDF: its identity and a way to walk its pages once."""

    path: Path
    sha256: str
    pages: int
    settings: ExtractSettings

    def iter_pages(self) -> Iterator[RawPage]:
        with _open(self.path) as pdf:
            for page in pdf.pages:
                try:
                    raw = _read_page(page, self.settings)
                except Exception as exc:  # a damaged content stream
                    raise PdfUnreadable(
                        self.path, f"damaged PDF: page {page.page_number} cannot be read ({_why(exc)})"
                    ) from exc
                page.close()
                yield raw


def read_pdf(path: Path, settings: ExtractSettings | None = None) -> PdfSource:
    """Check that ``path`` is a PDF hyoka can read, and describe it; pages come later."""
    settings = settings or ExtractSettings()
    if not path.is_file():
        raise PdfUnreadable(path, "no such file")
    size = path.stat().st_size
    if size == 0:
        raise PdfUnreadable(path, "empty file (0 bytes)")
    if size > settings.max_file_bytes:
        raise PdfUnreadable(path, f"file too large ({size} bytes, limit {settings.max_file_bytes})")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise PdfUnreadable(path, "not a PDF file (no %PDF- header)")
    with _open(path) as pdf:
        try:
            pages = len(pdf.pages)
        except Exception as exc:  # pdfminer raises many kinds on a damaged page tree
            raise PdfUnreadable(path, f"damaged PDF: cannot read its pages ({_why(exc)})") from exc
    if pages == 0:
        raise PdfUnreadable(path, "the PDF has no pages")
    if pages > settings.max_pages:
        raise PdfUnreadable(path, f"too many pages ({pages}, limit {settings.max_pages})")
    return PdfSource(path=path, sha256=sha256_of(path), pages=pages, settings=settings)


def text_layer_problem(chars: list[Char]) -> str | None:
    """Why a page's text layer cannot be trusted, or None when it reads as Japanese."""
    text = "".join(c.text for c in chars)
    if not text.strip():
        return "no text layer (scanned or outlined text; OCR would be needed)"
    cids = len(_CID.findall(text))
    if cids and cids * 8 >= len(text) * 0.2:
        return "text layer unreadable: glyphs without Unicode mapping ((cid:N) codes)"
    if text.count("\ufffd") > max(2, len(text) // 20):
        return "text layer unreadable: replacement characters (U+FFFD)"
    if not _JAPANESE.search(text):
        return "no Japanese text on the page"
    return None


def _open(path: Path) -> Any:
    try:
        return pdfplumber.open(path)
    except PdfminerException as exc:
        inner = exc.args[0] if exc.args else exc
        if isinstance(inner, PDFPasswordIncorrect):
            raise PdfUnreadable(path, "encrypted PDF: a password is required") from exc
        raise PdfUnreadable(path, f"damaged PDF ({_why(inner)})") from exc
    except Exception as exc:
        raise PdfUnreadable(path, f"damaged PDF ({_why(exc)})") from exc


def _why(exc: BaseException) -> str:
    raw = str(exc).strip()
    text = "".join(ch if ch.isprintable() else "?" for ch in raw.splitlines()[0]) if raw else ""
    name = type(exc).__name__
    return f"{name}: {text[:100]}" if text else name


def _content_bytes(page: Any) -> int:
    """Decoded size of the page's content streams: known before any layout work is done."""
    return sum(len(resolve1(stream).get_data()) for stream in page.page_obj.contents)


def _read_page(page: Any, settings: ExtractSettings) -> RawPage:
    if _content_bytes(page) > settings.max_content_bytes_per_page:
        return RawPage(page.page_number, float(page.width), float(page.height), [], [], True)
    objects = page.objects
    count = sum(len(v) for v in objects.values())
    if count > settings.max_objects_per_page:
        return RawPage(page.page_number, float(page.width), float(page.height), [], [], True)
    chars = [
        Char(
            text=c["text"],
            x0=float(c["x0"]),
            top=float(c["top"]),
            x1=float(c["x1"]),
            bottom=float(c["bottom"]),
            size=float(c.get("size", 0.0)),
        )
        for c in objects.get("char", [])
    ]
    edges = [
        e
        for e in page.edges
        if e.get("orientation") in ("h", "v")  # curves also yield diagonal edges: not rules
        and (e["width"] if e["orientation"] == "h" else e["height"]) >= settings.min_edge_length
    ]
    return RawPage(page.page_number, float(page.width), float(page.height), chars, edges)
