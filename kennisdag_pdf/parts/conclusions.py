"""The conclusions: an optional introduction and a list with hanging bullets."""

from __future__ import annotations


from ..flowables import BulletList
from ..loader import LoadedEvent
from .base import Context, part_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    conclusions = loaded.day.conclusions
    if conclusions is None:
        return []
    theme = ctx.theme
    section = ctx.section()
    story: list = [part_heading(ctx, ctx.lang["conclusions"], "conclusions", section)]
    story += ctx.body(conclusions.intro, parent=section)
    listing = section.add("L", attributes={"O": "List", "ListNumbering": "Disc"})
    items = []
    for point in conclusions.points:
        entry = listing.add("LI")
        label = entry.add("Lbl")
        items.append((label, ctx.body(point, "list", parent=entry.add("LBody"))))
    story.append(BulletList(items, **theme.list_options("•", theme.palette.accent)))
    return story
