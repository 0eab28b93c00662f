"""The story as a whole: parts in the seed's order, page breaks only where a part begins."""

from __future__ import annotations

import datetime as dt

from reportlab.platypus import NextPageTemplate, PageBreak

from kennisdag_pdf.compose import compose, make_context
from kennisdag_pdf.flowables import TEMPLATE_BACK, TEMPLATE_BODY, signpost_of
from kennisdag_pdf.i18n import language
from kennisdag_pdf.loader import LoadedEvent, SourceMap
from kennisdag_pdf.model import KnowledgeDay
from kennisdag_pdf.parts.base import Context
from kennisdag_pdf.profiles import PROFILES


def context(code: str = "nl", profile: str = "screen") -> Context:
    return make_context(language(code), PROFILES[profile], "a5", build_date=dt.date(2011, 4, 7),
                        version="0")


def part_titles(story) -> list[str]:
    return [e.title for f in story if signpost_of(f) for e in signpost_of(f).entries
            if e.level == 0]


def test_parts_follow_the_seed_order(brochure_2011):
    story = compose(brochure_2011.loaded, context())
    assert part_titles(story) == [
        "Inhoud", "Opening", "Deelnemers",
        "Inleiding Martin Eurlings (burgemeester Valkenburg a/d Geul)", "Stellingen",
        "Stellingen niet behandeld", "Conclusies", "Slotwoord", "Colofon"]


def test_templates_cover_body_back(brochure_2011):
    story = compose(brochure_2011.loaded, context())
    templates = [f.action[1] for f in story if isinstance(f, NextPageTemplate)]
    assert templates == [TEMPLATE_BODY, TEMPLATE_BACK]


def test_an_event_with_only_the_required_fields():
    day = KnowledgeDay.model_validate({"event": {
        "id": "x", "title": "T", "date": "2020-01-01", "venue": "V", "city": "C",
        "language": "en", "organisers": [{"name": "O"}]}})
    story = compose(LoadedEvent(day, None, b"", SourceMap("x.yaml"), {}), context("en"))
    assert part_titles(story) == ["Contents", "Colophon"]
    kinds = [type(f) for f in story]
    # no two page breaks in a row: empty parts leave no blank pages behind
    assert not any(a is PageBreak and b is PageBreak for a, b in zip(kinds, kinds[1:]))


def test_every_story_is_new(brochure_2011):
    """ReportLab damages paragraphs it lays out twice; compose must never hand out old ones."""
    ctx = context()
    first, second = compose(brochure_2011.loaded, ctx), compose(brochure_2011.loaded, ctx)
    assert {id(f) for f in first} & {id(f) for f in second} == set()


def test_the_contents_list_every_heading_that_follows_it(brochure_2011):
    from kennisdag_pdf.parts.contents import ContentsLine

    story = compose(brochure_2011.loaded, context())
    lines = [f for f in story if isinstance(f, ContentsLine)]
    position = story.index(lines[0])
    assert story[position:position + len(lines)] == lines  # one block, where the list goes
    titles = [line.entry.title for line in lines]
    assert titles[:3] == ["Opening", "Agenda", "Deelnemers"]
    assert "Inhoud" not in titles and titles[-1] == "Colofon"
    theses = [t for t in titles if t.startswith("Stelling ")]
    assert len(theses) == len(brochure_2011.loaded.day.theses)
