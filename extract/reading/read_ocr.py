"""Read an image-only page (a scan) through Japanese OCR into glyphs and ruling edges.

The page is rendered (pdfium), deskewed, and its ruling lines found in the image (OpenCV
morphology: long horizontal and vertical runs of ink); they become edges in PDF points, as a
text PDF's rules are, so grid.py builds the same cells from them. The regions those lines
close are recognised one by one (Tesseract, ``jpn``; one line, one block or one letter as the
region's ink looks), and the ink outside them as free text: a whole-page reading would run
the columns of a table together. Every glyph becomes a Char in PDF points, so every layout
reads a scan as it reads a text PDF; what OCR was unsure of goes with the page (OcrRead).

Tesseract's word confidence (0–100) is kept for each word; words below LOW_CONFIDENCE are the
page's ``doubtful`` words, each with its box, reported as problems by the record side.
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from schemas.grid import BBox, Char, OcrRead, OcrWord

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per reading process

DPI = 200  # rendering resolution: Japanese text of 8 pt is about 22 pixels high
MAX_RENDER_PIXELS = 120_000_000  # a page rendered larger than this is refused before it is drawn
MAX_IMAGE_PIXELS = 400_000_000  # an image XObject declaring more is refused before it is decoded
RETRY_ZOOMS = (1.5, 2.0)  # a short line read with a word below LOW_CONFIDENCE is read again this much larger
_SHORT = 6  # a line at most this many times as wide as high is short: numbering, a rating, a date
LOW_CONFIDENCE = 50.0  # a line with a word read with less is a problem with its page and box
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-jpn"
_TESSDATA = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)
_RULE_H, _RULE_V = 0.5, 0.12  # inches: a run of ink at least this long is a ruling line
# the Japanese model's reading of a number in parentheses: circled digits with a parenthesis
_MANGLED_NUMBER = re.compile(r"^(?=.*[①-⑳])(?=.*[()（）])[(（]?[①-⑳0-9]{1,2}[)）]?$")
# a figure with a period where thousands are separated: what the Japanese model makes of 13,834
_FIGURE = re.compile(r"^(?=.*\.)-?\d{1,3}([.,]{1,2}\d{3})+$")  # or both: 5,.425
_FIGURE_ZOOMS = (1.0, 1.5, 2.0, 3.0)  # a figure read again at these sizes until its commas show
# a line that starts with one glyph and a period, as "A.順調に推移している" is printed, whose glyph
# the Japanese model did not read as a letter (に for C) and is unsure of: read again as a letter
_ENUMERATOR = re.compile(r"^[^A-Za-z0-9\s][.．]")
_SURE = 80.0
_LATIN = re.compile(r"[A-Za-z0-9]")
_PAD = 10  # pixels of white around a region handed to Tesseract


class OcrUnavailable(Exception):
    """Tesseract or its Japanese model is not installed."""


def tessdata() -> str | None:
    """The folder holding Tesseract's jpn model, or None."""
    env = os.environ.get("TESSDATA_PREFIX")  # when set, Tesseract looks nowhere else
    for folder in [env] if env else _TESSDATA:
        if folder and (Path(folder) / "jpn.traineddata").is_file():
            return folder
    return None


def missing() -> str | None:
    """Why OCR cannot run here (with how to install it), or None."""
    try:
        import cv2  # noqa: F401
        import tesserocr  # noqa: F401
    except ImportError as exc:
        return f"OCR needs the Python package {exc.name} (pip install hyoka's dependencies)"
    if tessdata() is None:
        return f"Tesseract's Japanese model is not installed ({INSTALL})"
    return None


_LSTM_UNICHARSET = 21  # the entry of a .traineddata file holding the LSTM model's letters


@cache
def model_letters() -> frozenset[str]:
    """The glyphs the Japanese model has a letter for (its LSTM unicharset, read from the
    .traineddata file: a count, the entries' offsets, the entries); empty when not found."""
    folder = tessdata()
    if folder is None:
        return frozenset()
    try:
        data = (Path(folder) / "jpn.traineddata").read_bytes()
        count = struct.unpack("<i", data[:4])[0]
        offsets = struct.unpack(f"<{count}q", data[4 : 4 + 8 * count])
        start = offsets[_LSTM_UNICHARSET]
        end = min([o for o in offsets[_LSTM_UNICHARSET + 1 :] if o > 0] + [len(data)])
        lines = data[start:end].decode("utf-8").splitlines()[1:]
    except (OSError, struct.error, IndexError, UnicodeDecodeError):
        return frozenset()
    return frozenset(line.split(" ", 1)[0] for line in lines if line)


def known_reading(text: str, known: list[str]) -> str:
    """The known text that ``text``, read by OCR, stands for, else ``text``: the one of the same
    length (four glyphs at least) that differs from it in at most one glyph in four (the model
    misreads a glyph). Of two as near (a glyph dropped or added counts as one: 国府支出金 is as
    near 国・府支出金 as 国庫支出金), the one whose differing glyphs the model has no letter for
    (賄, read 周: a glyph it has a letter for it mostly reads right); of two still, none."""
    squashed = "".join(text.split())
    names = {"".join(k.split()): k for k in known}
    if len(squashed) < 4 or squashed in names:
        return text
    letters, most = model_letters(), len(squashed) // 4
    near: list[tuple[int, int, str]] = []  # (glyphs off, of them with a letter in the model, name)
    longer_or_shorter = most + 1  # the fewest edits to a name of another length
    for other, name in names.items():
        if len(other) == len(squashed):
            wrong = [b for a, b in zip(squashed, other, strict=True) if a != b]
            near.append((len(wrong), sum(1 for g in wrong if g in letters or not letters), name))
        elif abs(len(other) - len(squashed)) <= most:
            longer_or_shorter = min(longer_or_shorter, _edits(squashed, other))
    near.sort()
    if not near or near[0][0] > most or near[0][0] >= longer_or_shorter:
        return text
    if len(near) > 1 and near[0][:2] == near[1][:2]:
        return text
    return near[0][2]


def _edits(a: str, b: str) -> int:
    """Levenshtein distance: glyphs changed, dropped or added."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


_APIS: dict[tuple[int, str], Any] = {}  # Tesseracts of this process (a forked one makes its own)
_WHITELISTS = {
    "numbering": "()0123456789",
    "figures": "0123456789,.-",
    "letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
}  # what such numbers are printed with


def _api(kind: str = "jpn") -> Any:
    """This process's Tesseract: ``jpn``, or the English model restricted to what a kind of
    number is printed with (``numbering``: (1); ``figures``: 13,834), for the numbers the
    Japanese model misreads (_read_numbers)."""
    api = _APIS.get((os.getpid(), kind))
    if api is None:
        import tesserocr

        folder = tessdata()
        if folder is None:
            raise OcrUnavailable(INSTALL)
        api = tesserocr.PyTessBaseAPI(path=folder.rstrip("/") + "/", lang="jpn" if kind == "jpn" else "eng")
        if kind in _WHITELISTS:
            api.SetVariable("tessedit_char_whitelist", _WHITELISTS[kind])
        api.SetVariable("preserve_interword_spaces", "1")
        if any(pid != os.getpid() for pid, _ in _APIS):
            _APIS.clear()  # inherited from the process this one was forked from
        _APIS[(os.getpid(), kind)] = api
    return api


def refuse_size(width: float, height: float, images: list[tuple[int, int]]) -> str | None:
    """Why a page is refused before anything is decoded or drawn (its size, its images)."""
    pixels = int(width * DPI / 72) * int(height * DPI / 72)
    if pixels > MAX_RENDER_PIXELS:
        return f"page too large to read by OCR ({pixels} pixels at {DPI} dpi, limit {MAX_RENDER_PIXELS})"
    for w, h in images:
        if w * h > MAX_IMAGE_PIXELS:
            return f"page image too large ({w}x{h} pixels, limit {MAX_IMAGE_PIXELS})"
    return None


@dataclass
class _Region:
    """A part of the deskewed image to recognise: a ruled cell, or what lies outside them."""

    x0: int
    y0: int
    x1: int
    y1: int


def read_image_page(
    gray: Any, x_shift: float = 0.0, top_shift: float = 0.0
) -> tuple[list[Char], list[dict], OcrRead]:
    """Glyphs, ruling edges and the OCR record of a page rendered at DPI (a 2-D uint8 array)."""
    import cv2
    import numpy as np

    scale = 72.0 / DPI
    skew = _skew(gray)
    if abs(skew) >= 0.05:
        h, w = gray.shape
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), -skew, 1.0)
        gray = cv2.warpAffine(gray, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    hmask, vmask = _rule_masks(ink)
    edges = _edges(hmask, "h", scale, x_shift, top_shift) + _edges(vmask, "v", scale, x_shift, top_shift)
    rules = cv2.dilate(hmask | vmask, np.ones((5, 5), np.uint8))
    text_ink = np.where(rules > 0, 0, ink).astype(np.uint8)  # the rules erased: text only
    cells, outside = _regions(rules)
    reader = _Reader(gray, text_ink, scale, x_shift, top_shift)
    for region in cells:
        reader.read_cell(region)
    reader.read_free(outside)
    return reader.chars, edges, reader.record(skew)


def _skew(gray: Any) -> float:
    """The page's skew in degrees (positive: turned counter-clockwise), from the angle at which
    the rows of ink (rules and text lines) are sharpest."""
    import cv2
    import numpy as np

    small = cv2.resize(gray, (gray.shape[1] // 4, gray.shape[0] // 4), interpolation=cv2.INTER_AREA)
    ink = (255 - small).astype(np.float32)
    h, w = ink.shape

    def sharpness(angle: float) -> float:
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
        rows = cv2.warpAffine(ink, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=0).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-3.0, 3.01, 0.25), key=sharpness)
    return float(max(np.arange(best - 0.25, best + 0.26, 0.05), key=sharpness))


def _rule_masks(ink: Any) -> tuple[Any, Any]:
    """The pixels of horizontal and vertical ruling lines: unbroken runs of ink longer than
    any stroke of a glyph (a row of bold glyphs may touch over a few glyphs: horizontal runs
    must be longer; a cell is wider than it is high). A short vertical run is a rule only where
    it meets a horizontal one (a large glyph's stroke meets none). A break in a rule the scan
    made leaves two pieces, joined again by grid.py's join tolerance."""
    import cv2
    import numpy as np

    h = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(_RULE_H * DPI), 1))
    )
    v = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(_RULE_V * DPI)))
    )
    near = cv2.dilate(h, np.ones((9, 9), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(v, connectivity=8)
    keep = np.zeros(count, bool)
    for k in range(1, count):
        x, y, w, height, _area = (int(n) for n in stats[k])
        ends = near[y, x : x + w].any() or near[y + height - 1, x : x + w].any()
        keep[k] = height >= _RULE_H * DPI or bool(ends)
    return h, np.where(keep[labels], 255, 0).astype(np.uint8)


def _edges(mask: Any, orientation: str, scale: float, dx: float, dy: float) -> list[dict]:
    """Each line of a rule mask as a pdfplumber edge (points, top-left origin): a horizontal
    rule at its middle row from its left to its right end, a vertical one likewise."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for x, y, w, h, _area in stats[1:count]:
        if orientation == "h":
            x0, x1 = x * scale + dx, (x + w) * scale + dx
            top = bottom = (y + h / 2) * scale + dy
        else:
            x0 = x1 = (x + w / 2) * scale + dx
            top, bottom = y * scale + dy, (y + h) * scale + dy
        out.append(
            {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top,
             "orientation": orientation, "object_type": "line"}
        )  # fmt: skip
    return out


def _regions(rules: Any) -> tuple[list[_Region], list[_Region]]:
    """The boxes the rules close (cells), and the mask of everything else (free text)."""
    import cv2
    import numpy as np

    count, labels, stats, _ = cv2.connectedComponentsWithStats(255 - rules, connectivity=4)
    h, w = rules.shape
    cells = []
    free = np.zeros_like(rules)
    for k in range(1, count):
        x, y, cw, ch, area = (int(v) for v in stats[k])
        boxed = x > 0 and y > 0 and x + cw < w and y + ch < h and area >= 0.85 * cw * ch
        if boxed and cw >= 8 and ch >= 8:
            cells.append(_Region(x, y, x + cw, y + ch))
        elif not boxed:
            free[labels == k] = 255
    return cells, [free]


class _Reader:
    """Recognises regions of one deskewed page and gathers their glyphs in points."""

    def __init__(self, shade: Any, ink: Any, scale: float, dx: float, dy: float) -> None:
        """``shade``: the deskewed page as scanned (grey); ``ink``: its text ink, rules erased."""
        self.shade, self.ink, self.scale, self.dx, self.dy = shade, ink, scale, dx, dy
        self.chars: list[Char] = []
        self.confidences: list[float] = []
        self.doubtful: list[OcrWord] = []

    def read_cell(self, region: _Region) -> None:
        self._read_block(region.x0, region.y0, region.x1, region.y1)

    def read_free(self, masks: list[Any]) -> None:
        """Text outside the cells, one line at a time: its ink smeared along the line makes
        one blob per line (or per column of a line)."""
        import cv2
        import numpy as np

        for mask in masks:
            ink = np.where(mask > 0, self.ink, 0).astype(np.uint8)
            if int(np.count_nonzero(ink)) < 12:
                continue
            smear = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (int(0.12 * DPI), 3)))
            count, _, stats, _ = cv2.connectedComponentsWithStats(smear, connectivity=8)
            for x, y, w, h, area in sorted(
                (tuple(int(v) for v in st) for st in stats[1:count]), key=lambda b: (b[1], b[0])
            ):
                if area >= 40:
                    self._read_block(x, y, x + w, y + h, ink)

    def _read_block(self, x0: int, y0: int, x1: int, y1: int, ink: Any = None) -> None:
        """A region's text, line by line: Tesseract reads one line (psm 7) far better than a
        block whose lines nearly touch. A line is the glyphs (connected blobs of ink) that
        stand side by side; each is read without its neighbours' ink above or below."""
        import cv2
        import numpy as np

        block = (self.ink if ink is None else ink)[y0:y1, x0:x1]
        if int(np.count_nonzero(block)) < 12:
            return  # an empty cell (a speck of noise at most)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(block, connectivity=8)
        for members, (left, top, right, bottom) in _lines(stats[1:count]):
            line = np.isin(labels[top:bottom, left:right], members)
            near = cv2.dilate(line.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            shade = self.shade[y0 + top : y0 + bottom, x0 + left : x0 + right]
            pixels = np.where(near, shade, 255).astype(np.uint8)  # its own ink, as scanned
            blobs = [(int(stats[k][0]) - left, int(stats[k][0] + stats[k][2]) - left) for k in members]
            slashes = [
                (int(stats[k][0]) - left, int(stats[k][0] + stats[k][2]) - left)
                for k in members
                if _slash(labels, stats[k], k, bottom - top)
            ]
            self._recognise(x0 + left, y0 + top, x0 + right, y0 + bottom, pixels, blobs, slashes)

    def _recognise(
        self,
        x0: int,
        y0: int,
        x1: int,
        y1: int,
        image: Any,
        blobs: list[tuple[int, int]],
        slashes: list[tuple[int, int]],
    ) -> None:
        """Tesseract reads ``image``, the page's pixels x0–x1, y0–y1 (``blobs``: the columns of
        its blobs of ink). A short line it is unsure of is read again enlarged (small glyphs
        such as (2) or ① read better), the surer reading kept; and glyphs at either end that
        no symbol covers (Tesseract drops a line's last glyph at times, a 】 often) are read
        on their own."""
        import numpy as np

        crop = np.full((y1 - y0 + 2 * _PAD, x1 - x0 + 2 * _PAD), 255, np.uint8)
        crop[_PAD:-_PAD, _PAD:-_PAD] = image
        psm = _psm(x1 - x0, y1 - y0)
        best, zoom = _read(crop, psm, 1.0), 1.0
        if not best.lines or (best.least < LOW_CONFIDENCE and x1 - x0 < _SHORT * (y1 - y0)):
            missed = _missed(best, 1.0, blobs, slashes, y1 - y0)
            for again in RETRY_ZOOMS:
                other = _read(crop, psm, again)
                other_missed = _missed(other, again, blobs, slashes, y1 - y0)
                if other.lines and (other_missed, -other.mean) < (missed, -best.mean):
                    best, zoom, missed = other, again, other_missed
        if not best.lines and psm == 7:  # the line reader found no text in ink: read it as one word
            best = _read(crop, 8, 1.0)
        for a, b in _uncovered(best, zoom, blobs, y1 - y0):
            part = np.full_like(crop, 255)
            part[:, a + _PAD : b + _PAD] = crop[:, a + _PAD : b + _PAD]
            more = _read(part, 10, 1.0)
            if len(more.text) == 1 and more.text not in (best.text[:1], best.text[-1:]):
                best.confidences.update(more.confidences)
                best.lines[-1:] = [sorted([*best.lines[-1], *(_zoomed(s, zoom) for ln in more.lines for s in ln)],
                                          key=lambda s: s.box[0])] if best.lines else more.lines  # fmt: skip
        if any(
            _MANGLED_NUMBER.match(_text(ln)) or _FIGURE.match(_text(ln)) or _ENUMERATOR.match(_text(ln))
            for ln in best.lines
        ):
            best, zoom = _read_numbers(best, zoom, crop), 1.0
        self._place(_snapped(best, zoom, blobs, slashes, y1 - y0), x0 - _PAD, y0 - _PAD, zoom)

    def _place(self, reading: _Reading, ox: int, oy: int, zoom: float) -> None:
        """The symbols as glyphs in points: each line's glyphs share its middle and its size
        (Tesseract boxes a glyph by its ink: a 。 or ー would stand off the line), as a text
        layer's glyphs of one run do."""
        first = len(self.chars)
        for line in reading.lines:
            middle = statistics.median((s.box[1] + s.box[3]) / 2 for s in line)
            size = max(statistics.median(s.box[3] - s.box[1] for s in line),
                       statistics.median(s.box[2] - s.box[0] for s in line))  # fmt: skip
            top = ((middle - 0.55 * size) / zoom + oy) * self.scale + self.dy
            bottom = ((middle + 0.55 * size) / zoom + oy) * self.scale + self.dy
            words: dict[int, list[Char]] = {}
            floor = float("-inf")  # Tesseract's order is right, its boxes overlap: keep its order
            for sym in line:
                left = max((sym.box[0] / zoom + ox) * self.scale + self.dx, floor + 0.01)
                right = max((sym.box[2] / zoom + ox) * self.scale + self.dx, left + 0.01)
                floor = left
                glyph = Char(sym.text, left, top, right, bottom, bottom - top)
                self.chars.append(glyph)
                words.setdefault(sym.word, []).append(glyph)
            self._line(words, reading.confidences)
        _close_gaps(self.chars, first)

    def _line(self, words: dict[int, list[Char]], confidences: dict[int, float]) -> None:
        """Counts the line's words; a line with words below LOW_CONFIDENCE is doubtful: its text,
        its least confidence and the box of those words."""
        low = [glyphs for word, glyphs in words.items() if confidences[word] < LOW_CONFIDENCE]
        self.confidences.extend(confidences[word] for word in words)
        if low:
            glyphs = [c for part in low for c in part]
            box = BBox(min(c.x0 for c in glyphs), min(c.top for c in glyphs),
                       max(c.x1 for c in glyphs), max(c.bottom for c in glyphs))  # fmt: skip
            least = min(confidences[word] for word in words)
            text = "".join(c.text for part in words.values() for c in part)
            self.doubtful.append(OcrWord(text, round(least, 1), box))

    def record(self, skew: float) -> OcrRead:
        mean = sum(self.confidences) / len(self.confidences) if self.confidences else 0.0
        return OcrRead(confidence=round(mean, 1), words=len(self.confidences), doubtful=self.doubtful,
                       skew=round(skew, 2))  # fmt: skip


class _Reading(NamedTuple):
    lines: list[list[_Symbol]]
    confidences: dict[int, float]  # of its words

    @property
    def text(self) -> str:
        return "".join(s.text for line in self.lines for s in line)

    @property
    def least(self) -> float:
        return min(self.confidences.values(), default=0.0)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.confidences.values()) if self.confidences else 0.0


def _read(crop: Any, psm: int, zoom: float, kind: str = "jpn") -> _Reading:
    import cv2

    if zoom != 1:
        crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    api = _api(kind)
    api.SetPageSegMode(psm)
    api.SetImageBytes(crop.tobytes(), crop.shape[1], crop.shape[0], 1, crop.shape[1])
    api.Recognize()
    confidences: dict[int, float] = {}
    return _Reading(_symbols(api, confidences), confidences)


class _Symbol(NamedTuple):
    text: str
    box: tuple[int, int, int, int]  # pixels of the region Tesseract read: left, top, right, bottom
    word: int  # its word's key in _Reading.confidences


_WORDS = itertools.count()


def _symbols(api: Any, word_confidences: dict[int, float]) -> list[list[_Symbol]]:
    """What Tesseract recognised, line by line, each symbol with its box and its word; the
    word confidences go to ``word_confidences``."""
    import tesserocr

    lines: list[list[_Symbol]] = []
    it = api.GetIterator()
    level, word = tesserocr.RIL.SYMBOL, -1
    while it is not None:
        if not it.Empty(level):
            if it.IsAtBeginningOf(tesserocr.RIL.TEXTLINE) or not lines:
                lines.append([])
            if it.IsAtBeginningOf(tesserocr.RIL.WORD) or word < 0:
                word = next(_WORDS)
                word_confidences[word] = it.Confidence(tesserocr.RIL.WORD)
            text, box = it.GetUTF8Text(level) or "", it.BoundingBox(level)
            if text.strip() and box:
                lines[-1].append(_Symbol(text, tuple(box), word))
        if not it.Next(level):
            break
    return [line for line in lines if line]


def _text(line: list[_Symbol]) -> str:
    return "".join(s.text for s in line)


def _read_numbers(reading: _Reading, zoom: float, crop: Any) -> _Reading:
    """The reading (at zoom 1) with its numbers read again by the English model restricted to
    what numbers are printed with, where the Japanese model is known to go wrong: a number in
    parentheses read as circled digits (⑪), (②)), and a figure whose thousands separators it
    reads as periods (13.834). The new reading is kept when it is such a number (for a
    figure: the same digits)."""
    import numpy as np

    lines, confidences = [], dict(reading.confidences)
    for line in reading.lines:
        line = [_zoomed(s, 1 / zoom) for s in line]
        text = _text(line)
        kind = "numbering" if _MANGLED_NUMBER.match(text) else "figures" if _FIGURE.match(text) else None
        if _ENUMERATOR.match(text):  # "に." for "C.": the letter alone, by the English model
            letter = line[0]
            part = np.full_like(crop, 255)
            right = line[1].box[0]  # up to the period: Tesseract's box of a glyph it misread is loose
            part[:, :right] = crop[:, :right]
            again = _read(part, 7, 1.0, "letters")
            if len(again.text) == 1 and reading.confidences[letter.word] < _SURE:
                line = [letter._replace(text=again.text), *line[1:]]
        if kind is not None:
            top, bottom = min(s.box[1] for s in line), max(s.box[3] for s in line)
            part = np.full_like(crop, 255)
            part[top:bottom] = crop[top:bottom]
            psm = 8 if kind == "numbering" and len(reading.lines) == 1 else 7
            for zoom_again in (1.0,) if kind == "numbering" else _FIGURE_ZOOMS:
                again = _read(part, psm, zoom_again, kind)
                if (
                    re.fullmatch(r"\(\d{1,2}\)", again.text)
                    if kind == "numbering"
                    else re.fullmatch(r"-?\d{1,3}(,\d{3})+", again.text)
                    and _digits(again.text) == _digits(text)
                ):
                    line = [_zoomed(s, 1 / zoom_again) for ln in again.lines for s in ln]
                    confidences.update(again.confidences)
                    break
        lines.append(line)
    return _Reading(lines, confidences)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _uncovered(
    reading: _Reading, zoom: float, blobs: list[tuple[int, int]], height: int
) -> list[tuple[int, int]]:
    """Columns (of the line) of the blobs of ink before the first symbol Tesseract read or after
    its last, each end as one range; none when it read nothing or they are specks. Tesseract
    may stretch its last symbol's box over a glyph it dropped: blobs that start more than a
    glyph's width (the line's height) into that box are after it too."""
    symbols = [s for line in reading.lines for s in line]
    if not symbols:
        return []
    first = min(s.box[0] for s in symbols) / zoom - _PAD
    end = max(symbols, key=lambda s: s.box[2])
    last = min(end.box[2], end.box[0] + 0.95 * height * zoom) / zoom - _PAD
    out = []
    for side in ([b for b in blobs if b[1] <= first + 1], [b for b in blobs if b[0] >= last - 1]):
        width = max(b for _, b in side) - min(a for a, _ in side) if side else 0
        if 0.15 * height <= width <= 1.3 * height:  # one glyph, not a speck
            out.append((min(a for a, _ in side), max(b for _, b in side)))
    return out


def _slash(labels: Any, stat: Any, label: int, height: int) -> bool:
    """Whether a blob of ink is a full-width solidus ／, which the Japanese model has no letter
    for (it reads プ, or nothing): one straight thin stroke rising to the right, about as wide
    as high and as high as the line (a ノ or the stroke of a ソ is curved, and smaller)."""
    import cv2

    x, y, w, h, area = (int(v) for v in stat)
    if not (h >= 0.7 * height and 0.6 * h <= w <= 1.3 * h and area <= 0.25 * w * h):
        return False
    m = cv2.moments((labels[y : y + h, x : x + w] == label).astype("uint8"), binaryImage=True)
    xx, yy, xy = m["mu20"], m["mu02"], m["mu11"]
    if xx <= 0 or yy <= 0 or xy / (xx * yy) ** 0.5 > -0.97:  # y grows downwards: rising to the right
        return False
    spread = ((xx - yy) ** 2 + 4 * xy**2) ** 0.5
    return (xx + yy - spread) <= 0.01 * (xx + yy + spread)  # thin: across, a tenth of its length


def _snapped(
    reading: _Reading, zoom: float, blobs: list[tuple[int, int]], slashes: list[tuple[int, int]], height: int
) -> _Reading:
    """A one-line reading with each symbol's left and right ends those of its glyph's ink, and
    each solidus its ink shows (``slashes``, among ``blobs``) as ／. Tesseract's boxes are loose
    (one may span two glyphs, or stand a glyph off), and a gap narrowed or widened by them reads
    as a space lost (負担 B as 負担B) or made; its order is right. So the glyphs of ink (blobs
    side by side in columns: _cells) are matched to the symbols in order (_aligned); a solidus
    matched to a symbol was misread (as プ), one matched to none was dropped and is put back."""
    if len(reading.lines) != 1 or not blobs or not reading.lines[0]:
        return reading
    line, confidences = reading.lines[0], dict(reading.confidences)
    cells = _cells(blobs, slashes)
    scaled = [(round((a + _PAD) * zoom), round((b + _PAD) * zoom)) for a, b in cells]
    owner = _aligned(scaled, [s.box for s in line], height * zoom, [c in slashes for c in cells])
    out: list[_Symbol] = []
    for j, sym in enumerate(line):
        ink = [scaled[k] for k, o in enumerate(owner) if o == j]
        if ink:
            sym = sym._replace(box=(min(a for a, _ in ink), sym.box[1], max(b for _, b in ink), sym.box[3]))
            if len(ink) == 1 and cells[owner.index(j)] in slashes:
                sym = sym._replace(text="／")
        out.append(sym)
    for k, cell in enumerate(cells):
        if cell in slashes and owner[k] is None:
            word = next(_WORDS)
            confidences[word] = _SURE
            left, right = scaled[k]
            at = sum(1 for s in out if s.box[0] + s.box[2] < left + right)
            out.insert(
                at,
                _Symbol("／", (left, min(s.box[1] for s in line), right, max(s.box[3] for s in line)), word),
            )
    return _Reading([out], confidences)


def _missed(
    reading: _Reading, zoom: float, blobs: list[tuple[int, int]], slashes: list[tuple[int, int]], height: int
) -> int:
    """How many glyphs of ink a one-line reading leaves unread (a solidus aside: the model has no
    letter for it), and symbols it reads on no ink: of two readings, the one that misses fewer
    is better, whatever its confidence (read enlarged, 国・府 may lose its ・ and gain in
    confidence)."""
    if len(reading.lines) != 1 or not blobs:
        return len(_cells(blobs, slashes)) if not reading.lines else 0
    cells = _cells(blobs, slashes)
    scaled = [(round((a + _PAD) * zoom), round((b + _PAD) * zoom)) for a, b in cells]
    owner = _aligned(scaled, [s.box for s in reading.lines[0]], height * zoom, [c in slashes for c in cells])
    unread = sum(1 for k, o in enumerate(owner) if o is None and cells[k] not in slashes)
    return unread + sum(1 for j in range(len(reading.lines[0])) if j not in owner)


def _cells(blobs: list[tuple[int, int]], slashes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The columns of a line's glyphs, left to right: blobs whose columns overlap are one glyph
    (the strokes of こ, a dakuten), a solidus stands alone."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(blobs):
        if out and a < out[-1][1] and (a, b) not in slashes and out[-1] not in slashes:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _aligned(
    cells: list[tuple[int, int]], boxes: list[tuple[int, int, int, int]], height: float, dropped: list[bool]
) -> list[int | None]:
    """For each glyph's columns (in reading order), the index of its symbol's box, or None: the
    symbols take the glyphs in order, each one glyph or a few side by side no wider than a glyph
    (川), at the least cost: each glyph's distance to its symbol's box (0 inside; ties: to the
    box's middle: a box may stand a glyph off), a glyph's height for each symbol that takes
    none, and one and a half for each glyph no symbol takes (half for a glyph the model is
    known to drop, ``dropped``: Tesseract rarely drops a glyph, it misplaces boxes)."""
    gap, widest = height, 1.3 * height
    n, m = len(cells), len(boxes)

    def away(k: int, j: int) -> float:
        x, box = (cells[k][0] + cells[k][1]) / 2, boxes[j]
        return max(0.0, box[0] - x, x - box[2]) + 0.01 * abs((box[0] + box[2]) / 2 - x)

    inf = float("inf")
    # cost[k][j + 1]: the least cost of glyphs before k with symbol j the last to take one (0: none)
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    came: list[list[tuple[int, int, bool]]] = [[(-1, -1, False)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for k in range(n):
        before, before_at = inf, -1  # the least cost of a last symbol < j, those between paid
        for j in range(m + 1):
            skip = cost[k][j] + (0.5 if dropped[k] else 1.5) * height
            if skip < cost[k + 1][j]:  # glyph k taken by no symbol
                cost[k + 1][j], came[k + 1][j] = skip, (k, j, False)
            if j == 0:
                before, before_at = cost[k][0], 0
                continue
            span = 0.0
            for end in range(k, n):  # symbol j - 1 takes glyphs k..end
                if end > k and cells[end][1] - cells[k][0] > widest:
                    break
                span += away(end, j - 1)
                if before + span < cost[end + 1][j]:
                    cost[end + 1][j], came[end + 1][j] = before + span, (k, before_at, True)
            if cost[k][j] <= before + gap:
                before, before_at = cost[k][j], j
            else:
                before += gap
    last = min(range(m + 1), key=lambda j: cost[n][j] + gap * (m - j))
    owner: list[int | None] = [None] * n
    k, j = n, last
    while k > 0:
        prev_k, prev_j, took = came[k][j]
        if took:
            for i in range(prev_k, k):
                owner[i] = j - 1
        k, j = prev_k, prev_j
    return owner


def _zoomed(symbol: _Symbol, zoom: float) -> _Symbol:
    """A symbol read at zoom 1 placed in a reading at ``zoom``."""
    if zoom == 1:
        return symbol
    return symbol._replace(box=tuple(round(v * zoom) for v in symbol.box))


def _lines(stats: Any) -> list[tuple[list[int], tuple[int, int, int, int]]]:
    """Blobs of ink (connectedComponentsWithStats rows, label k+1 for row k) grouped into text
    lines: a blob joins a line when it shares half its height (or the line's) with it. Each
    line: its labels and its box (left, top, right, bottom). Specks of noise are left out."""
    order = sorted((int(st[1]), k) for k, st in enumerate(stats) if st[4] >= 3)
    lines: list[tuple[list[int], list[int]]] = []
    for _, k in order:
        x, y, w, h, _area = (int(v) for v in stats[k])
        for members, box in reversed(lines[-3:]):
            overlap = min(box[3], y + h) - max(box[1], y)
            if overlap >= 0.5 * min(h, box[3] - box[1]):
                members.append(k + 1)
                box[:] = [min(box[0], x), min(box[1], y), max(box[2], x + w), max(box[3], y + h)]
                break
        else:
            lines.append(([k + 1], [x, y, x + w, y + h]))
    keep = [(m, b) for m, b in lines if sum(int(stats[k - 1][4]) for k in m) >= 12]
    return [(m, (b[0], b[1], b[2], b[3])) for m, b in sorted(keep, key=lambda mb: (mb[1][1], mb[1][0]))]


def _psm(width: int, height: int) -> int:
    """Tesseract's page segmentation mode for one line's ink: one glyph (a rating letter, a
    mark), one line, or (lines that touch) a block."""
    if height < 0.14 * DPI and width < 1.1 * height:
        return 10
    return 7 if height < 0.2 * DPI else 6


def _close_gaps(glyphs: list[Char], start: int) -> None:
    """Tesseract boxes a glyph by its ink, a text layer by its advance: glyphs on one line are
    made to touch where less than 0.8 glyph apart (a narrow ー or ・, or the gap between two
    of Tesseract's Japanese "words", would otherwise read as a space), but beside a Latin
    letter or digit, whose gap may be a printed space (事業費 A)."""
    for i in range(start, len(glyphs) - 1):
        a, b = glyphs[i], glyphs[i + 1]
        gap = b.x0 - a.x1
        latin = _LATIN.match(a.text[-1]) or _LATIN.match(b.text[0])
        if 0 < gap < 0.8 * a.size and a.top == b.top and not (latin and gap > 0.15 * a.size):
            glyphs[i] = a._replace(x1=b.x0)
