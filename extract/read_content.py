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
from typing import Any

from pdfminer.pdffont import FontMetricsDB, PDFFont
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdftypes import dict_value, list_value, resolve1, stream_value
from pdfminer.psparser import PSLiteral

_NUMBER = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
_LITERAL = rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)"
_HEX = rb"<[0-9A-Fa-f\s]*>"
_STRING = rb"(?:" + _LITERAL + rb"|" + _HEX + rb")"
_END = rb"(?=[\s/\[\]()<>%]|\Z)"
_SCAN = re.compile(
    rb"(?P<show>" + _STRING + rb")\s*(?:Tj|'|\")" + _END
    + rb"|\[(?P<array>(?:\s|" + _STRING + rb"|" + _NUMBER + rb")*)\]\s*TJ" + _END
    + rb"|/(?P<font>[^\s/\[\]()<>{}%]+)\s+" + _NUMBER + rb"\s+Tf" + _END
    + rb"|/(?P<form>[^\s/\[\]()<>{}%]+)\s+Do" + _END
    + rb"|" + _STRING
    + rb"|\bBI\b.*?\bID\b.*?\bEI\b",
    re.S,
)  # fmt: skip
_IN_ARRAY = re.compile(_STRING, re.S)
_EMPTY = re.compile(rb"\(\)|<\s*>")
_PATH_OPS = re.compile(rb"(?<![^\s\]>)])(?:m|l|c|v|y|re|h)" + _END)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|\r|\n)|(.))", re.S)
_MAX_FORM_DEPTH = 4


@dataclass
class Shown:
    """One text-showing operator: the font resource it uses and the string tokens it shows."""

    font: str
    tokens: list[bytes]

    @property
    def data(self) -> bytes:
        return b"".join(_string_bytes(t) for t in self.tokens)


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
    for name in filters:
        if name in ("FlateDecode", "Fl"):
            inflater = zlib.decompressobj()
            data = inflater.decompress(data, room)
        else:
            data = _a85(data)
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


def shown_strings(data: bytes) -> list[Shown]:
    """Every text-showing operator of a content stream in order, empty strings left out."""
    out: list[Shown] = []
    font = ""
    for m in _SCAN.finditer(data):
        if m.group("font") is not None:
            font = m.group("font").decode("latin-1")
        elif m.group("show") is not None:
            token = m.group("show")
            if _EMPTY.fullmatch(token) is None:
                out.append(Shown(font, [token]))
        elif m.group("array") is not None:
            tokens = [t for t in _IN_ARRAY.findall(m.group("array")) if _EMPTY.fullmatch(t) is None]
            if tokens:
                out.append(Shown(font, tokens))
    return out


def estimate_objects(data: bytes, resources: Any, depth: int = 0) -> int:
    """An upper bound of the glyphs and path segments pdfminer would make of this content."""
    count = len(_PATH_OPS.findall(data))
    forms: dict[str, int] = {}
    for m in _SCAN.finditer(data):
        if m.group("show") is not None:
            count += _token_size(m.group("show"))
        elif m.group("array") is not None:
            count += sum(_token_size(t) for t in _IN_ARRAY.findall(m.group("array")))
        elif m.group("form") is not None and depth < _MAX_FORM_DEPTH:
            name = m.group("form").decode("latin-1")
            if name not in forms:
                forms[name] = _form_objects(resources, name, depth)
            count += forms[name]
    return count


def _token_size(token: bytes) -> int:
    """The bytes a string token shows (escapes counted as written: an upper bound)."""
    return (len(token) - 2) // 2 if token.startswith(b"<") else len(token) - 2


def _form_objects(resources: Any, name: str, depth: int) -> int:
    try:
        xobj = stream_value(dict_value(dict_value(resources).get("XObject", {})).get(name))
        if _name(xobj.get("Subtype")) != "Form":
            return 0
        return estimate_objects(xobj.get_data(), xobj.get("Resources") or resources, depth + 1)
    except Exception:  # a broken form is pdfminer's to report; it adds nothing to count
        return 0


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

    def chars(self, shown: Shown) -> list[tuple[str, float]]:
        """The characters a shown string makes, each with its advance in text space units."""
        font = self.font(shown.font)
        if font is None:
            return []
        out = []
        for cid in font.decode(shown.data):
            try:
                text = font.to_unichr(cid)
            except Exception:
                text = f"(cid:{cid})"
            out.append((text, font.char_width(cid)))
        return out


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
