"""The conclusions: an optional introduction and a list with hanging bullets."""

from __future__ import annotations

from reportlab.platypus import ListFlowable, ListItem

from ..loader import LoadedEvent
from .base import Context, part_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    conclusions = loaded.day.conclusions
    if conclusions is None:
        return []
    theme = ctx.theme
    story: list = [part_heading(ctx, ctx.lang["conclusions"], "conclusions")]
    story += ctx.body(conclusions.intro)
    story.append(ListFlowable([ListItem(ctx.body(point, "list")) for point in conclusions.points],
                              **theme.list_options("•", theme.palette.accent)))
    return story
