"""The colophon, set at the foot of the back page."""

from __future__ import annotations

from reportlab.platypus import Table, TableStyle, TopPadder

from ..i18n import join_names
from ..loader import LoadedEvent
from .base import Context, Marker, OutlineEntry


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
        lines.append(lang["colophon_photos"].format(url=event.photos_url))
    lines.append(lang["colophon_built"].format(date=lang.date(ctx.build_date),
                                               version=ctx.version))
    rows = [[ctx.plain(title, "colophon_title")]] + [[ctx.plain(l, "colophon")] for l in lines]
    block = Table(rows, colWidths=[theme.page.text_width * 0.62], hAlign="LEFT")
    block.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), theme.sans.regular.name, 8.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEABOVE", (0, 0), (-1, 0), theme.rule_width, theme.palette.rule),
        ("TOPPADDING", (0, 0), (-1, 0), 8),
    ]))
    # The marker puts the colophon in the outline; the block itself sits at the page's foot.
    return [Marker(entries=(OutlineEntry(0, title, "colophon"),), opens_part=True),
            TopPadder(block)]
