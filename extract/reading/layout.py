"""Find and load layout files: the built-in ones (extract/layouts/) and a user's folder.

A layout is known by the ``name`` its file gives it (``koganei-welfare``), everywhere: in
``--layout``, the database and its views; the file's name (without .toml) is accepted as an
alias, and a layout may be given as the path of its TOML file. A user's ``layouts/`` folder
(next to ``raw/``, or ``--layouts DIR``) is read besides the built-in ones, and a user's
layout of a built-in layout's name replaces it.
"""

from __future__ import annotations

import hashlib
import tomllib
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from extract.manifest import BUILTIN_LAYOUTS, layout_files
from extract.reading import patterns as lp
from extract.reading.normalise import squash
from schemas.form import FormLayout
from schemas.layout import MAX_LAYOUT_BYTES, RowLayout

BUILTIN_DIR = BUILTIN_LAYOUTS
Layout = RowLayout | FormLayout
_DIGESTS: dict[int, str] = {}  # id of a loaded layout -> SHA-256 of its file's bytes


class LayoutError(ValueError):
    """A layout that cannot be found or does not validate: one line for the user."""


def available_layouts(extra: tuple[Path, ...] = ()) -> list[str]:
    """The layouts' names (as their files give them)."""
    return sorted(layout_files(extra).by_name)


def layout_digest(layout: Layout) -> str | None:
    """SHA-256 of the file the layout was loaded from: a report read with it keeps it."""
    return _DIGESTS.get(id(layout))


@cache
def _load_file(path: Path) -> Layout:
    try:
        if (size := path.stat().st_size) > MAX_LAYOUT_BYTES:
            raise LayoutError(f"{path.name}: {size} bytes, a layout file is at most {MAX_LAYOUT_BYTES}")
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayoutError(f"{path}: cannot read the layout ({exc})") from None
    except RecursionError:  # arrays or inline tables thousands deep
        raise LayoutError(f"{path.name}: cannot read the layout (nested too deep)") from None
    try:
        model = FormLayout if data.get("kind") == "form" else RowLayout
        layout = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LayoutError(f"{path.name}: invalid layout at {where}: {first['msg']}") from None
    _DIGESTS[id(layout)] = hashlib.sha256(raw).hexdigest()
    return layout


def load_layout(name: str, extra: tuple[Path, ...] = ()) -> Layout:
    """A layout by its name (built-in or in a user's folder), the name of its file as an
    alias, or the path of its file."""
    path = Path(name)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise LayoutError(f"{name}: no such layout file")
        return _load_file(path.resolve())
    files = layout_files(extra)
    name = name if name in files.by_name else files.stems.get(name, name)
    if name not in files.by_name:
        raise LayoutError(f"unknown layout {name!r} (available: {', '.join(sorted(files.by_name))})")
    _refuse_clashes(files.clashes, [name])
    return _load_file(files.by_name[name])


def all_layouts(extra: tuple[Path, ...] = ()) -> list[Layout]:
    """Every layout once; two files giving the same name would mix their rows in one view."""
    files = layout_files(extra)
    _refuse_clashes(files.clashes, list(files.clashes))
    layouts = [_load_file(p) for p in files.by_name.values()]
    names = [lay.name for lay in layouts]  # a name the quick scan could not read
    _refuse_clashes({n: [] for n in names if names.count(n) > 1}, names)
    return layouts


def _refuse_clashes(clashes: dict[str, list[Path]], names: list[str]) -> None:
    if twice := sorted({n for n in names if n in clashes}):
        files = sorted({p.name for n in twice for p in clashes[n]})
        where = f" ({', '.join(files)})" if files else ""
        raise LayoutError(
            f"two layout files are named {', '.join(twice)}{where}: give each layout its own name"
        )


def pattern_field(layout: Layout, pattern: str) -> str | None:
    """Where in the layout file ``pattern`` is written (``detect.all[1]``), for a message."""

    def walk(value: object, where: str) -> str | None:
        if value == pattern:
            return where
        items = (
            value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        )
        for key, inner in items:
            found = walk(inner, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]")
            if found:
                return found
        return None

    found = walk(layout.model_dump(), "")
    return found.lstrip(".") if found else None


def detects(layout: Layout, text: str) -> bool:
    """The layout's detect rule: every pattern found in the page's text (whitespace removed)."""
    return detects_words(layout, squash(text))


def detects_words(layout: Layout, words: str) -> bool:
    """``detects`` of a text already squashed (once for all the layouts a page is looked at by)."""
    return all(lp.search(p, words) for p in layout.detect.all)
