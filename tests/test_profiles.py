"""The profile table: one row per product, and the size syntax of --max-size."""

from __future__ import annotations

import pytest

from kennisdag_pdf.profiles import MB, PROFILES, parse_size
from kennisdag_pdf.theme import MARKS


def test_print_and_screen_differ_where_paper_and_screen_differ():
    press, screen = PROFILES["print"], PROFILES["screen"]
    assert (press.colour_space, screen.colour_space) == ("cmyk", "rgb")
    assert press.bleed == MARKS.bleed and screen.bleed == 0
    assert press.page_multiple == 4 and screen.page_multiple == 1
    assert press.printed_links and not screen.printed_links
    assert screen.size_budget == 2 * MB and press.size_budget is None
    assert screen.image_dpi == 150


def test_default_output_names():
    assert PROFILES["screen"].output_name("kennisdag-2011") == "kennisdag-2011.pdf"
    assert PROFILES["print"].output_name("kennisdag-2011") == "kennisdag-2011-print.pdf"


@pytest.mark.parametrize("text, size", [("2MB", 2 * MB), ("500kB", 500 * 1024),
                                        ("1.5 MB", int(1.5 * MB)), ("800000", 800000),
                                        ("3m", 3 * MB)])
def test_sizes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "two MB", "-1MB", "0", "2GB", "2 M B x"])
def test_bad_sizes(text):
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)
