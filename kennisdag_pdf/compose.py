"""Loaded event → story: the document parts in their order, with their page rules.

Each part is a pure function in parts/; this module only decides the order and where a part
starts a new page. It runs once per layout pass (see document.build_in_passes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportlab.platypus import CondPageBreak, NextPageTemplate, PageBreak

from .loader import LoadedEvent
from .parts import (chapters, closing, colophon, conclusions, contents, cover, opening,
                    participants, theses)
from .parts.base import TEMPLATE_BACK, TEMPLATE_BODY, Context


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
)


def compose(loaded: LoadedEvent, ctx: Context) -> list:
    story = cover.build(loaded, ctx)
    story.append(NextPageTemplate(TEMPLATE_BODY))
    for rule in BODY_PARTS:
        flowables = rule.build(loaded, ctx)
        if not flowables:
            continue
        story.append(PageBreak() if rule.new_page else CondPageBreak(ctx.theme.page.text_height / 3))
        story += flowables
    story += [NextPageTemplate(TEMPLATE_BACK), PageBreak(), *colophon.build(loaded, ctx)]
    return story
