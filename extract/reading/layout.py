"""Find and load layout files: the built-in ones (extract/layouts/) and a user's folder.

A layout is named (``koganei-welfare``) or given as a path to its TOML file. A user's
``layouts/`` folder (next to ``raw/``, or ``--layouts DIR``) is read besides the built-in
ones, and a user's file of the same name wins.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from extract.reading import patterns as lp
from extract.reading.normalise import squash
from schemas.form import FormLayout
from schemas.layout import MAX_LAYOUT_BYTES, RowLayout

BUILTIN_DIR = Path(__file__).parent.parent / "layouts"
Layout = RowLayout | FormLayout


class LayoutError(ValueError):
    """A layout that cannot be found or does not validate: one line for the user."""


def _files(extra: tuple[Path, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in (BUILTIN_DIR, *extra):
        if folder.is_dir():
            found.update({p.stem: p for p in sorted(folder.glob("*.toml"))})
    return found


def available_layouts(extra: tuple[Path, ...] = ()) -> list[str]:
    return sorted(_files(extra))


@cache
def _load_file(path: Path) -> Layout:
    try:
        if (size := path.stat().st_size) > MAX_LAYOUT_BYTES:
            raise LayoutError(f"{path.name}: {size} bytes, a layout file is at most {MAX_LAYOUT_BYTES}")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayoutError(f"{path}: cannot read the layout ({exc})") from None
    except RecursionError:  # arrays or inline tables thousands deep
        raise LayoutError(f"{path.name}: cannot read the layout (nested too deep)") from None
    try:
        model = FormLayout if data.get("kind") == "form" else RowLayout
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LayoutError(f"{path.name}: invalid layout at {where}: {first['msg']}") from None


def load_layout(name: str, extra: tuple[Path, ...] = ()) -> Layout:
    """A layout by name (built-in or in a user's folder) or by the path of its file."""
    path = Path(name)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise LayoutError(f"{name}: no such layout file")
        return _load_file(path.resolve())
    files = _files(extra)
    if name not in files:
        raise LayoutError(f"unknown layout {name!r} (available: {', '.join(sorted(files))})")
    return _load_file(files[name])


def all_layouts(extra: tuple[Path, ...] = ()) -> list[Layout]:
    """Every layout once; two files giving the same name would mix their rows in one view."""
    layouts = [_load_file(p) for p in _files(extra).values()]
    names = [lay.name for lay in layouts]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise LayoutError(f"two layout files are named {', '.join(twice)}: give each layout its own name")
    return layouts


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
    words = squash(text)
    return all(lp.search(p, words) for p in layout.detect.all)
