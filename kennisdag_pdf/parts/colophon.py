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
    lines.append(lang["colophon_built"].format(date=lang.date(ctx.build_date),
                                               version=ctx.version))
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
