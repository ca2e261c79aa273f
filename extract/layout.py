"""Load a layout description (extract/layouts/NAME.toml) into a validated Layout."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from schemas.layout import Layout

LAYOUT_DIR = Path(__file__).parent / "layouts"


def available_layouts() -> list[str]:
    return sorted(p.stem for p in LAYOUT_DIR.glob("*.toml"))


@cache
def load_layout(name: str) -> Layout:
    path = LAYOUT_DIR / f"{name}.toml"
    if not path.is_file():
        raise ValueError(f"unknown layout {name!r} (available: {', '.join(available_layouts())})")
    return Layout.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
