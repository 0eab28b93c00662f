"""Loaded event → story: the document parts in their order, with their page rules.

Each part is a pure function in parts/; this module only decides the order and where a part
starts a new page, and hands the contents list the entries of the headings that follow it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.platypus import CondPageBreak, NextPageTemplate, PageBreak

from .flowables import TEMPLATE_BACK, TEMPLATE_BODY, Element, FillSheet
from .i18n import Language
from .images import ImageShop
from .loader import LoadedEvent
from .parts import (chapters, closing, colophon, conclusions, contents, cover, opening,
                    participants, photos, theses)
from .parts.base import Context
from .profiles import Profile
from .theme import theme_for


@dataclass(frozen=True)
class PartRule:
    build: Callable[[LoadedEvent, Context], list]
    new_page: bool  # False: follows on the same page when a third of a page is left


BODY_PARTS = (
    PartRule(contents.build, new_page=True),
    PartRule(opening.build, new_page=True),
    PartRule(participants.build, new_page=True),
    PartRule(chapters.build, new_page=True),
    PartRule(theses.build, new_page=True),
    PartRule(theses.build_untreated, new_page=True),
    PartRule(conclusions.build, new_page=True),
    PartRule(closing.build, new_page=False),
    PartRule(photos.build, new_page=True),
)


def make_context(lang: Language, profile: Profile, page_size: str, *, build_date: dt.date,
                 version: str) -> Context:
    """Everything the parts share for one build: theme, labels, profile, image cache."""
    theme = theme_for(lang.hyphenation, page_size, colour_space=profile.colour_space,
                      bleed=profile.bleed)
    return Context(theme=theme, lang=lang, build_date=build_date, version=version,
                   profile=profile, images=ImageShop(profile), document=Element("Document"))


def compose(loaded: LoadedEvent, ctx: Context) -> list:
    story = cover.build(loaded, ctx)
    story.append(NextPageTemplate(TEMPLATE_BODY))
    for rule in BODY_PARTS:
        flowables = rule.build(loaded, ctx)
        if not flowables:
            continue
        story.append(PageBreak() if rule.new_page else CondPageBreak(ctx.theme.page.text_height / 3))
        story += flowables
    # Blanks to fill the last sheet go before the back cover, never inside the content.
    story.append(FillSheet(ctx.profile.page_multiple, following=1))
    story += [NextPageTemplate(TEMPLATE_BACK), PageBreak(), *colophon.build(loaded, ctx)]
    return _with_contents(story, ctx)


def _with_contents(story: list, ctx: Context) -> list:
    """The contents list every heading of the story, known before layout starts."""
    entries = contents.entries_in(story)
    out: list = []
    for flowable in story:
        out += contents.contents_lines(entries, ctx, flowable.toc) \
            if isinstance(flowable, contents.ContentsList) else [flowable]
    return out
