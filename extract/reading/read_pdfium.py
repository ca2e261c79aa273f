"""Read one page with pdfium: glyphs and ruling edges as pdfplumber would report them.

pdfminer interprets content streams in Python, which is most of what pdfplumber costs;
pdfium (C++) parses the same page several times faster. What this module adds is the
translation to pdfplumber's conventions, so that the grid and text stages see the same
page whichever reader ran:

- coordinates: pdfminer's page matrix (MediaBox origin, /Rotate), then pdfplumber's
  top-left origin;
- glyph boxes: the advance width across, the font size (from the font's descent) up, as
  pdfminer builds them, not pdfium's tight glyph outlines;
- glyphs pdfium invents (spaces, line ends) are dropped; text objects pdfium leaves out of
  its text page because their glyphs have no outline (a lone space in its own font run)
  are put back as the spaces they are;
- paths: split at each ``m`` and sorted into lines, rectangles and curves exactly as
  pdfminer does, so their edges are pdfplumber's edges;
- glyphs a clip path hides are dropped (pdfminer ignores clip paths: read.py's interpreter
  drops the same ones for pdfplumber).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.reading.read_content import TextHints, merge_blanks
from extract.reading.read_geometry import Clip, Frame, Matrix, compose, frame_of, sort_subpaths
from schemas.grid import Char

_TEXT, _PATH, _FORM = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
_MAX_FORM_DEPTH = 12
_MAYBE_GENERATED = frozenset(" \r\n-\u00ad\ufffe")
_P = ctypes.c_void_p
_new_tuple = tuple.__new__  # a named tuple (Char, _Run) without the Python frame of its __new__


def _fn(name: str, restype: Any, *argtypes: Any) -> Any:
    """A private prototype taking plain addresses: no pointer objects to build per glyph."""
    address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_I, _F, _D = ctypes.c_int, ctypes.c_float, ctypes.c_double
_count_chars = _fn("FPDFText_CountChars", _I, _P)
_get_text = _fn("FPDFText_GetText", _I, _P, _I, _I, _P)
_get_unicode = _fn("FPDFText_GetUnicode", ctypes.c_uint, _P, _I)
_obj_font = _fn("FPDFTextObj_GetFont", _P, _P)
_obj_font_size = _fn("FPDFTextObj_GetFontSize", _I, _P, _P)
_font_descent = _fn("FPDFFont_GetDescent", _I, _P, _F, _P)
_font_ascent = _fn("FPDFFont_GetAscent", _I, _P, _F, _P)
_obj_matrix = _fn("FPDFPageObj_GetMatrix", _I, _P, _P)
_obj_type = _fn("FPDFPageObj_GetType", _I, _P)
_page_count = _fn("FPDFPage_CountObjects", _I, _P)
_page_object = _fn("FPDFPage_GetObject", _P, _P, _I)
_form_count = _fn("FPDFFormObj_CountObjects", _I, _P)
_form_object = _fn("FPDFFormObj_GetObject", _P, _P, ctypes.c_ulong)
_segments = _fn("FPDFPath_CountSegments", _I, _P)
_segment = _fn("FPDFPath_GetPathSegment", _P, _P, _I)
_segment_point = _fn("FPDFPathSegment_GetPoint", _I, _P, _P, _P)
_segment_type = _fn("FPDFPathSegment_GetType", _I, _P)
_segment_close = _fn("FPDFPathSegment_GetClose", _I, _P)
_clip_path = _fn("FPDFPageObj_GetClipPath", _P, _P)
_clip_paths = _fn("FPDFClipPath_CountPaths", _I, _P)
_clip_segments = _fn("FPDFClipPath_CountPathSegments", _I, _P, _I)
_clip_segment = _fn("FPDFClipPath_GetPathSegment", _P, _P, _I, _I)


def _untyped(name: str, restype: Any) -> Any:
    """A prototype without argument types, for the calls made per glyph: ctypes converts
    nothing, which halves the cost of a call. Its arguments must already be C values: the
    text page as a ``c_void_p``, indices as ints (C ints), out-parameters by ``byref``; a
    handle given as a Python int would be cut to 32 bits."""
    address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(restype)(address)


# (text page, char index, ...): see _untyped
_is_generated = _untyped("FPDFText_IsGenerated", _I)
_map_error = _untyped("FPDFText_HasUnicodeMapError", _I)
_text_object = _untyped("FPDFText_GetTextObject", _P)
_loose_box = _untyped("FPDFText_GetLooseCharBox", _I)
_char_matrix = _untyped("FPDFText_GetMatrix", _I)
_char_size = _untyped("FPDFText_GetFontSize", _D)
_char_origin = _untyped("FPDFText_GetCharOrigin", _I)


class PdfiumError(Exception):
    """pdfium could not open the document or one of its pages."""


def open_document(path: Path, password: str | None = None) -> Any:
    """The pdfium document (closed by the caller); PdfiumError when pdfium refuses it."""
    try:
        return pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        raise PdfiumError(str(exc)) from exc


def page_frame(page: Any) -> Frame:
    box = page.get_mediabox()
    return frame_of(tuple(float(v) for v in box), page.get_rotation() % 360)


def render_gray(page: Any, dpi: float) -> Any:
    """The page drawn in gray at ``dpi`` as a 2-D array of bytes (for OCR: read_ocr.py), turned
    as it is shown (/Rotate), so its pixels lie as pdfplumber's coordinates do."""
    return page.render(scale=dpi / 72, grayscale=True).to_numpy()


def read_page(
    page: Any, frame: Frame, min_edge: float, hints: TextHints | None = None
) -> tuple[list[Char], list[dict]]:
    """Glyphs and ruling edges of one pdfium page, in pdfplumber's coordinates."""
    lines: list[dict] = []
    rects: list[dict] = []
    curves: list[dict] = []
    texts: list[tuple[int, Matrix]] = []
    for obj, kind, outer, top_level in _objects(_address(page.raw)):
        if kind == _PATH:
            sort_subpaths(_subpaths(obj, outer, frame), lines, rects, curves)
        elif kind == _TEXT and top_level:
            texts.append((obj, outer))
    if hints is not None and hints.count != len(texts):
        hints = None  # the stream and pdfium disagree: keep pdfium's own reading
    textpage = page.get_textpage()
    try:
        chars = _Glyphs(_address(textpage.raw), frame, texts, hints).read()
    finally:
        textpage.close()
    edges = [
        e
        for e in lines + rects + curves
        if e["orientation"] in ("h", "v")  # curves also yield diagonal edges: not rules
        and (e["width"] if e["orientation"] == "h" else e["height"]) >= min_edge
    ]
    return chars, edges


def _address(handle: Any) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _objects(page: int) -> Iterator[tuple[int, int, Matrix, bool]]:
    """Every page object in content order, forms opened: (object, its type, the matrix of its
    container, whether it is on the page itself)."""
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    yield from _walk(page, _page_count, _page_object, identity, 0)


def _walk(
    container: int, count: Any, get: Any, outer: Matrix, depth: int
) -> Iterator[tuple[int, int, Matrix, bool]]:
    for i in range(count(container)):
        obj = get(container, i)
        if not obj:
            continue
        kind = _obj_type(obj)
        if kind == _FORM:
            if depth < _MAX_FORM_DEPTH:
                inner = compose(_matrix(obj), outer)
                yield from _walk(obj, _form_count, _form_object, inner, depth + 1)
            continue
        yield obj, kind, outer, depth == 0


def _matrix(obj: int) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not _obj_matrix(obj, ctypes.byref(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _subpaths(obj: int, outer: Matrix, frame: Frame) -> list[tuple[str, list[tuple[float, float]]]]:
    """The path's subpaths as pdfminer sees them: operator letters and end points."""
    a, b, c, d, e, f = compose(_matrix(obj), outer)
    x, y = ctypes.c_float(), ctypes.c_float()
    px, py = ctypes.byref(x), ctypes.byref(y)
    out: list[tuple[str, list[tuple[float, float]]]] = []
    ops: list[str] = []
    pts: list[tuple[float, float]] = []
    pending_curve = 0
    for i in range(_segments(obj)):
        seg = _segment(obj, i)
        kind = _segment_type(seg)
        _segment_point(seg, px, py)
        point = frame.point(a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            if ops:
                out.append(("".join(ops), pts))
            ops, pts = ["m"], [point]
        elif kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            pending_curve += 1
            if pending_curve == 3:  # pdfium keeps the two control points; pdfminer the end point
                ops.append("c")
                pts.append(point)
                pending_curve = 0
        else:
            ops.append("l")
            pts.append(point)
        if _segment_close(seg) and ops:
            ops.append("h")
            pts.append(pts[0])
    if ops:
        out.append(("".join(ops), pts))
    return out


class _Run(NamedTuple):
    """What the glyphs of one text object share: how a glyph's advance becomes its box.

    pdfminer boxes a glyph from the baseline's descent to one font size above it, so ``low``
    and ``high`` (across the baseline, in page space) are the same for every glyph of a run.
    """

    upright: bool  # the advance runs along x; else turned a quarter, along y
    low: float
    high: float
    shift: float = 0.0  # along the baseline, to where pdfminer places the glyphs
    tight: bool = False  # pdfium's "loose" box is the glyph outline (a font without ascent)
    clip: Clip | None = None  # page space: the glyphs it hides are not read


class _Glyphs:
    """The text page's glyphs as pdfminer boxes them; what pdfium leaves out is put back."""

    def __init__(self, tp: int, frame: Frame, texts: list[tuple[int, Matrix]], hints: TextHints | None):
        self.tp, self.frame, self.texts, self.hints = tp, frame, texts, hints
        self.handle = ctypes.c_void_p(tp)  # for the untyped per-glyph calls
        self.order = {obj: k for k, (obj, _) in enumerate(texts)}
        self.runs: dict[int, _Run] = {}
        self.fonts: dict[int, tuple[float, bool]] = {}  # font handle: (descent, tight boxes)
        # the out-parameters of the per-object calls, made once
        self.m, self.ox, self.oy = pdfium_c.FS_MATRIX(), ctypes.c_double(), ctypes.c_double()
        self.pm, self.pox, self.poy = ctypes.byref(self.m), ctypes.byref(self.ox), ctypes.byref(self.oy)

    def read(self) -> list[Char]:
        tp, runs, new_run = self.handle, self.runs, self._run
        count = _count_chars(self.tp)
        text = self._text(count)
        box = pdfium_c.FS_RECTF()
        pbox = ctypes.byref(box)
        a, b, c, d, e, f = self.frame.ctm  # Frame.box, inlined: its arithmetic, in its order
        x_shift, top_shift, height = self.frame.x_shift, self.frame.top_shift, self.frame.height
        out: list[Char] = []
        owners: list[int] = []  # the text object of each glyph in ``out``
        spaced: set[int] = set()  # objects with a blank pdfium kept, or with tight boxes
        for i, ch in enumerate(text):
            if ch in _MAYBE_GENERATED and _is_generated(tp, i):
                continue
            obj = _text_object(tp, i) or 0
            upright, low, high, shift, tight, clip = runs.get(obj) or new_run(obj, i)
            _loose_box(tp, i, pbox)
            if upright:
                x0, y0, x1, y1 = box.left - shift, low, box.right - shift, high
            else:
                x0, y0, x1, y1 = low, box.bottom - shift, high, box.top - shift
            if clip is not None and clip.hides(x0, y0, x1, y1) and not ch.isspace():
                continue  # clipped: not shown (a blank shows nothing: see _clip)
            owners.append(obj)
            if tight or ch.isspace():
                spaced.add(obj)
            if _map_error(tp, i) == 1:
                ch = "(cid:0)"
            elif ch == "\ufffe":  # pdfium's mark for a hyphen that ends a line
                ch = "-"
            u0, u1 = a * x0 + c * y0 + e, a * x1 + c * y1 + e
            v0, v1 = b * x0 + d * y0 + f, b * x1 + d * y1 + f
            if u1 < u0:
                u0, u1 = u1, u0
            if v1 < v0:
                v0, v1 = v1, v0
            top, bottom = height - v1 + top_shift, height - v0 + top_shift
            out.append(_new_tuple(Char, (ch, u0 + x_shift, top, u1 + x_shift, bottom, bottom - top)))
        if self.hints is not None:
            where: dict[int, list[int]] = {obj: [] for obj in spaced}
            for index, obj in enumerate(owners if where else ()):
                if obj in where:
                    where[obj].append(index)
            out = self._restore_blanks(out, where)
        return out

    def _restore_blanks(self, out: list[Char], spaced: dict[int, list[int]]) -> list[Char]:
        """Put back the blanks pdfium drops: text objects of blanks only (their glyphs have no
        outline, so its text page skips them), and all but the first of a run of blanks; and
        give glyphs whose pdfium box is their outline pdfminer's advance box."""
        assert self.hints is not None
        drop: set[int] = set()
        for k, (obj, outer) in enumerate(self.texts):
            if obj not in self.runs:
                out.extend(_blank_chars(obj, outer, self.frame, self.hints, k, _clip(obj)))
            elif obj in spaced:
                kept = [out[i] for i in spaced[obj]]
                full = _blank_chars(obj, outer, self.frame, self.hints, k, self.runs[obj].clip)
                merged = merge_blanks(kept, full, self.runs[obj].tight)
                if merged is not None:
                    drop.update(spaced[obj])
                    out.extend(merged)
        return [c for i, c in enumerate(out) if i not in drop] if drop else out

    def _text(self, count: int) -> str:
        buf = (ctypes.c_ushort * (count + 1))()
        _get_text(self.tp, 0, count, buf)
        text = bytes(buf)[: 2 * count].decode("utf-16-le", errors="replace")
        if len(text) != count:  # characters beyond the BMP: one call per character instead
            text = "".join(chr(_get_unicode(self.tp, i) or 0xFFFD) for i in range(count))
        return text

    def _run(self, obj: int, i: int) -> _Run:
        tp, m, hints = self.handle, self.m, self.hints
        _char_matrix(tp, i, self.pm)
        _char_origin(tp, i, self.pox, self.poy)
        ma, mb, mc, md = m.a, m.b, m.c, m.d
        upright = abs(mb) <= abs(ma)
        size = _char_size(tp, i)
        k = self.order.get(obj)
        pdfium_descent, tight = self._font(obj)
        descent = hints.descent(k) if hints is not None and k is not None else None
        if descent is None:
            descent = pdfium_descent
        lag = hints.lag(k) if hints is not None and k is not None else 0.0
        if upright:
            low = self.oy.value + md * descent * size
            high = low + md * size
        else:
            low = self.ox.value + mc * descent * size
            high = low + mc * size
        clip = _clip(obj) if k is not None else None  # (a form's objects: see _clip)
        run = _new_tuple(_Run, (upright, low, high, lag * (ma if upright else mb), tight, clip))
        self.runs[obj] = run
        return run

    def _font(self, obj: int) -> tuple[float, bool]:
        """pdfium's descent of the object's font, and whether pdfium boxes its glyphs by their
        outline (a font whose ascent equals its descent); asked once per font."""
        font = _obj_font(obj) if obj else None
        if not font:
            return 0.0, False
        if font not in self.fonts:
            self.fonts[font] = (_pdfium_descent(font), _tight_boxes(font))
        return self.fonts[font]


def _tight_boxes(font: int) -> bool:
    """pdfium falls back to the glyph outline for a font whose ascent equals its descent."""
    ascent, descent = ctypes.c_float(), ctypes.c_float()
    if not _font_ascent(font, 1.0, ctypes.byref(ascent)):
        return False
    _font_descent(font, 1.0, ctypes.byref(descent))
    return ascent.value == descent.value


def _pdfium_descent(font: int) -> float:
    value = ctypes.c_float()
    if _font_descent(font, 1.0, ctypes.byref(value)):
        return value.value
    return 0.0


def _clip(obj: int) -> Clip | None:
    """The clip of a text object on the page (page space, as pdfium keeps it). pdfium drops a
    rectangle that holds the object's glyph outlines; a blank has none, so no reader drops a
    blank (it shows nothing anyway). Objects in forms are not asked, in either reader."""
    clip = _clip_path(obj)
    count = _clip_paths(clip) if clip else 0
    if count <= 0:
        return None
    x, y = ctypes.c_float(), ctypes.c_float()
    px, py = ctypes.byref(x), ctypes.byref(y)
    paths = []
    for p in range(count):
        points = []
        for s in range(_clip_segments(clip, p)):
            _segment_point(_clip_segment(clip, p, s), px, py)
            points.append((x.value, y.value))
        paths.append(points)
    return Clip.of(paths)


def _blank_chars(
    obj: int, outer: Matrix, frame: Frame, hints: TextHints, k: int, clip: Clip | None
) -> list[Char]:
    """The characters of text object k as the content stream shows them, placed as pdfminer
    places them (those its ``clip`` hides left out): for what pdfium's text page leaves out."""
    a, b, c, d, e, f = compose(_matrix(obj), outer)
    size = ctypes.c_float()
    if b or c or not _obj_font_size(obj, ctypes.byref(size)):
        return []
    fs = size.value
    descent = hints.descent(k) or 0.0
    e -= hints.lag(k) * a
    low, high = f + d * descent * fs, f + d * (descent + 1) * fs
    out = []
    for text, start, end in hints.chars(k, fs):
        if clip is not None and clip.hides(e + a * start, low, e + a * end, high) and not text.isspace():
            continue  # clipped, as in read()
        x0, top, x1, bottom = frame.box(e + a * start, low, e + a * end, high)
        out.append(Char(text=text, x0=x0, top=top, x1=x1, bottom=bottom, size=bottom - top))
    return out


def render_png(path: Path, page_no: int, scale: float = 1.5) -> bytes:
    """One page drawn as a PNG image, ``scale`` pixels per PDF point (for `layout check --html`)."""
    import struct
    import zlib

    pdf = pdfium.PdfDocument(path)
    try:
        bitmap = pdf[page_no - 1].render(scale=scale, rev_byteorder=True)
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        channels = {"RGB": 3, "RGBA": 4, "RGBX": 4}[bitmap.mode]
        data = bytes(bitmap.buffer)
    finally:
        pdf.close()
    rows = b"".join(
        b"\x00" + bytes(_rgb(data[y * stride : y * stride + width * channels], channels))
        for y in range(height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )


def _rgb(row: bytes, channels: int) -> bytes:
    if channels == 3:
        return row
    out = bytearray(len(row) // 4 * 3)
    out[0::3], out[1::3], out[2::3] = row[0::4], row[1::4], row[2::4]
    return bytes(out)
