"""Unit tests of the document parts: pure functions from the loaded event to flowables."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from reportlab.platypus import (KeepTogether, ListFlowable, PageBreak, Paragraph, SimpleDocTemplate,
                                Table)

from kennisdag_pdf.compose import make_context
from kennisdag_pdf.flowables import Heading, Marker, RunOn
from kennisdag_pdf.i18n import language
from kennisdag_pdf.loader import LoadedEvent, SourceMap
from kennisdag_pdf.model import KnowledgeDay
from kennisdag_pdf.parts import (chapters, closing, colophon, conclusions, opening,
                                 participants, theses)
from kennisdag_pdf.parts.base import Context
from kennisdag_pdf.parts.opening import _letters
from kennisdag_pdf.profiles import PROFILES


def event(**parts) -> LoadedEvent:
    data = {"event": {"id": "x", "title": "T", "date": "2020-05-01", "venue": "V",
                      "city": "C", "language": "nl", "organisers": [{"name": "Org"}]}}
    data.update(parts)
    day = KnowledgeDay.model_validate(data)
    return LoadedEvent(day, None, b"", SourceMap("x.yaml"), {})


@pytest.fixture(scope="module")
def ctx() -> Context:
    return make_context(language("nl"), PROFILES["screen"], "a5", build_date=dt.date(2020, 5, 1),
                        version="0")


def texts(flowables) -> list[str]:
    out = []
    for f in flowables:
        if isinstance(f, Paragraph):
            out.append(f.getPlainText())
        elif isinstance(f, Table):
            for row in f._cellvalues:
                out += [c.getPlainText() for c in row if isinstance(c, Paragraph)]
        elif isinstance(f, ListFlowable):
            out += texts([i for item in f._flowables for i in getattr(item, "_flowables", [item])])
    return out


@pytest.mark.parametrize("part", [opening.build, participants.build, chapters.build,
                                  theses.build, theses.build_untreated, conclusions.build,
                                  closing.build])
def test_an_empty_part_is_left_out(part, ctx):
    assert part(event(), ctx) == []


def test_agenda_numbers_and_letters(ctx):
    loaded = event(agenda=[{"title": "Eerste"}, {"title": "Tweede", "items": ["x", "y"]}])
    story = opening.build(loaded, ctx)
    assert isinstance(story[0], Heading) and story[0].signpost.entries[0].title == "Opening"
    table = next(f for f in story if isinstance(f, Table))
    assert texts([table]) == ["1.", "Eerste", "2.", "Tweede", "a.", "x", "b.", "y"]


def test_letters_go_on_past_z():
    assert [_letters(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "a", "b", "z", "aa", "ab", "az", "ba"]


def test_participants_guests_then_hosts(ctx):
    loaded = event(participants=[
        {"name": "Jan Stegink", "organisation": "Mediaan", "host": "true"},
        {"name": "Alain van der Heijde", "organisation": "Nuon", "role": "manager"},
        {"name": "Peter Boef", "role": "Ondernemer"},
    ])
    story = participants.build(loaded, ctx)
    # The hosts and the guests' last rows are kept together (one page, issue 18).
    assert isinstance(story[-1], KeepTogether)
    flat = story[:-1] + story[-1]._content
    assert texts(flat) == ["Deelnemers", "Peter Boef", "Ondernemer", "Alain van der Heijde",
                           "Nuon, manager", "Namens de organisatie", "Jan Stegink", "Mediaan"]


def test_long_participant_lists_are_split_into_short_tables(ctx):
    people = [{"name": f"Persoon {i:04d}"} for i in range(95)]
    tables = [f for f in participants.build(event(participants=people), ctx)
              if isinstance(f, Table)]
    assert [len(t._cellvalues) for t in tables] == [40, 40, 15]


def test_each_thesis_opens_with_label_and_statement_and_may_run_on(ctx):
    loaded = event(theses=[{"statement": "Een", "body": "Tekst één."},
                           {"statement": "Twee", "body": "Tekst twee."}])
    story = theses.build(loaded, ctx)
    # The layout decides whether the second begins a page (tests/test_page_fill.py).
    assert [type(f) for f in story].count(RunOn) == 1
    assert not any(isinstance(f, PageBreak) for f in story)
    first = story[0]
    assert [e.title for e in first.signpost.entries] == ["Stellingen", "Stelling 1: Een"]
    assert [e.level for e in first.signpost.entries] == [0, 1]
    assert texts(story) == ["Stelling 1", "Een", "Tekst één.", "Stelling 2", "Twee",
                            "Tekst twee."]


def test_conclusions_bullets_use_an_embedded_font(ctx):
    loaded = event(conclusions={"intro": "Inleiding", "points": ["Een", "Twee"]})
    listing = next(f for f in conclusions.build(loaded, ctx) if isinstance(f, ListFlowable))
    assert listing._bulletFontName == ctx.theme.serif.regular.name  # never Helvetica


def test_photos_reference_without_url_is_plain_text(ctx):
    loaded = event(closing="Dank.", photos_note="Klik hier voor de foto’s.")
    story = closing.build(loaded, ctx)
    assert texts(story) == ["Slotwoord", "Dank.", "Klik hier voor de foto’s."]
    assert "<a " not in story[-1].text


def test_photos_reference_with_url_is_a_link(ctx):
    loaded = event(photos_note="De foto’s",
                   **{"event": {"id": "x", "title": "T", "date": "2020-05-01", "venue": "V",
                                "city": "C", "language": "nl", "organisers": [{"name": "O"}],
                                "photos_url": "https://example.org/a?b=1&c=2"}})
    story = closing.build(loaded, ctx)
    # No closing words: the note gets a heading.
    assert story[0].signpost.entries[0].title == "Foto’s"
    assert 'href="https://example.org/a?b=1&amp;c=2"' in story[-1].text


def test_colophon_lists_organisers_date_and_version(ctx):
    story = colophon.build(event(), ctx)
    assert isinstance(story[0], Marker) and story[0].signpost.entries[0].title == "Colofon"
    table = story[1]
    lines = texts([table._TopPadder__f if hasattr(table, "_TopPadder__f") else table])
    assert lines[0] == "Colofon"
    assert "Gehouden op 1 mei 2020 in V, C." in lines
    assert "Organisatie: Org." in lines
    # The pinned date is the event's: the colophon says so, and never "made on" it.
    assert lines[-1] == ("Versie van 1\u00a0mei\u00a02020 (de dag van de kennisdag), "
                         "opgemaakt met kennisdag-pdf 0.")


def _layout(flowables, ctx):
    """Lay flowables out on A4 pages; returns the plain text of each page, line by line."""
    import pypdfium2 as pdfium

    buffer = io.BytesIO()
    page = ctx.theme.page
    doc = SimpleDocTemplate(buffer, pagesize=page.size, leftMargin=page.inner,
                            rightMargin=page.outer, topMargin=page.top,
                            bottomMargin=page.bottom, initialFontName=ctx.theme.initial_font)
    doc.build(flowables)
    pdf = pdfium.PdfDocument(buffer.getvalue())
    return [p.get_textpage().get_text_range().splitlines() for p in pdf]


def test_no_widows_or_orphans(ctx):
    """A paragraph never leaves one line alone at the foot or the head of a page."""
    from reportlab.platypus import Spacer

    body = ctx.theme["body"]
    paragraph_text = " ".join(f"woord{i}" for i in range(120))  # about eight lines
    line = body.leading
    frame_height = ctx.theme.page.text_height - 12  # SimpleDocTemplate pads its frame
    for lines_left in (1.2, 7.2):  # room for one line (orphan) / all but one (widow)
        pages = _layout([Spacer(1, frame_height - lines_left * line),
                         Paragraph(paragraph_text, body)], ctx)
        assert len(pages) == 2
        on_first, on_second = len(pages[0]), len(pages[1])
        assert on_first != 1 and on_second != 1, (lines_left, on_first, on_second)


def test_a_heading_moves_with_its_text(ctx):
    from reportlab.platypus import Spacer

    heading = Heading("Kop", ctx.theme["part"])
    frame_height = ctx.theme.page.text_height - 12
    pages = _layout([Spacer(1, frame_height - 40), heading,
                     Paragraph("tekst " * 200, ctx.theme["body"])], ctx)
    assert "Kop" not in pages[0]
    assert pages[1][0] == "Kop"


# --- the flowables layer: what the page template learns of a flowable --------------------------

def test_every_heading_of_a_part_has_a_signpost_and_nothing_else_has(ctx):
    from kennisdag_pdf.flowables import Signpost, signpost_of

    story = theses.build(event(theses=[{"statement": "Een", "body": "Tekst."}]), ctx)
    assert signpost_of(story[0]) == Signpost(
        story[0].signpost.entries, running_head="Stelling 1", opens_part=True)
    assert [signpost_of(f) for f in story[1:]] == [None] * (len(story) - 1)
    # A heading without a signpost of its own tells the template nothing.
    assert signpost_of(Heading("Kop", ctx.theme["part"])).entries == ()


def test_the_template_counts_only_what_takes_room(ctx):
    from reportlab.platypus import Indenter, NextPageTemplate, Spacer

    from kennisdag_pdf.flowables import (BlankPage, FillSheet, Para, Presence, QrCode,
                                         Signpost, presence_of)

    none = [Marker(Signpost()), FillSheet(4, following=1), NextPageTemplate("back"),
            Indenter(10)]
    content = [Para("x", ctx.theme["body"]), Heading("Kop", ctx.theme["part"]), Spacer(1, 1),
               QrCode("https://example.org", colour=None, module=1.0, min_size=10.0)]
    assert [presence_of(f) for f in none] == [Presence.NONE] * len(none)
    assert [presence_of(f) for f in content] == [Presence.CONTENT] * len(content)
    assert presence_of(BlankPage()) is Presence.BLANK_PAGE


def test_the_layers_below_the_parts_do_not_reach_up_into_them():
    import subprocess
    import sys

    # A fresh interpreter: this one has imported the parts already.
    probe = ("import sys, kennisdag_pdf.document, kennisdag_pdf.flowables; "
             "print(sorted(m for m in sys.modules if m.startswith('kennisdag_pdf.parts')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
