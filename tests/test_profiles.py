"""The profile table: one row per product, and the size syntax of --max-size."""

from __future__ import annotations

import subprocess
import sys

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


def test_screen_and_archive_must_be_accessible_print_is_advised():
    """The mailed and the archived file claim PDF/UA-1; a print file is tagged too, but its
    gatekeeper is the print shop, so `check` only warns of its tags."""
    assert {name: p.accessibility for name, p in PROFILES.items()} == {
        "screen": "required", "print": "advised", "archive": "required"}


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


# What `mail --status`, option parsing and the size syntax need must not load the typesetter,
# the model or the YAML parser: that is most of a start-up's time.
LIGHT = ("kennisdag_pdf.units", "kennisdag_pdf.paper", "kennisdag_pdf.profiles",
         "kennisdag_pdf.reading", "kennisdag_pdf.sourcemap", "kennisdag_pdf.mail.inputs",
         "kennisdag_pdf.mail.journal")


@pytest.mark.parametrize("module", LIGHT)
def test_light_modules_import_without_reportlab_pydantic_or_yaml(module):
    heavy = ("reportlab", "pydantic", "yaml", "kennisdag_pdf.loader", "kennisdag_pdf.theme")
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {module}; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert [name for name in loaded if name.split(".")[0] in heavy or name in heavy] == []


def test_the_paper_sizes_are_reportlabs_to_the_last_bit():
    from reportlab.lib.pagesizes import A4, A5
    from reportlab.lib.units import mm

    from kennisdag_pdf.paper import TRIM_SIZES
    from kennisdag_pdf.theme import PAGE_SIZES
    from kennisdag_pdf.units import MM

    assert MM == mm
    assert TRIM_SIZES == {"a5": A5, "a4": A4}
    assert list(PAGE_SIZES) == list(TRIM_SIZES)
