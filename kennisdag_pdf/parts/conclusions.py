"""The conclusions: an optional introduction and a list with hanging bullets."""

from __future__ import annotations

from ..loader import LoadedEvent
from .base import Context, bullet_list, part_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    conclusions = loaded.day.conclusions
    if conclusions is None:
        return []
    theme = ctx.theme
    section = ctx.section()
    story: list = [part_heading(ctx, ctx.lang["conclusions"], "conclusions", section)]
    story += ctx.body(conclusions.intro, parent=section)
    story.append(bullet_list(ctx, section, conclusions.points,
                             lambda point, body: ctx.body(point, "list", parent=body),
                             options=theme.list_options("•", theme.palette.accent_small),
                             numbering="Disc"))
    return story
