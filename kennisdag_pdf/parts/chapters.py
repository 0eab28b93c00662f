"""Free chapters (such as the chair's introduction); each runs on after the one before it
(flowables.RunOn), the first opens the body on a new page (compose.py)."""

from __future__ import annotations

from ..flowables import run_on
from ..loader import LoadedEvent
from .base import Context, part_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    story: list = []
    for index, chapter in enumerate(loaded.day.chapters, start=1):
        if story:
            story.append(run_on(ctx.theme))
        section = ctx.section()
        story.append(part_heading(ctx, chapter.title, f"chapter-{index}", section))
        story += ctx.body(chapter.body, parent=section)
    return story
