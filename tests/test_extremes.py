"""Layout extremes must build, and nothing may be drawn outside the text block.

Every character's box is read back from the PDF (PDFium) and compared with the page geometry
of the theme: between the text block's left and right edges, and vertically inside the text
block or on the running head's or the folio's own line. A word or address too long for the
measure, a table cell that cannot be split, a paragraph longer than a page would all show up
here as glyphs in the margin.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import yaml

from kennisdag_pdf.finish import finish
from kennisdag_pdf.loader import load
from kennisdag_pdf.profiles import PROFILES
from kennisdag_pdf.render import render
from kennisdag_pdf.theme import PAGE_SIZES

TOLERANCE = 1.0  # points: glyph boxes are measured from the outlines

BASE = {
    "event": {"id": "uitersten", "title": "Uitersten", "date": "2024-05-01", "venue": "Zaal",
              "city": "Utrecht", "language": "nl", "organisers": [{"name": "Gemeente"}]},
    "participants": [{"name": "Anna de Vries", "organisation": "Gemeente Utrecht"}],
    "theses": [{"statement": "Een stelling.", "body": "Een alinea over de stelling."}],
}

WORDS = ("kennisdeling gemeente samenwerking burgerparticipatie verantwoording informatie "
         "klantcontact dienstverlening organisatieontwikkeling").split()


def prose(characters: int, seed: int = 0) -> str:
    out, i = [], seed
    while sum(len(w) + 1 for w in out) < characters:
        out.append(WORDS[i % len(WORDS)])
        i += 7
    return " ".join(out)[:characters - 1].rstrip() + "."


EXTREMES = {
    "thesis-statement-400-characters": {"theses": [
        {"statement": prose(400), "body": "Kort."}]},
    "organisation-300-characters": {"participants": [
        {"name": "Bram Jansen", "organisation": prose(300, 3)}]},
    "two-thousand-participants": {"participants": [
        {"name": f"Deelnemer {n:04d} van Dijk", "organisation": f"Organisatie {n % 97}",
         "role": "adviseur"} for n in range(2000)]},
    "agenda-item-with-40-sub-items": {"agenda": [
        {"title": "Ronde tafel", "items": [f"Onderdeel {n}: {prose(60, n)}" for n in range(40)]}]},
    "paragraph-longer-than-a-page": {"theses": [
        {"statement": "Een lange alinea.", "body": prose(9000, 5)}]},
    "table-cell-as-tall-as-the-format-allows": {"agenda": [
        # 600 characters is the longest plain text the format accepts (model.PLAIN_MAX): the
        # tallest possible agenda cell. Table rows may split (splitInRow) if one ever grows
        # taller than a page.
        {"title": prose(600, 2), "items": [prose(600, k) for k in range(6)]}]},
    "no-theses": {"theses": []},
    "three-organisers-with-names-of-250-characters": {"event": {
        **BASE["event"], "organisers": [{"name": prose(250, n)} for n in range(3)]}},
    "contents-longer-than-a-page-of-long-entries": {"theses": [
        # Contents entries of 600 characters, a page and a half of them: entries and headings
        # move on whole to the next page, never split.
        {"statement": prose(600, n), "body": "Kort."} for n in range(20)]},
    "url-of-500-characters": {"event": {
        **BASE["event"], "photos_url": "https://example.org/" + "fotos/" * 80},
        "photos_note": "De foto's van de dag staan online.",
        "closing": "Alle foto's: [het album](https://example.org/" + "album/" * 80 + ")."},
    "word-longer-than-the-measure": {"theses": [
        {"statement": "Een woord zonder einde.", "body": "x" * 400 + " en verder."}]},
}


def _event(tmp_path, changes: dict):
    data = {**BASE, **changes}
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load(path)


def _glyphs_outside(pdf: bytes, page_size: str) -> list[str]:
    geometry = PAGE_SIZES[page_size][0]
    head_y = geometry.height - geometry.top + geometry.head_offset
    folio_y = geometry.bottom - geometry.foot_offset
    bottom, top = geometry.bottom, geometry.height - geometry.top
    problems = []
    document = pdfium.PdfDocument(pdf)
    try:
        last = len(document) - 1
        for number in range(len(document)):
            # The back cover is a left-hand page of the booklet, whatever its number.
            right_hand = (number + 1) % 2 == 1 and number != last
            left = geometry.left_margin(right_hand)
            right = left + geometry.text_width
            text_page = document[number].get_textpage()
            for index in range(text_page.count_chars()):
                char = text_page.get_text_range(index, 1)
                if not char.strip():
                    continue
                x0, y0, x1, y1 = text_page.get_charbox(index)
                line = (y0 + y1) / 2
                in_block = bottom - TOLERANCE <= y0 and y1 <= top + TOLERANCE
                on_furniture = abs(line - head_y) < 8 or abs(line - folio_y) < 8
                if not (left - TOLERANCE <= x0 and x1 <= right + TOLERANCE) or not (
                        in_block or on_furniture):
                    problems.append(f"page {number + 1}: {char!r} at ({x0:.0f}, {y0:.0f})–"
                                    f"({x1:.0f}, {y1:.0f}), block x {left:.0f}–{right:.0f}, "
                                    f"y {bottom:.0f}–{top:.0f}")
            text_page.close()
    finally:
        document.close()
    return problems


@pytest.mark.parametrize("profile", ["screen", "print"])
@pytest.mark.parametrize("name", sorted(EXTREMES))
def test_an_extreme_builds_and_stays_inside_the_text_block(tmp_path, name, profile):
    loaded = _event(tmp_path, EXTREMES[name])
    rendered = render(loaded, PROFILES[profile], "a5")
    finished = finish(rendered, loaded, name="x.pdf", size_budget=50 * 1024 * 1024)
    assert rendered.pages >= 3
    if profile == "print":
        return  # same layout, offset by the marks' border: the screen file is measured
    outside = _glyphs_outside(finished.pdf, "a5")
    assert outside == [], "\n".join(outside[:10])


def test_the_glyph_check_sees_text_in_the_margin():
    """The check itself can fail: text drawn in the outer margin is reported."""
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    from kennisdag_pdf import fonts

    fonts.register()
    geometry = PAGE_SIZES["a5"][0]
    out = BytesIO()
    canvas = Canvas(out, pagesize=(geometry.width, geometry.height))
    canvas.setFont(fonts.SERIF.regular.name, 10)
    canvas.drawString(geometry.left_margin(True) + 20, 300, "binnen")
    canvas.drawString(geometry.width - 8, 300, "buiten")
    canvas.showPage()
    canvas.save()
    outside = _glyphs_outside(out.getvalue(), "a5")
    assert "".join(line.split("'")[1] for line in outside) == "buiten"
