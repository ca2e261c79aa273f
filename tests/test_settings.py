"""ExtractSettings checks each value before page 1, in one line naming the field."""

from __future__ import annotations

import pytest

from extract.settings import ExtractSettings


def test_numbers_within_their_bounds_are_taken_as_their_kind() -> None:
    settings = ExtractSettings(snap_tolerance=2, layouts=["mine"], max_pages=5)
    assert (settings.snap_tolerance, type(settings.snap_tolerance)) == (2.0, float)
    assert settings.layouts == ("mine",) and settings.max_pages == 5


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"snap_tolerance": 21}, "snap_tolerance: a number of points from 0 to 20, not 21"),
        ({"join_tolerance": -1}, "join_tolerance: a number of points from 0 to 20, not -1"),
        ({"min_edge_length": "3"}, "min_edge_length: a number of points from 0, not '3'"),
        ({"max_pages": 2.5}, "max_pages: a whole number from 1, not 2.5"),
        ({"max_file_bytes": 0}, "max_file_bytes: a whole number from 1, not 0"),
        ({"max_objects_per_page": True}, "max_objects_per_page: a whole number from 1, not True"),
        ({"reader": "pdfminer"}, "reader: one of pdfium, pdfplumber, not 'pdfminer'"),
        ({"layout": ""}, "layout: a non-empty name or file, not ''"),
        ({"layouts": ("a", 1)}, "layouts: folder names, not ('a', 1)"),
    ],
)
def test_a_value_out_of_bounds_is_one_line(values: dict, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        ExtractSettings(**values)
    assert str(caught.value) == message
