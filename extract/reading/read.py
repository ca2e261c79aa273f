"""Read a PDF into plain page data: glyphs and ruling edges. The only module that opens PDFs.

Each page is parsed once and released before the next, so memory does not grow with the
number of pages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.layout import LTChar
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.utils import apply_matrix_pt
from pdfplumber.page import PDFPageAggregatorWithMarkedContent
from pdfplumber.utils.exceptions import PdfminerException

from extract.errors import PdfUnreadable
from extract.manifest import sha256_of
from extract.reading import read_ocr, read_pdfium
from extract.reading.read_content import (
    ContentTooLarge,
    PageFonts,
    Scan,
    Shown,
    estimate_objects,
    page_content,
    scan,
    shows_annotations,
)
from extract.reading.read_geometry import Clip
from extract.settings import ExtractSettings
from schemas.grid import Char, OcrRead

# pdfminer logs every recoverable oddity of a damaged file; the pipeline reports them itself.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_CID = re.compile(r"\(cid:\d+\)")
_JUNK_GLYPHS = 20  # a text layer of fewer glyphs, none Japanese, on a scan is a scanner's junk
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uf900-\ufaff\u2e80-\u2fdf]")


@dataclass
class RawPage:
    """One page as glyphs and edges (pdfplumber edge dicts), top-left origin, in points."""

    page_no: int
    width: float
    height: float
    chars: list[Char]
    edges: list[dict[str, Any]]
    refused: str | None = None  # why the page was not parsed (a limit), None when it was
    blank: bool = False  # its content draws nothing at all: no text layer is missing
    # what reading it cost, for the file's budget: glyphs and edges, or the content's estimated
    # objects where higher (tiny paths that make no edge still take time to walk)
    objects: int = 0
    ocr: OcrRead | None = None  # read by OCR (an image-only page): how sure it was


@dataclass
class PdfSource:
    """An opened PDF: its identity and a way to walk its pages once."""

    path: Path
    sha256: str
    pages: int
    settings: ExtractSettings
    # the document read_pdf parsed to count the pages, handed to the first walk: parsing a
    # PDF's objects and page tree twice cost as much as reading two of its pages
    opened: Any = field(default=None, repr=False, compare=False)

    def iter_pages(self, part: int = 0, parts: int = 1) -> Iterator[RawPage]:
        """The pages in order; of every ``parts`` pages only the ``part``-th (from 0), for one
        of several processes reading the document together (read_apart.py)."""
        pdf, self.opened = self.opened or _open(self.path), None
        with pdf:
            if self.settings.reader == "pdfium":
                yield from _pdfium_pages(self.path, pdf, self.settings, part, parts)
                return
            scans = _Scans(self.path)  # pdfium draws a page OCR must read
            try:
                for page in pdf.pages[part::parts]:
                    try:
                        raw = _limited(page, self.settings)
                        if isinstance(raw, Scan):
                            scanned, raw = raw, _read_page(page, raw, self.settings)
                            raw = _ocr_if_needed(raw, page, scanned, self.settings, scans)
                    except Exception as exc:  # a damaged content stream
                        raise _damaged(self.path, page.page_number, exc) from exc
                    page.close()
                    yield raw
            finally:
                scans.close()

    def __del__(self) -> None:
        if getattr(self, "opened", None) is not None:  # never walked
            self.opened.close()


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
    pdf = _open(path)
    try:
        pages = _page_count(path, pdf, settings)
        return PdfSource(path=path, sha256=sha256_of(path), pages=pages, settings=settings, opened=pdf)
    except BaseException:
        pdf.close()
        raise


def _page_count(path: Path, pdf: Any, settings: ExtractSettings) -> int:
    try:
        pages = len(pdf.pages)
    except Exception as exc:  # pdfminer raises many kinds on a damaged page tree
        raise PdfUnreadable(path, f"damaged PDF: cannot read its pages ({_why(exc)})") from exc
    if pages == 0:
        raise PdfUnreadable(path, "the PDF has no pages")
    if pages > settings.max_pages:
        raise PdfUnreadable(path, f"too many pages ({pages}, limit {settings.max_pages})")
    return pages


def text_layer_problem(chars: list[Char], ocr: bool = False) -> str | None:
    """Why a page's text layer (or what OCR read, ``ocr``) cannot be trusted, or None when it
    reads as Japanese."""
    text = "".join(c.text for c in chars)
    if ocr:
        return (
            None
            if _JAPANESE.search(text)
            else "no text layer (scanned or outlined text; OCR read no Japanese text)"
        )
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


def _damaged(path: Path, page_no: int, exc: Exception) -> PdfUnreadable:
    return PdfUnreadable(path, f"damaged PDF: page {page_no} cannot be read ({_why(exc)})")


def _limited(page: Any, settings: ExtractSettings) -> RawPage | Scan:
    """A refused page when its content passes a limit, counted before any parser runs;
    else what the scan of its content found."""
    width, height = float(page.width), float(page.height)
    limit = settings.max_content_bytes_per_page
    try:
        data = page_content(page.page_obj, limit)
    except ContentTooLarge:
        why = f"page content too large (over the limit of {limit} bytes)"
        return RawPage(page.page_number, width, height, [], [], why)
    scanned = scan(data)
    if scanned.blank and shows_annotations(page.page_obj):
        scanned.blank = False  # a stamp or a note drawn by its own appearance is something shown
    # a glyph takes at least a byte of a shown string and a path operator two bytes of the
    # stream: without forms, a stream of up to half the limit in bytes cannot pass it
    if not scanned.forms and 2 * len(data) <= settings.max_objects_per_page:
        return scanned
    count = estimate_objects(data, page.page_obj.resources, scanned)
    if count > settings.max_objects_per_page:
        why = f"too many objects on the page (up to {count}, limit {settings.max_objects_per_page})"
        return RawPage(page.page_number, width, height, [], [], why)
    scanned.objects = count
    return scanned


def _read_page(page: Any, scanned: Scan, settings: ExtractSettings) -> RawPage:
    page._layout = _clipped_layout(page)  # pdfplumber's cache of its layout, read by .objects
    objects = page.objects
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
    objects = max(scanned.objects, len(chars) + len(edges))
    return RawPage(
        page.page_number,
        float(page.width),
        float(page.height),
        chars,
        edges,
        blank=scanned.blank,
        objects=objects,
    )


class _Hints:
    """The content stream's text-showing operators, for the pdfium reader (see read_content)."""

    def __init__(self, fonts: PageFonts, shown: list[Shown]) -> None:
        self.fonts, self.shown, self.count = fonts, shown, len(shown)

    def descent(self, k: int) -> float | None:
        return self.fonts.descent(self.shown[k].font)

    def chars(self, k: int, size: float) -> list[tuple[str, float, float]]:
        return self.fonts.chars(self.shown[k], size)

    def lag(self, k: int) -> float:
        return self.shown[k].lag


def _pdfium_pages(
    path: Path, pdf: Any, settings: ExtractSettings, part: int, parts: int
) -> Iterator[RawPage]:
    """pdfium reads glyphs and paths; pdfminer only checks limits and names the fonts."""
    try:
        doc = read_pdfium.open_document(path, password="")
    except read_pdfium.PdfiumError as exc:
        raise PdfUnreadable(path, f"damaged PDF ({_why(exc)})") from exc
    manager = PDFResourceManager(caching=True)
    try:
        for index in range(part, len(pdf.pages), parts):
            page = pdf.pages[index]
            try:
                raw = _limited(page, settings)
                if isinstance(raw, Scan):
                    scanned, raw = raw, _pdfium_page(doc, index, page, raw, manager, settings)
                    raw = _ocr_if_needed(raw, page, scanned, settings, _Scans(path, doc))
            except Exception as exc:  # a damaged content stream
                raise _damaged(path, page.page_number, exc) from exc
            page.close()
            yield raw
    finally:
        doc.close()


def _pdfium_page(
    doc: Any, index: int, page: Any, scanned: Scan, manager: Any, settings: ExtractSettings
) -> RawPage:
    fonts = PageFonts(manager, page.page_obj.resources)
    hints = _Hints(fonts, scanned.shown)
    handle = doc[index]
    try:
        frame = read_pdfium.page_frame(handle)
        chars, edges = read_pdfium.read_page(handle, frame, settings.min_edge_length, hints)
    finally:
        handle.close()
    objects = max(scanned.objects, len(chars) + len(edges))
    return RawPage(
        page.page_number, frame.width, frame.height, chars, edges, blank=scanned.blank, objects=objects
    )


class _Scans:
    """The pdfium document that draws the pages OCR reads: the pdfium reader's own, or one
    opened at the first such page (the pdfplumber reader)."""

    def __init__(self, path: Path, doc: Any = None) -> None:
        self.path, self.doc, self.own = path, doc, doc is None

    def page(self, index: int) -> Any:
        if self.doc is None:
            self.doc = read_pdfium.open_document(self.path, password="")
        return self.doc[index]

    def close(self) -> None:
        if self.own and self.doc is not None:
            self.doc.close()


def _needs_ocr(chars: list[Char], scanned: Scan, mode: str) -> bool:
    """Whether a page is read by OCR: ``always``; or (``auto``) it shows an image and has no text
    layer to trust (none, glyphs without Unicode, or a few non-Japanese glyphs: scanner junk)."""
    if mode != "auto":
        return mode == "always"
    if not (scanned.forms or scanned.inline_images):
        return False
    why = text_layer_problem(chars)
    junk = sum(1 for c in chars if not c.text.isspace()) < _JUNK_GLYPHS
    return why is not None and (junk or not why.startswith("no Japanese"))


def _ocr_if_needed(
    raw: RawPage, page: Any, scanned: Scan, settings: ExtractSettings, scans: _Scans
) -> RawPage:
    """The page as OCR reads it when it needs it (read_ocr.py); refused when its size or an image
    passes a limit (checked before anything is drawn), or said why OCR cannot run here."""
    if raw.blank or not _needs_ocr(raw.chars, scanned, settings.ocr):
        return raw
    width, height = raw.width, raw.height
    missing = read_ocr.missing()
    if missing:
        return RawPage(raw.page_no, width, height, [], [], f"{text_layer_problem(raw.chars)}; {missing}")
    too_large = read_ocr.refuse_size(width, height, _image_sizes(page))
    if too_large:
        return RawPage(raw.page_no, width, height, [], [], too_large)
    handle = scans.page(page.page_number - 1)
    try:
        frame = read_pdfium.page_frame(handle)
        gray = read_pdfium.render_gray(handle, read_ocr.DPI)
    finally:
        handle.close()
    chars, edges, ocr = read_ocr.read_image_page(gray, frame.x_shift, frame.top_shift)
    edges = [
        e
        for e in edges
        if (e["width"] if e["orientation"] == "h" else e["height"]) >= settings.min_edge_length
    ]
    return RawPage(raw.page_no, width, height, chars, edges, ocr=ocr)


def _image_sizes(page: Any) -> list[tuple[int, int]]:
    """The pixel sizes the page's image XObjects declare (read from their dictionaries: nothing
    is decoded)."""
    sizes = []
    xobjects = resolve1(page.page_obj.resources.get("XObject")) if page.page_obj.resources else None
    for ref in (xobjects or {}).values() if isinstance(xobjects, dict) else ():
        stream = resolve1(ref)
        if isinstance(stream, PDFStream) and getattr(stream.get("Subtype"), "name", None) == "Image":
            w, h = resolve1(stream.get("Width")), resolve1(stream.get("Height"))
            if isinstance(w, int) and isinstance(h, int):
                sizes.append((w, h))
    return sizes


def _clipped_layout(page: Any) -> Any:
    """pdfplumber's layout of the page (its own device), interpreted by _ClippingInterpreter."""
    device = PDFPageAggregatorWithMarkedContent(
        page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams
    )
    _ClippingInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    return device.get_result()


class _ClippingInterpreter(PDFPageInterpreter):
    """pdfminer's interpreter, which ignores clip paths, made to drop the glyphs a clip hides
    as the pdfium reader does: glyphs whose box centre lies outside the box of the clip path
    (read_geometry.Clip), blanks and text in forms kept (see read_pdfium._clip)."""

    clip: Clip | None = None
    clips: list[Clip | None]

    def dup(self) -> PDFPageInterpreter:
        return PDFPageInterpreter(self.rsrcmgr, self.device)  # a form's content: no clipping

    def init_state(self, ctm: Any) -> None:
        super().init_state(ctm)
        self.clip, self.clips = None, []

    def do_q(self) -> None:
        self.clips.append(self.clip)
        super().do_q()

    def do_Q(self) -> None:
        if self.gstack:
            self.clip = self.clips.pop()
        super().do_Q()

    def do_W(self) -> None:
        """The path so far clips what is drawn after the painting operator that follows W."""
        points = [
            apply_matrix_pt(self.ctm, (seg[i], seg[i + 1]))
            for seg in self.curpath
            for i in range(1, len(seg) - 1, 2)
        ]
        if points:
            here = Clip.of([points])
            self.clip = here if self.clip is None or here is None else self.clip.meet(here)

    do_W_a = do_W

    def do_TJ(self, seq: Any) -> None:
        objs = self.device.cur_item._objs
        start = len(objs)
        super().do_TJ(seq)
        if self.clip is not None and len(objs) > start:
            clip = self.clip
            objs[start:] = [
                o
                for o in objs[start:]
                if not (isinstance(o, LTChar) and clip.hides(*o.bbox) and not o.get_text().isspace())
            ]
