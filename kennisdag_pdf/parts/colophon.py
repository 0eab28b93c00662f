"""The colophon, set at the foot of the back page."""

from __future__ import annotations

from reportlab.platypus import Table, TopPadder

from .. import text
from ..i18n import join_names
from ..loader import LoadedEvent
from ..flowables import Marker, OutlineEntry, Signpost
from .base import Context


def build(loaded: LoadedEvent, ctx: Context) -> list:
    event, lang, theme = loaded.day.event, ctx.lang, ctx.theme
    title = lang["colophon"]
    lines = [
        lang["colophon_report"].format(title=event.title),
        lang["colophon_held"].format(date=lang.date(event.date), venue=event.venue,
                                     city=event.city),
        lang["colophon_organisers"].format(
            names=join_names([org.name for org in event.organisers], lang)),
    ]
    if event.photos_url:
        # The photos reference carries the QR code; here the address is for the record.
        url = event.photos_url
        lines.append(lang["colophon_photos"].format(
            url=text.printed_url(url) if ctx.profile.printed_links else url))
    # The date is pinned for reproducible bytes (render.build_time): the day of the event,
    # or SOURCE_DATE_EPOCH's. It names a version, never the day the file was made, which
    # "typeset on" claimed for a file made months later.
    built = "colophon_built_event" if ctx.build_date == event.date else "colophon_built"
    day = lang.date(ctx.build_date).replace(" ", "\u00a0")  # '7 april 2011' on one line
    lines.append(lang[built].format(date=day, version=ctx.version))
    # A block that only places its lines: tagged by its content, a heading and paragraphs.
    section = ctx.section()
    rows = [[ctx.plain(title, "colophon_title", section.add("H1"))]] + \
        [[ctx.plain(line, "colophon", section.add("P"))] for line in lines]
    block = Table(rows, colWidths=[theme.page.text_width * theme.measure.colophon_share],
                  hAlign="LEFT")
    block.setStyle(theme.table_style(
        "colophon",
        ("LINEABOVE", (0, 0), (-1, 0), theme.measure.rule, theme.palette.rule),
        ("TOPPADDING", (0, 0), (-1, 0), theme.measure.organiser_rule_gap)))
    # The marker puts the colophon in the outline; the block itself sits at the page's foot.
    return [Marker(Signpost((OutlineEntry(0, title, "colophon"),), opens_part=True)),
            TopPadder(block)]
