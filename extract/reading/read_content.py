"""A page's content stream read without interpreting it: its size, how many objects it would
make, and the strings it shows with their fonts.

pdfminer builds a Python object for every glyph and path before anything can count them, so
a page of a few KB that shows 400,000 glyphs costs seconds and hundreds of MiB before a
limit on objects can refuse it. Scanning the decoded bytes with regular expressions costs
milliseconds and bounds the count from above, so the limits act before any parser runs.

The shown strings also let the pdfium reader put back what pdfium's text page leaves out:
text objects whose glyphs have no outline (a space in its own font run), which pdfminer
reports as characters.
"""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from pdfminer.pdffont import FontMetricsDB, PDFFont
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdftypes import dict_value, list_value, resolve1, stream_value
from pdfminer.psparser import PSLiteral

from schemas.grid import Char

_NUMBER = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
_LITERAL = rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)"
_HEX = rb"<[0-9A-Fa-f\s]*>"
_STRING = rb"(?:" + _LITERAL + rb"|" + _HEX + rb")"
_END = rb"(?=[\s/\[\]()<>%]|\Z)"
# Every alternative starts with one of a few bytes. The lookahead of those bytes comes first
# so that at any other position (digits and spaces: most of a content stream) the engine
# fails after one test instead of trying each alternative: the scan runs 2.5x faster.
# Operands before an operator are read backwards.
_SCAN = re.compile(
    rb"(?=[(<\[/qQTB])"
    + rb"(?:(?P<show>" + _STRING + rb")\s*(?P<op>Tj|'|\")" + _END
    + rb"|\[(?P<array>(?:\s|" + _STRING + rb"|" + _NUMBER + rb")*)\]\s*TJ" + _END
    + rb"|/(?P<font>[^\s/\[\]()<>{}%]+)\s+" + _NUMBER + rb"\s+Tf" + _END
    + rb"|/(?P<form>[^\s/\[\]()<>{}%]+)\s+Do" + _END
    + rb"|(?<![^\s\]>)])(?:(?P<save>[qQ])|(?P<state>T[cwz])|(?P<move>T[mdD*]|BT))" + _END
    + rb"|" + _STRING
    + rb"|(?P<image>(?<![^\s])BI\s.*?\sID\s.*?\sEI" + _END + rb"))",
    re.S,
)  # fmt: skip
_OPERANDS = re.compile(rb"(" + _NUMBER + rb")\s+(?:(" + _NUMBER + rb")\s+)?$")
_IN_ARRAY = re.compile(_STRING, re.S)
_ARRAY_ITEM = re.compile(_STRING + rb"|" + _NUMBER, re.S)
_EMPTY = re.compile(rb"\(\)|<\s*>")
_PATH_OPS = re.compile(rb"(?=[mlcvyrh])(?<![^\s\]>)])(?:m|l|c|v|y|re|h)" + _END)
_PAINT_OPS = re.compile(  # not n: a clip path paints nothing (NUL is PDF white space too)
    rb"(?<![^\s\x00\]>)])(?:[SsFfBb]\*?|sh)(?=[\s\x00/\[\]()<>%]|\Z)"
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|\r|\n)|(.))", re.S)
_MAX_FORM_DEPTH = 4


class Shown(NamedTuple):
    """One text-showing operator: its font resource, its string tokens and kerning numbers,
    and the text state it runs in (character and word spacing, horizontal scaling). A named
    tuple: a page shows hundreds, and a tuple is made faster than a dataclass."""

    font: str
    items: list[bytes | float]
    state: tuple[float, float, float] = (0.0, 0.0, 100.0)
    # pdfminer adds the character spacing between glyphs but not after an operator's last
    # one: text shown after such operators on the same line sits this much further left
    # (text space) than the PDF specification, and pdfium, put it
    lag: float = 0.0


class TextHints(Protocol):
    """What the content stream says about the page's k-th text object (see below)."""

    count: int

    def descent(self, k: int) -> float | None: ...

    def chars(self, k: int, size: float) -> list[tuple[str, float, float]]: ...

    def lag(self, k: int) -> float: ...


class ContentTooLarge(Exception):
    """The decoded content passed the limit (decoding stopped there)."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(size)


def page_content(page: Any, limit: int) -> bytes:
    """The decoded content streams of a pdfminer page, joined as PDF readers join them.

    Flate and ASCII85 (the filters of nearly every content stream) are decoded here, and
    Flate stops as soon as the limit is passed: a bomb of a few KB that inflates to GBs costs
    no more than the limit. Other filters go through pdfminer.
    """
    parts: list[bytes] = []
    size = 0
    for ref in page.contents:
        data = _decoded(resolve1(ref), limit - size + 1)
        size += len(data) + bool(parts)
        if size > limit:
            raise ContentTooLarge(size)
        parts.append(data)
    return b"\n".join(parts)


def _decoded(stream: Any, room: int) -> bytes:
    if stream.data is not None or stream.rawdata is None:
        return stream.get_data()
    filters = [_name(f) for f, params in stream.get_filters() if not params]
    if len(filters) != len(stream.get_filters()) or not set(filters) <= _FAST_FILTERS:
        return stream.get_data()
    data = stream.rawdata
    try:
        for name in filters:
            data = (
                zlib.decompressobj().decompress(data, room) if name in ("FlateDecode", "Fl") else _a85(data)
            )
    except (zlib.error, ValueError):  # damaged: pdfminer knows how to recover what it can
        return stream.get_data()
    return data


_FAST_FILTERS = {"FlateDecode", "Fl", "ASCII85Decode", "A85"}


def _a85(data: bytes) -> bytes:
    """ASCII85 decoding at C speed (the standard library's runs a Python loop per byte)."""
    data = data.strip()
    data = data.removeprefix(b"<~")
    end = data.find(b"~>")
    data = data[:end] if end >= 0 else data
    data = data.translate(None, b" \t\r\n\x0c\x00").replace(b"z", b"!!!!!")
    pad = -len(data) % 5
    return base64.a85decode(data + b"u" * pad)[: len(data) * 4 // 5 - pad] if data else b""


def _string_bytes(token: bytes) -> bytes:
    if token.startswith(b"<"):
        digits = re.sub(rb"\s", b"", token[1:-1])
        if len(digits) % 2:
            digits += b"0"
        return bytes.fromhex(digits.decode("ascii"))
    return _ESCAPE.sub(_unescape, token[1:-1])


def _unescape(m: re.Match[bytes]) -> bytes:
    if m.group(1):
        return bytes([int(m.group(1), 8) & 0xFF])
    if m.group(2):
        return b""
    return _ESCAPES.get(m.group(3), m.group(3))


@dataclass
class Scan:
    """What a content stream shows and draws, read without interpreting it."""

    shown: list[Shown]
    glyphs: int  # an upper bound: the bytes of every shown string
    forms: dict[str, int]  # XObjects drawn (forms, images), by resource name, and how often
    inline_images: int = 0
    blank: bool = False  # shows no text and paints no path, image or XObject
    objects: int = 0  # the estimate of its objects, where the page limit needed one


def scan(data: bytes) -> Scan:
    """Every text-showing operator of a content stream in order (empty strings left out),
    with the font and text state it runs in."""
    out = Scan([], 0, {})
    lag = 0.0
    font = ""
    state = {b"Tc": 0.0, b"Tw": 0.0, b"Tz": 100.0}
    saved: list[tuple[str, dict[bytes, float]]] = []
    for m in _SCAN.finditer(data):
        kind = m.lastgroup  # tested in the order of how often they come
        if kind == "move":
            lag = 0.0
        elif kind == "font":
            font = m["font"].decode("latin-1")
        elif kind == "op":
            op = m["op"]
            if op != b"Tj":
                lag = 0.0  # ' and " move to the next line first
            if op == b'"':
                operands = _operands(data, m.start())
                if len(operands) == 2:
                    state[b"Tw"], state[b"Tc"] = operands
            lag = _show_string(out, font, state, m["show"], lag)
        elif kind == "save":  # the text state is part of the graphics state
            if m["save"] == b"q":
                saved.append((font, dict(state)))
            elif saved:
                font, state = saved.pop()
        elif kind == "state":
            operands = _operands(data, m.start())
            if operands:
                state[m["state"]] = operands[-1]
        elif kind == "array":
            items = _ARRAY_ITEM.findall(m["array"])
            lag = _show(out, font, state, [i if i[:1] in b"(<" else float(i) for i in items], lag)
        elif kind == "form":
            name = m["form"].decode("latin-1")
            out.forms[name] = out.forms.get(name, 0) + 1
        elif kind == "image":
            out.inline_images += 1
    # a blank page, such as a word processor leaves after a table that fills the one before
    out.blank = not (out.glyphs or out.forms or out.inline_images) and _PAINT_OPS.search(data) is None
    return out


def _operands(data: bytes, end: int) -> list[float]:
    m = _OPERANDS.search(data[max(0, end - 64) : end])
    return [float(v) for v in m.groups() if v is not None] if m else []


def _show(out: Scan, font: str, state: dict[bytes, float], items: list[bytes | float], lag: float) -> float:
    """Record one text-showing operator; the lag of the next one on the line."""
    strings = [i for i in items if isinstance(i, bytes)]
    out.glyphs += sum(map(_token_size, strings))
    if any(_EMPTY.fullmatch(i) is None for i in strings):
        out.shown.append(Shown(font, items, (state[b"Tc"], state[b"Tw"], state[b"Tz"]), lag))
        if isinstance(items[0], bytes):
            lag += state[b"Tc"] * state[b"Tz"] * 0.01
    return lag


def _show_string(out: Scan, font: str, state: dict[bytes, float], token: bytes, lag: float) -> float:
    """_show for one string (Tj, ' and "): most operators, so kept cheap."""
    out.glyphs += (len(token) - 2) // 2 if token[0] == 0x3C else len(token) - 2  # _token_size; 0x3C: <
    if _EMPTY.fullmatch(token) is None:
        out.shown.append(Shown(font, [token], (state[b"Tc"], state[b"Tw"], state[b"Tz"]), lag))
        lag += state[b"Tc"] * state[b"Tz"] * 0.01
    return lag


def estimate_objects(data: bytes, resources: Any, scanned: Scan | None = None, depth: int = 0) -> int:
    """An upper bound of the glyphs and path segments pdfminer would make of this content."""
    scanned = scanned or scan(data)
    count = len(_PATH_OPS.findall(data)) + scanned.glyphs
    if depth < _MAX_FORM_DEPTH:
        for name, times in scanned.forms.items():
            count += times * _form_objects(resources, name, depth)
    return count


def _token_size(token: bytes) -> int:
    """The bytes a string token shows (escapes counted as written: an upper bound)."""
    return (len(token) - 2) // 2 if token.startswith(b"<") else len(token) - 2


def _form_objects(resources: Any, name: str, depth: int) -> int:
    try:
        xobj = stream_value(dict_value(dict_value(resources).get("XObject", {})).get(name))
        if _name(xobj.get("Subtype")) != "Form":
            return 0
        return estimate_objects(xobj.get_data(), xobj.get("Resources") or resources, None, depth + 1)
    except Exception:  # a broken form is pdfminer's to report; it adds nothing to count
        return 0


def shows_annotations(page: Any) -> bool:
    """Whether a pdfminer page has annotations other than links (a stamp, a note, a form
    field: each drawn by its own appearance, outside the content stream)."""
    try:
        annots = resolve1(page.annots) or []
        return any(_name(dict_value(a).get("Subtype")) != "Link" for a in annots)
    except Exception:  # an unreadable annotation list: count it as something shown
        return True


def _name(value: Any) -> str:
    value = resolve1(value)
    return value.name if isinstance(value, PSLiteral) else str(value or "")


class PageFonts:
    """The fonts of a page's resources as pdfminer reads them (descent, decoding, widths)."""

    def __init__(self, manager: PDFResourceManager, resources: Any) -> None:
        self.manager = manager
        try:
            self.specs = dict_value(dict_value(resources).get("Font", {}))
        except Exception:
            self.specs = {}
        self.fonts: dict[str, PDFFont | None] = {}
        self.descents: dict[str, float | None] = {}

    def font(self, name: str) -> PDFFont | None:
        if name not in self.fonts:
            try:
                spec = resolve1(self.specs.get(name))
                objid = getattr(self.specs.get(name), "objid", None)
                self.fonts[name] = self.manager.get_font(objid, dict_value(spec))
            except Exception:  # an unreadable font shows as spaces would: not at all
                self.fonts[name] = None
        return self.fonts[name]

    def descent(self, name: str) -> float | None:
        """pdfminer's descent of the font (a fraction of the font size), read from its dicts."""
        if name not in self.descents:
            try:
                self.descents[name] = descent_of(dict_value(resolve1(self.specs.get(name))))
            except Exception:
                self.descents[name] = None
        return self.descents[name]

    def chars(self, shown: Shown, size: float) -> list[tuple[str, float, float]]:
        """The characters a shown string makes, each with where it starts and ends along the
        baseline in text space, placed as pdfminer places them (render_string_horizontal)."""
        font = self.font(shown.font)
        if font is None:
            return []
        charspace, wordspace, scaling = shown.state
        scaling *= 0.01
        charspace, wordspace = charspace * scaling, 0.0 if font.is_multibyte() else wordspace * scaling
        out = []
        x, spaced = 0.0, False
        for item in shown.items:
            if isinstance(item, float):
                x -= item * 0.001 * size * scaling
                spaced = True
                continue
            for cid in font.decode(_string_bytes(item)):
                x += charspace if spaced else 0.0
                advance = font.char_width(cid) * size * scaling
                out.append((_unichr(font, cid), x, x + advance))
                x += advance + (wordspace if cid == 32 else 0.0)
                spaced = True
        return out


def _unichr(font: PDFFont, cid: int) -> str:
    try:
        return font.to_unichr(cid)
    except Exception:  # pdfminer's own placeholder for a glyph without Unicode
        return f"(cid:{cid})"


def descent_of(spec: dict) -> float | None:
    """The descent pdfminer gives a font: its descriptor's, an AFM's, or a Type 3 box's."""
    subtype = _name(spec.get("Subtype"))
    if subtype == "Type0":
        descendants = list_value(spec.get("DescendantFonts", []))
        if not descendants:
            return None
        spec = dict_value(descendants[0])
    if subtype == "Type3":
        return None  # scaled by the font matrix: pdfium's own value is used
    descriptor: Any = None
    if subtype in ("Type1", "MMType1", "TrueType"):
        try:
            descriptor = FontMetricsDB.get_metrics(_name(spec.get("BaseFont")))[0]
        except KeyError:
            descriptor = None
    if descriptor is None:
        descriptor = dict_value(spec.get("FontDescriptor", {}))
    descent = resolve1(descriptor.get("Descent", 0)) or 0
    if not isinstance(descent, int | float):
        return 0.0
    return -abs(float(descent)) * 0.001


def merge_blanks(kept: list[Char], full: list[Char], tight: bool) -> list[Char] | None:
    """pdfium's glyphs of one object with the blanks it dropped put back from the content
    stream's reading of it (all of that reading when pdfium's boxes are glyph outlines);
    None when there is nothing to change or the two readings disagree."""
    if len(full) < len(kept) or (len(full) == len(kept) and not tight):
        return None
    out: list[Char] = []
    j = 0
    for ch in full:
        if j < len(kept) and kept[j].text == ch.text:
            out.append(ch if tight else kept[j])
            j += 1
        elif ch.text.isspace():
            out.append(ch)
        else:
            return None
    return out if j == len(kept) else None
