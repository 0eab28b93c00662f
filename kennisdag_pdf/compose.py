"""Loaded event → story: the document parts in their order, with their page rules.

Each part is a pure function in parts/; this module only decides the order and where a part
starts a new page, and hands the contents list the entries of the headings that follow it.

The front matter (contents, opening, participants) gives each part a page of its own: a
reader looks them up. The body (chapters, theses, the theses not discussed, conclusions,
closing words, photos) begins on a new page and then runs on: a part, like a thesis within
the theses, starts on the page where the one before it ends, below a rule, unless the
part's opening would not fit there or that page is mostly filled and the part would not end
on it (flowables.RunOn). A short event then has no page with a few lines on it, and a long
one no more pages than its text needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.platypus import NextPageTemplate, PageBreak

from .flowables import TEMPLATE_BACK, TEMPLATE_BODY, Element, FillSheet, link_run_ons, run_on
from .i18n import Language
from .images import ImageShop
from .loader import LoadedEvent
from .parts import (chapters, closing, colophon, conclusions, contents, cover, opening,
                    participants, photos, theses)
from .parts.base import Context
from .profiles import Profile
from .checks import profile_theme


@dataclass(frozen=True)
class PartRule:
    build: Callable[[LoadedEvent, Context], list]
    runs_on: bool  # False: front matter, on a new page; True: the body, which runs on


BODY_PARTS = (
    PartRule(contents.build, runs_on=False),
    PartRule(opening.build, runs_on=False),
    PartRule(participants.build, runs_on=False),
    PartRule(chapters.build, runs_on=True),
    PartRule(theses.build, runs_on=True),
    PartRule(theses.build_untreated, runs_on=True),
    PartRule(conclusions.build, runs_on=True),
    PartRule(closing.build, runs_on=True),
    PartRule(photos.build, runs_on=True),
)


def make_context(lang: Language, profile: Profile, page_size: str, *, build_date: dt.date,
                 version: str) -> Context:
    """Everything the parts share for one build: theme, labels, profile, image cache."""
    theme = profile_theme(lang.hyphenation, profile, page_size)  # as validate makes it
    return Context(theme=theme, lang=lang, build_date=build_date, version=version,
                   profile=profile, images=ImageShop(profile), document=Element("Document"))


def compose(loaded: LoadedEvent, ctx: Context) -> list:
    ctx.theme.hyphenator.keep_whole(_names(loaded))
    story = cover.build(loaded, ctx)
    story.append(NextPageTemplate(TEMPLATE_BODY))
    body = None  # where the body begins: its first part begins a new page
    for rule in BODY_PARTS:
        flowables = rule.build(loaded, ctx)
        if not flowables:
            continue
        story.append(run_on(ctx.theme) if rule.runs_on and body is not None else PageBreak())
        if rule.runs_on and body is None:
            body = len(story)
        story += flowables
    if body is not None:
        link_run_ons(story[body:])
    # Blanks to fill the last sheet go before the back cover, never inside the content.
    story.append(FillSheet(ctx.profile.page_multiple, following=1))
    story += [NextPageTemplate(TEMPLATE_BACK), PageBreak(), *colophon.build(loaded, ctx)]
    return _with_contents(story, ctx)


def _names(loaded: LoadedEvent) -> list[str]:
    """The names the brochure prints that hyphenation must keep whole: of people,
    organisations, organisers and the venue, even where a word list knows them."""
    event = loaded.day.event
    people = loaded.day.participants
    return [*(p.name for p in people), *(p.sort_as for p in people if p.sort_as),
            *(p.organisation for p in people if p.organisation),
            *(org.name for org in event.organisers), event.venue, event.city]


def _with_contents(story: list, ctx: Context) -> list:
    """The contents list every heading of the story, known before layout starts."""
    entries = contents.entries_in(story)
    out: list = []
    for flowable in story:
        out += contents.contents_lines(entries, ctx, flowable.toc, flowable.heading) \
            if isinstance(flowable, contents.ContentsList) else [flowable]
    return out
