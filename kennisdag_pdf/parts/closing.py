"""The closing words and the reference to the photos of the day."""

from __future__ import annotations

from .. import text
from ..loader import LoadedEvent
from ..flowables import Element, Para, tagged
from .base import Context, part_heading
from .links import qr_beside


def build(loaded: LoadedEvent, ctx: Context) -> list:
    day = loaded.day
    event = day.event
    if not (day.closing or day.photos_note or event.photos_url):
        return []
    section = ctx.section()
    story: list = []
    if day.closing:
        story.append(part_heading(ctx, ctx.lang["closing"], "closing", section))
        story += ctx.body(day.closing, parent=section)
    if not story:
        story.append(part_heading(ctx, ctx.lang["photos"], "photos", section))
    return story + photos_reference(loaded, ctx, section)


def photos_reference(loaded: LoadedEvent, ctx: Context, section: Element) -> list:
    event, note = loaded.day.event, loaded.day.photos_note
    if not (note or event.photos_url):
        return []
    if not event.photos_url:
        # The address was lost (as in the 2011 report): the sentence prints as plain text.
        return [ctx.plain(note, "note", section.add("P"))]
    if ctx.profile.printed_links:
        figure = section.add("Figure", alt=event.photos_url)  # read first, as it stands first
        lines = [ctx.plain(note, "note", section.add("P"))] if note else []
        lines.append(ctx.plain(text.printed_url(event.photos_url), "note", section.add("P")))
        return [qr_beside(ctx.theme, event.photos_url, lines, figure)]
    markup = text.link(note or event.photos_url, event.photos_url, ctx.theme.palette.link)
    # The whole sentence is the link: its words are the Link's, with the annotation.
    return [tagged(Para(markup, ctx.theme["note"]), section.add("P").add("Link"))]
