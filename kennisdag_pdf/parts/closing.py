"""The closing words and the reference to the photos of the day."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from reportlab.platypus import Paragraph

from ..loader import LoadedEvent
from .base import Context, part_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    day = loaded.day
    story: list = []
    if day.closing:
        story.append(part_heading(ctx, ctx.lang["closing"], "closing"))
        story += ctx.body(day.closing)
    photos = photos_reference(loaded, ctx)
    if photos and not story:
        story.append(part_heading(ctx, ctx.lang["photos"], "photos"))
    return story + photos


def photos_reference(loaded: LoadedEvent, ctx: Context) -> list:
    event, note = loaded.day.event, loaded.day.photos_note
    if not (note or event.photos_url):
        return []
    style = ctx.theme["note"]
    if not event.photos_url:
        # The address was lost (as in the 2011 report): the sentence prints as plain text.
        return [Paragraph(escape(note), style)]
    label = escape(note) if note else escape(event.photos_url)
    link = (f"<a href={quoteattr(event.photos_url)} "
            f"color={quoteattr(ctx.theme.palette.link)}>{label}</a>")
    return [Paragraph(link, style)]
