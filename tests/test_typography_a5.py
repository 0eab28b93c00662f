"""Typography on A5 (issue 18): word gaps of justified lines, names kept whole, capitalised
common words hyphenated.

The gaps are read from the layout itself: every justified paragraph of the built brochure,
broken into lines at the width the frame gave it (ReportLab's blPara: each line's words and
the extra space justification spreads over its gaps). The PDF's text positions would say the
same, less directly: ReportLab draws each line with a word spacing (Tw) that is exactly
extraSpace / gaps, and reading it back needs a content-stream parser that this measure does
not otherwise need.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyphen
import pytest
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from kennisdag_pdf import compose as compose_module
from kennisdag_pdf.hyphenation import Hyphenator
from kennisdag_pdf.loader import load
from kennisdag_pdf.render import render

from conftest import page_texts

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "authoring-cases"  # the organisers' own files
FILES = {
    "2011": ROOT / "data" / "kennisdag-2011.yaml",
    "en": ROOT / "data" / "example-en.yaml",
    "waterdag": CASES / "waterdag" / "event.yaml",
    "stress": CASES / "stress" / "event.yaml",
}
WIDEST = 0.6  # em: the widest word gap a justified line may have where a word could break
MIN_WORD = 6  # theme: hyphenationMinWordLength
_LEADING = re.compile("^['\"([{\u00bf\u2018\u201a\u201c\u201e]+")
_TRAILING = re.compile("[]'\")}?!.,;:\u2019\u201b\u201d\u201f]+$")
_PATTERNS = {code: pyphen.Pyphen(lang=code) for code in ("nl_NL", "en_GB")}


class Names(frozenset):
    """The words of the event's names, folded, with the event's hyphenation language."""

    language: str
    oracle: Hyphenator


def names_of(path: Path, language: str) -> Names:
    words = Names(word.casefold() for name in compose_module._names(load(path))
                  for word in re.split(r"[^\w']+", name) if word)
    words.language = language
    words.oracle = Hyphenator(language)
    words.oracle.keep_whole(words)
    return words


def _old_rule(self, word):
    """Before issue 18: a capitalised word broke only at its own hyphen."""
    if word[:1].isupper():
        return [(word[:i + 1], word[i + 1:]) for i in range(len(word) - 2, 0, -1)
                if word[i] == "-"]
    return self._dictionary.iterate(word)


def laid_out(path: Path):
    """Build the A5 screen brochure and return its story and the hyphenator it used."""
    seen = {}
    original = compose_module.compose

    def capture(loaded, ctx):
        story = original(loaded, ctx)
        seen["story"], seen["hyphenator"] = list(story), ctx.theme.hyphenator  # layout eats it
        return story

    compose_module.compose = capture
    try:
        rendered = render(load(path))
    finally:
        compose_module.compose = original
    return rendered, seen["story"], seen["hyphenator"]


def _paragraphs(flowables):
    for flowable in flowables:
        if isinstance(flowable, Paragraph):
            yield flowable
        for name in ("_flowables", "_content", "_cellvalues"):
            inner = getattr(flowable, name, None)
            if isinstance(inner, (list, tuple)):
                yield from _paragraphs(_flat(inner))


def _flat(items):
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def _lines(para):
    """(extra space, gaps, first word of the line, its font, its size) per line."""
    if not hasattr(para, "blPara"):
        para.wrap(para._wrapped_at, 1e6)  # split() dropped them: the same width, the same lines
    style = para.style
    out = []
    for line in para.blPara.lines:
        if para.blPara.kind == 0:
            extra, words = line
            text = " ".join(words).split()
            out.append((extra, len(words) - 1, text[0] if text else "", style.fontName,
                        style.fontSize))
        else:
            text = "".join(f.text for f in line.words if hasattr(f, "text")).split()
            first = next((f for f in line.words if getattr(f, "text", "").strip()), None)
            out.append((line.extraSpace, line.wordCount - 1, text[0] if text else "",
                        getattr(first, "fontName", style.fontName),
                        getattr(first, "fontSize", style.fontSize)))
    return out


def _could_break(word, room, font, size, names) -> bool:
    """Would a head of the word, with its hyphen, have fitted the room the line had left? At a
    point of the language's patterns, in any word but a name: of the event, or capitalised
    and not a common word of the language (Hyphenator.common_word, asked here whatever rule
    the build ran with)."""
    word = _TRAILING.sub("", _LEADING.sub("", word))
    if len(word) < MIN_WORD or not word.isalpha() or word.casefold() in names:
        return False
    if word[:1].isupper() and not names.oracle.common_word(word):
        return False  # a name: it has no point to break at
    space = stringWidth(" ", font, size)
    return any(stringWidth(head + "-", font, size) + space <= room
               for head, _ in _PATTERNS[names.language].iterate(word))


def word_gaps(story, names):
    """Each justified line but a paragraph's last: (gap in em, could a word have broken)."""
    gaps = []
    for para in dict.fromkeys(_paragraphs(story)):
        if para.style.alignment != TA_JUSTIFY or not hasattr(para, "_wrapped_at"):
            continue
        lines = _lines(para)
        for (extra, count, _, font, size), following in zip(lines, lines[1:]):
            if count < 1:
                continue
            gap = (stringWidth(" ", font, size) + extra / count) / size
            gaps.append((gap, _could_break(following[2], extra, following[3], following[4],
                                           names), following[2]))
    return gaps


def summary(gaps):
    wide = [g for g in gaps if g[0] > WIDEST]
    return {"lines": len(gaps), "widest": round(max(g[0] for g in gaps), 2),
            "over": len(wide), "over_with_point": [g[2] for g in wide if g[1]]}


@pytest.fixture(scope="module")
def measured():
    return {name: laid_out(path) for name, path in FILES.items()}


@pytest.mark.parametrize("name", list(FILES))
def test_no_wide_gap_where_a_word_could_break(measured, name):
    _, story, hyphenator = measured[name]
    found = summary(word_gaps(story, names_of(FILES[name], hyphenator.language)))
    assert found["lines"] > 10
    assert found["over_with_point"] == [], found


def test_the_measure_finds_the_gaps_of_the_old_rule(monkeypatch):
    """Capitalised words kept whole, as before issue 18: the stress case's long compounds at
    the start of sentences leave wide gaps that the measure names."""
    monkeypatch.setattr(Hyphenator, "__call__", _old_rule)
    _, story, hyphenator = laid_out(FILES["stress"])
    found = summary(word_gaps(story, names_of(FILES["stress"], hyphenator.language)))
    assert found["over_with_point"], found
    assert all(word[:1].isupper() for word in found["over_with_point"])


def test_capitalised_common_words_break_and_names_do_not():
    dutch = Hyphenator("nl_NL")
    dutch.keep_whole(["Ingrid ter Horst-Verhoeven", "Stichting Polderkennis", "Zaltbommel"])
    for word in ("Hoogwaterbeschermingsprogramma", "Waterschapsverkiezingen", "Deelnemers"):
        heads = [head for head, _ in dutch(word)]
        assert heads and all(word.startswith(head) for head in heads), word
    for name in ("Berlusconi", "Eurlings", "Verhoeven", "Polderkennis", "Zaltbommel",
                 "Amsterdam", "ICTloket", "McKinsey"):
        assert list(dutch(name)) == [], name
    assert list(dutch("Horst-Verhoeven")) == [("Horst-", "Verhoeven")]
    english = Hyphenator("en_GB")
    assert list(english("Government")) and not list(english("Shakespeare"))


def test_a_common_word_in_a_name_of_the_data_stays_whole():
    dutch = Hyphenator("nl_NL")
    assert list(dutch("Samenwerkingsverband"))
    dutch.keep_whole(["Samenwerkingsverband Noord"])
    assert list(dutch("Samenwerkingsverband")) == []


@pytest.mark.parametrize("name", list(FILES))
def test_no_name_of_the_data_is_broken_across_lines(measured, name):
    rendered, _, _ = measured[name]
    day = load(FILES[name]).day
    names = {p.name for p in day.listed_participants} | \
        {org.name for org in day.event.organisers} | \
        {p.organisation for p in day.listed_participants if p.organisation}
    words = {w for n in names for w in re.split(r"[\s-]+", n) if len(w) >= MIN_WORD}
    text = "\n".join(page_texts(rendered.pdf))
    assert words
    for word in words:
        # a head of the word at a line's end (PDFium reports a soft hyphen there as U+0002 or
        # U+FFFE) and its tail on the next line
        for cut in range(2, len(word) - 1):
            broken = re.escape(word[:cut]) + "[-\u00ad\u0002\ufffe]?\r?\n" + \
                re.escape(word[cut:])
            assert not re.search(broken, text), (word, cut)


# --- the participant table ---------------------------------------------------------------------

def _lines_of(pdf: bytes) -> list[list[str]]:
    return [[" ".join(line.split()) for line in page.splitlines()] for page in page_texts(pdf)]


@pytest.mark.parametrize("name, person", [("waterdag", "Ingrid ter Horst-Verhoeven"),
                                          ("stress", "Maria van der Akker-van den Heuvel")])
def test_the_name_column_holds_the_longest_name(measured, name, person):
    """The name column is sized from the widest name: no long name wraps while the
    organisation column has room."""
    rendered, _, _ = measured[name]
    assert any(line.startswith(person + " ") for page in _lines_of(rendered.pdf)
               for line in page), person


def test_the_name_column_stays_within_its_bounds():
    import datetime as dt

    from kennisdag_pdf.compose import make_context
    from kennisdag_pdf.i18n import language
    from kennisdag_pdf.model import Participant
    from kennisdag_pdf.parts.participants import name_column
    from kennisdag_pdf.profiles import PROFILES

    ctx = make_context(language("nl"), PROFILES["screen"], "a5", build_date=dt.date(2020, 5, 1),
                       version="0")
    width, measure = ctx.theme.page.text_width, ctx.theme.measure
    assert name_column([Participant(name="Jo")], ctx) == pytest.approx(
        width * measure.name_share_min)
    assert name_column([Participant(name="Anna Maria " * 8)], ctx) == pytest.approx(
        width * measure.name_share_max)
    short = name_column([Participant(name="Ingrid ter Horst")], ctx)
    assert name_column([Participant(name="Ingrid ter Horst-Verhoeven")], ctx) > short


def _hosts_page(pdf: bytes, heading: str) -> tuple[int, list[str]]:
    pages = _lines_of(pdf)
    number = next(i for i, page in enumerate(pages) if heading in page)
    return number, pages[number]


@pytest.mark.parametrize("name", ["2011", "stress", "waterdag"])
def test_the_hosts_stay_with_the_guests(measured, name):
    """The hosts' heading never opens a page: guests' rows stand above it on its page."""
    rendered, _, _ = measured[name]
    day = load(FILES[name]).day
    guests = [p.name for p in day.listed_participants if not p.host]
    hosts = [p.name for p in day.listed_participants if p.host]
    number, page = _hosts_page(rendered.pdf, "Namens de organisatie")
    at = page.index("Namens de organisatie")
    assert any(line.startswith(g + " ") for line in page[:at] for g in guests), page
    assert all(any(line.startswith(h + " ") for line in page[at:]) for h in hosts), page
    if name == "waterdag":  # the whole list fits one page: nothing of it moves on
        assert all(any(line.startswith(g + " ") for line in page) for g in guests)


# --- the organisers on the cover -----------------------------------------------------------------

def _cover_roles(path: Path):
    import datetime as dt

    from kennisdag_pdf.compose import make_context
    from kennisdag_pdf.i18n import language
    from kennisdag_pdf.parts import cover
    from kennisdag_pdf.profiles import PROFILES

    loaded = load(path)
    ctx = make_context(language(loaded.day.event.language), PROFILES["screen"], "a5",
                       build_date=dt.date(2020, 5, 1), version="0")
    cover.build(loaded, ctx)
    section = ctx.document.children[0]
    return [(child.role, child.alt) for child in section.children]


def test_a_logo_beside_the_printed_name_is_decoration(measured):
    """waterdag's logo is only a symbol: the cover prints both organisers' names, and the logo
    is no Figure, so a screen reader hears each name once."""
    roles = _cover_roles(FILES["waterdag"])
    assert not any(role == "Figure" for role, _ in roles)
    cover_text = " ".join(page_texts(measured["waterdag"][0].pdf)[0].split())
    assert "Stichting Polderkennis" in cover_text
    assert "Waterschap Rivierenland-Zuid" in cover_text


@pytest.mark.parametrize("name, organisers", [
    ("2011", ["Mediaan Automatisering", "ICTloket.nl"]),
    ("en", ["Municipality of Havenburg", "Open Shelf Library Cooperative"])])
def test_a_logo_that_spells_the_name_stands_alone_as_a_figure(measured, name, organisers):
    figures = [alt for role, alt in _cover_roles(FILES[name]) if role == "Figure"]
    assert len(figures) == len(organisers)
    cover_text = " ".join(page_texts(measured[name][0].pdf)[0].split())
    for organiser in organisers:
        assert organiser not in cover_text  # the logo says it: not printed twice


def test_name_in_logo_is_a_flag_of_the_organiser():
    from kennisdag_pdf.model import Organiser

    assert Organiser(name="X").name_in_logo is False
    assert Organiser(name="X", logo="assets/x.png", name_in_logo=True).name_in_logo is True
