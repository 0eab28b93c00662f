"""The finished PDF as a print shop and a reader's software see it: fonts, outline, metadata,
links, page furniture, hyphenation and reproducibility."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys

import pikepdf
import pyphen
import pytest
from conftest import text_blocks, DATA, ROOT, page_texts, squash

STANDARD_14 = {"Courier", "Helvetica", "Times", "Symbol", "ZapfDingbats"}


def all_fonts(pdf: pikepdf.Pdf):
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
            yield obj


def test_every_font_is_embedded_truetype(brochure_2011, brochure_en):
    for built in (brochure_2011, brochure_en):
        with pikepdf.open(built.path) as pdf:
            fonts = list(all_fonts(pdf))
            assert len(fonts) >= 3
            for font in fonts:
                base = str(font.get("/BaseFont", ""))
                assert not any(base.lstrip("/").startswith(name) for name in STANDARD_14), base
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font.DescendantFonts[0].FontDescriptor
                assert descriptor is not None, f"{base} has no descriptor"
                assert "/FontFile2" in descriptor, f"{base} is not embedded"


def test_bold_and_italic_faces_are_used_when_markup_asks(brochure_en):
    """The English example has *emphasis* and **strong** in body text."""
    with pikepdf.open(brochure_en.path) as pdf:
        names = {str(f.BaseFont) for f in all_fonts(pdf)}
    assert any("CharisSIL-Italic" in n for n in names)
    assert any("CharisSIL-Bold" in n for n in names)


def outline_tree(pdf: pikepdf.Pdf) -> list[tuple[int, str]]:
    out = []

    def walk(items, level):
        for item in items:
            out.append((level, item.title))
            walk(item.children, level + 1)

    with pdf.open_outline() as outline:
        walk(outline.root, 0)
    return out


def test_outline_mirrors_the_parts_and_every_thesis(brochure_2011):
    day = brochure_2011.loaded.day
    with pikepdf.open(brochure_2011.path) as pdf:
        tree = outline_tree(pdf)
    top = [title for level, title in tree if level == 0]
    assert top == ["Inhoud", "Opening", "Deelnemers", day.chapters[0].title, "Stellingen",
                   "Stellingen niet behandeld", "Conclusies", "Slotwoord", "Colofon"]
    theses = [title for level, title in tree if level == 1 and title.startswith("Stelling ")]
    assert theses == [f"Stelling {n}: {t.statement}" for n, t in enumerate(day.theses, 1)]


def test_contents_lines_link_to_their_pages(brochure_2011):
    with pikepdf.open(brochure_2011.path) as pdf:
        contents_page = pdf.pages[1]
        links = [a for a in contents_page.get("/Annots", []) if a.Subtype == "/Link"]
        with pdf.open_outline() as outline:
            # every entry but the contents' own, in reading order
            entries = [item for top in outline.root[1:] for item in (top, *top.children)]
            heading_pages = [pdf.pages.index(item.destination[0]) for item in entries]
        link_pages = [pdf.pages.index(link.Dest[0]) for link in links]
        rects = [[float(v) for v in link.Rect] for link in links]
    # One link per entry (parts, sections, theses), to the page its heading is on, over the
    # whole entry: title lines and page number, none overlapping the next.
    assert link_pages == heading_pages
    width = float(contents_page.mediabox[2])
    for (left, bottom, right, top), below in zip(rects, rects[1:] + [None]):
        assert right - left > width * 0.6 and top - bottom >= 10
        assert below is None or below[3] <= bottom
    text = page_texts(brochure_2011.pdf)[1]
    for title in ("Opening", "Deelnemers", "Conclusies", "Colofon"):
        assert re.search(rf"{title}\s+\d+", text), title


def test_metadata(brochure_2011):
    event = brochure_2011.loaded.day.event
    with pikepdf.open(brochure_2011.path) as pdf:
        info = pdf.docinfo
        assert str(info.Title) == event.title
        assert str(info.Subject) == event.subtitle
        assert str(info.Author) == "Mediaan Automatisering en ICTloket.nl"
        assert "kennisdag" in str(info.Keywords)
        assert str(info.Creator).startswith("kennisdag-pdf ")
        assert str(pdf.Root.Lang) == "nl-NL"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
        # the build date: the event's day unless SOURCE_DATE_EPOCH says otherwise
        assert str(info.CreationDate).startswith("D:20110407")


def test_page_count_and_folios(brochure_2011, brochure_en):
    with pikepdf.open(brochure_2011.path) as pdf:
        pages = len(pdf.pages)
        assert pages == brochure_2011.result.pages
        assert 14 <= pages <= 24  # an A5 booklet of the 2011 report
    texts = page_texts(brochure_2011.pdf)
    assert "pagina" not in texts[0]  # the cover carries no folio
    assert "pagina" not in texts[-1]  # nor the back cover
    for number in range(2, pages):
        assert f"pagina {number} van {pages}" in texts[number - 1]
    en = page_texts(brochure_en.pdf)
    assert f"page 3 of {len(en)}" in en[2]


def test_running_heads_name_the_part(brochure_2011):
    texts = page_texts(brochure_2011.pdf)
    # Pages that open a part carry no running head; a thesis' second page would carry its label.
    for text in texts[2:-1]:
        first_line = text.splitlines()[0]
        assert not first_line.startswith(("Inhoud", "pagina"))


def test_no_heading_is_left_alone_at_the_foot_of_a_page(brochure_2011, brochure_en):
    for built in (brochure_2011, brochure_en):
        with pikepdf.open(built.path) as pdf:
            tree = outline_tree(pdf)
        for page_text in text_blocks(built.pdf):
            lines = [l for l in page_text.splitlines() if l.strip()]
            if lines:
                assert lines[-1] not in {title for _, title in tree}, lines[-1]


def test_dutch_hyphenation_is_applied_and_correct(brochure_2011):
    """Words broken at a line end are broken where the Dutch dictionary allows it."""
    from kennisdag_pdf.compose import _names
    from kennisdag_pdf.hyphenation import Hyphenator

    dic = pyphen.Pyphen(lang="nl_NL")
    known = Hyphenator("nl_NL")
    known.keep_whole(_names(brochure_2011.loaded))
    text = "\n".join(page_texts(brochure_2011.pdf)).replace("\x02", "\ufffe")
    breaks = re.findall(r"(\w+)\ufffe\s*(\w+)", text)
    assert len(breaks) >= 10, "hyphenation seems to be off"
    source = brochure_2011.loaded.source_bytes.decode("utf-8")
    for left, right in breaks:
        if f"{left}-{right}" in source:  # a break at a hard hyphen (T-Mobile) is always fine
            continue
        word = left + right
        # A capitalised word breaks only when it is a common word, never a name of the data
        # (issue 18: 'Ge-bakken lucht' at a sentence's start, never 'Eur-lings').
        assert not left[0].isupper() or known.common_word(word), \
            f"a name was hyphenated: {left}-{right}"
        allowed = {len(h) for h, _ in dic.iterate(word)}
        assert len(left) in allowed, f"{left}-{right} is not a Dutch hyphenation point"


def test_names_and_headings_are_not_hyphenated(brochure_2011):
    texts = page_texts(brochure_2011.pdf)
    lines = "\n".join(texts[3:6]).splitlines()  # the participants' pages
    for person in brochure_2011.loaded.day.participants:
        # whole and unbroken at the start of its table row
        assert any(line.startswith(person.name + " ") for line in lines), person.name
    # (a line read from the page ends in the space that keeps words apart when it is read)
    headings = {line.strip() for line in "\n".join(texts).splitlines()}
    for thesis in range(1, 8):
        assert f"Stelling {thesis}" in headings


def test_typographic_characters_survive(brochure_2011):
    text = "".join(page_texts(brochure_2011.pdf))
    for ch in "‘’éëïè":
        assert ch in text, ch
    assert "’t Hek" in text


def test_user_text_that_looks_like_markup_prints_literally(tmp_path):
    from conftest import build_to  # noqa: F401  (same fixture machinery)
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.render import render

    source = (DATA / "example-en.yaml").read_text(encoding="utf-8")
    source = source.replace("title: Open data in local government\n",
                            "title: '<b>Fish & Chips</b> <font color=\"red\">'\n", 1)
    assert "<b>Fish" in source
    path = tmp_path / "event.yaml"
    path.write_text(source, encoding="utf-8")
    for asset in (DATA / "assets").iterdir():
        (tmp_path / "assets").mkdir(exist_ok=True)
        (tmp_path / "assets" / asset.name).write_bytes(asset.read_bytes())
    pdf = render(load(path)).pdf
    assert squash('<b>Fish & Chips</b> <font color="red">') in squash(page_texts(pdf)[0])


def _build_in_subprocess(tmp_path, name: str, seed: str) -> bytes:
    target = tmp_path / name
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("SOURCE_DATE_EPOCH", None)
    subprocess.run([sys.executable, "-c", "from kennisdag_pdf.cli import main; main()",
                    "build", str(DATA / "kennisdag-2011.yaml"), "-o", str(target)],
                   check=True, env=env, capture_output=True, cwd=ROOT)
    return target.read_bytes()


def test_two_builds_are_byte_identical(tmp_path, brochure_2011):
    first = _build_in_subprocess(tmp_path, "a.pdf", "1")
    second = _build_in_subprocess(tmp_path, "b.pdf", "2")
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert first == brochure_2011.pdf


def test_source_date_epoch_sets_the_build_date(tmp_path, monkeypatch):
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.render import render

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 14 November 2023
    pdf = render(load(DATA / "kennisdag-2011.yaml")).pdf
    with pikepdf.open(__import__("io").BytesIO(pdf)) as doc:
        assert str(doc.docinfo.CreationDate).startswith("D:20231114")
    assert "Versie van 14 november 2023, opgemaakt met" in " ".join(page_texts(pdf)[-1].split())


def test_reportlab_is_configured_safely(brochure_2011):
    from reportlab import rl_config

    assert rl_config.trustedSchemes == []
    assert rl_config.trustedHosts is None
    assert rl_config.toColorCanUse == "rl_extended_literal_eval"
    assert rl_config.invariant == 1


@pytest.mark.parametrize("name", ["kennisdag-2011.yaml", "example-en.yaml"])
def test_the_pdf_is_structurally_sound(brochure_2011, brochure_en, name):
    built = brochure_2011 if name.startswith("kennisdag") else brochure_en
    with pikepdf.open(built.path) as pdf:
        problems = pdf.check_pdf_syntax()
    assert problems == []
