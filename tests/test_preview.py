"""`kennisdag-pdf preview`: PNG pages of the expected number and size, and a contact sheet."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest
from PIL import Image

from conftest import DATA
from kennisdag_pdf.errors import BadInput
from kennisdag_pdf.preview import contact_sheet, page_count, parse_pages, write_preview

CLI = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]


@pytest.mark.parametrize("text, pages", [(None, [1, 2, 3, 4, 5]), ("1-4", [1, 2, 3, 4]),
                                         ("3", [3]), ("2,4-5", [2, 4, 5]), ("4-", [4, 5]),
                                         ("1-9", [1, 2, 3, 4, 5]), ("2,2,1", [2, 1])])
def test_page_ranges(text, pages):
    assert parse_pages(text, 5) == pages


@pytest.mark.parametrize("text", ["0", "6", "4-2", "a-b", "1;2", "-3"])
def test_bad_page_ranges(text):
    with pytest.raises(BadInput, match="--pages"):
        parse_pages(text, 5)


def test_preview_writes_one_png_per_page_at_the_asked_resolution(brochure_2011, tmp_path):
    shown = write_preview(brochure_2011.pdf, tmp_path / "p", slug="k", pages="2-4", dpi=50)
    assert [p.name for p in shown.pages] == ["k-p002.png", "k-p003.png", "k-p004.png"]
    for path in shown.pages:
        with Image.open(path) as image:  # A5 at 50 dpi (PDFium rounds up)
            assert image.size == (math.ceil(148 / 25.4 * 50), math.ceil(210 / 25.4 * 50))
    with Image.open(shown.sheet) as sheet:
        assert sheet.width > 3 * 150 and sheet.height > 200


def test_contact_sheet_has_a_cell_per_page():
    pages = [Image.new("RGB", (100, 141), (255, 255, 255)) for _ in range(8)]
    sheet = contact_sheet(pages)
    # six per row: two rows
    assert sheet.width == 12 + 6 * (180 + 12)
    assert sheet.height == 12 + 2 * (254 + 12)
    assert sheet.getpixel((12 + 5, 12 + 5)) == (255, 255, 255)
    assert sheet.getpixel((5, 5)) != (255, 255, 255)


def test_preview_command_print_profile(tmp_path):
    done = subprocess.run([*CLI, "preview", str(DATA / "example-en.yaml"), "--profile", "print",
                           "--dpi", "30"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    folder = tmp_path / "output" / "preview" / "open-data-2024-print"
    pngs = sorted(p for p in folder.glob("*.png") if re.search(r"-p\d{3}\.png$", p.name))
    assert len(pngs) == len(lines) - 1 == 12
    assert re.search(r"contact sheet of 12 pages, \d+ × \d+ px each", lines[-1])
    with Image.open(pngs[0]) as first:  # print pages carry bleed and the marks' border
        assert first.width == math.ceil((148 + 24) / 25.4 * 30)


def test_a_full_preview_removes_pages_that_no_longer_exist(brochure_en, tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    for name in ("k-p040.png", "k-p002.png", "notes.png", "other-p040.png"):
        (folder / name).write_bytes(b"old")
    partial = write_preview(brochure_en.pdf, folder, slug="k", pages="1", dpi=20)
    assert (folder / "k-p040.png").exists()  # a partial preview leaves the rest alone
    full = write_preview(brochure_en.pdf, folder, slug="k", dpi=20)
    assert not (folder / "k-p040.png").exists()
    assert (folder / "k-p002.png").read_bytes() != b"old"
    assert (folder / "notes.png").exists() and (folder / "other-p040.png").exists()
    assert len(full.pages) == page_count(brochure_en.pdf) > 2 and len(partial.pages) == 1


def test_a_preview_holds_one_page_image_at_a_time(brochure_en, tmp_path, monkeypatch):
    """Memory must not grow with the page count: each page is written as it is rendered and
    only its thumbnail stays (1,386 pages at 150 dpi once took more than 6 GB)."""
    import weakref

    from kennisdag_pdf import preview

    given: list[weakref.ref] = []
    most = []
    real = preview.rendered

    def watched(*args, **kwargs):
        for number, image in real(*args, **kwargs):
            most.append(sum(ref() is not None for ref in given))
            given.append(weakref.ref(image))
            del image
            yield number, given[-1]()

    monkeypatch.setattr(preview, "rendered", watched)
    shown = write_preview(brochure_en.pdf, tmp_path / "p", slug="k", dpi=20)
    # the last page was gone before the next
    assert len(shown.pages) == page_count(brochure_en.pdf) > 2 and max(most) == 0


def test_the_contact_sheet_of_a_long_event_stays_within_its_pixels():
    from kennisdag_pdf.preview import SHEET_MAX_PIXELS, ContactSheet

    a4 = (595.0, 842.0)
    short, long = ContactSheet([a4] * 12), ContactSheet([a4] * 1400)
    assert short.thumb_width == 180  # a brochure of ordinary length keeps full thumbnails
    assert long.sheet.width * long.sheet.height <= SHEET_MAX_PIXELS
    assert 24 <= long.thumb_width < 180
    page = Image.new("RGB", (60, 85), (255, 255, 255))
    for _ in range(1400):
        long.add(page)
    last = long.placed - 1
    x = 12 + (last % 6) * long.cell_w
    y = 12 + (last // 6) * long.cell_h
    assert long.sheet.getpixel((x + 2, y + 2)) == (255, 255, 255)  # the last page is on it


def test_preview_into_a_folder_of_ones_own_names_the_pages_after_the_event(tmp_path):
    """-o names the folder, not the files: they keep the event's id, as in the default
    folder, so that two events' pages never share a name."""
    from inprocess import run_in_process

    done = run_in_process(["preview", DATA / "kennisdag-2011.yaml", "-o", tmp_path / "look",
                           "--pages", "1", "--dpi", "20"])
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "look").iterdir()) == [
        "kennisdag-2011-contact-sheet.png", "kennisdag-2011-p001.png"]
    assert done.stdout.splitlines()[0] == str(tmp_path / "look" / "kennisdag-2011-p001.png")
