"""Free chapters (such as the chair's introduction), each opening on a new page."""

from __future__ import annotations

from reportlab.platypus import PageBreak

from ..loader import LoadedEvent
from .base import Context, part_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    story: list = []
    for index, chapter in enumerate(loaded.day.chapters, start=1):
        if story:
            story.append(PageBreak())
        section = ctx.section()
        story.append(part_heading(ctx, chapter.title, f"chapter-{index}", section))
        story += ctx.body(chapter.body, parent=section)
    return story
