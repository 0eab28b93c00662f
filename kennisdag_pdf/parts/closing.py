"""The closing words and the reference to the photos of the day."""

from __future__ import annotations

from .. import text
from ..loader import LoadedEvent
from ..flowables import Para
from .base import Context, part_heading
from .links import qr_beside


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
    if not event.photos_url:
        # The address was lost (as in the 2011 report): the sentence prints as plain text.
        return [ctx.plain(note, "note")]
    if ctx.profile.printed_links:
        lines = [ctx.plain(note, "note")] if note else []
        lines.append(ctx.plain(text.printed_url(event.photos_url), "note"))
        return [qr_beside(ctx.theme, event.photos_url, lines)]
    markup = text.link(note or event.photos_url, event.photos_url, ctx.theme.palette.link)
    return [Para(markup, ctx.theme["note"])]
