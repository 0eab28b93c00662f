"""The cover: title and subtitle on the accent band, date and venue below, organisers at the foot."""

from __future__ import annotations

from reportlab.platypus import FrameBreak, KeepInFrame, Spacer, Table, TableStyle, TopPadder

from ..loader import LoadedEvent
from .base import Context, image_flowable

LOGO_HEIGHT = 40  # points; logos are set to one height so that no organiser looks bigger


def build(loaded: LoadedEvent, ctx: Context) -> list:
    event = loaded.day.event
    theme = ctx.theme
    band = [ctx.plain(ctx.lang["cover_kicker"].upper(), "cover_kicker"),
            ctx.plain(event.title, "cover_title")]
    if event.subtitle:
        band.append(ctx.plain(event.subtitle, "cover_subtitle"))
    geometry = theme.page
    story: list = [
        # Title and subtitle stand on the foot of the band, however long they are.
        TopPadder(KeepInFrame(geometry.text_width, geometry.cover_band_text_height, band,
                              mode="shrink")),
        FrameBreak(),
        ctx.plain(ctx.lang["date_at_venue"].format(date=ctx.lang.date(event.date),
                                                   venue=event.venue), "cover_meta"),
        ctx.plain(event.city, "cover_meta"),
        TopPadder(_organisers(loaded, ctx)),
    ]
    return story


def _organisers(loaded: LoadedEvent, ctx: Context):
    theme = ctx.theme
    width = theme.page.text_width
    cells = []
    for org in loaded.day.event.organisers:
        if org.logo:
            cells.append(image_flowable(loaded.images[org.logo], height=LOGO_HEIGHT,
                                        max_width=width / max(2, len(loaded.day.event.organisers))))
        else:
            cells.append(ctx.plain(org.name, "cover_organiser"))
    rows = [[ctx.plain(ctx.lang["organised_by"], "cover_label")]]
    # Up to three organisers side by side; more wrap onto further rows.
    per_row = min(3, len(cells))
    for start in range(0, len(cells), per_row):
        row = cells[start:start + per_row]
        rows.append(row + [""] * (per_row - len(row)))
    rows[0] += [""] * (per_row - 1)
    table = Table(rows, colWidths=[width / per_row] * per_row, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), theme.sans.regular.name, 9),
        ("SPAN", (0, 0), (-1, 0)),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 1), (-1, -1), 6),
        ("LINEABOVE", (0, 1), (-1, 1), theme.rule_width, theme.palette.rule),
    ]))
    return table
