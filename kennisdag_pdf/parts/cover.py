"""The cover: title and subtitle on the accent band, date and venue below, organisers at the foot."""

from __future__ import annotations

from reportlab.platypus import FrameBreak, KeepInFrame, Table, TopPadder

from ..flowables import Element
from ..loader import LoadedEvent
from ..model import logo_alt_text
from .base import Context


def build(loaded: LoadedEvent, ctx: Context) -> list:
    event = loaded.day.event
    theme = ctx.theme
    section = ctx.section()
    band = [ctx.plain(ctx.lang["cover_kicker"].upper(), "cover_kicker", section.add("P")),
            ctx.plain(event.title, "cover_title", section.add("H1"))]
    if event.subtitle:
        band.append(ctx.plain(event.subtitle, "cover_subtitle", section.add("P")))
    geometry = theme.page
    story: list = [
        # Title and subtitle stand on the foot of the band, however long they are.
        TopPadder(KeepInFrame(geometry.text_width,
                              geometry.cover_band_text_height(bool(event.cover_image)), band,
                              mode="shrink")),
        FrameBreak(),
        ctx.plain(ctx.lang["date_at_venue"].format(date=ctx.lang.date(event.date),
                                                   venue=event.venue), "cover_meta",
                  section.add("P")),
        ctx.plain(event.city, "cover_meta", section.add("P")),
        # Organisers with very long names shrink to fit the foot of the cover.
        TopPadder(KeepInFrame(0, 0, [_organisers(loaded, ctx, section)], mode="shrink")),
    ]
    return story


def _organisers(loaded: LoadedEvent, ctx: Context, section: Element):
    """A grid that only places the organisers (tagged by its content, not as a table): the
    label, then each organiser's logo as a Figure described by its name, or the name."""
    theme, measure = ctx.theme, ctx.theme.measure
    organisers = loaded.day.event.organisers
    per_row = min(measure.organisers_per_row, len(organisers))
    column = theme.page.text_width / per_row
    label = ctx.plain(ctx.lang["organised_by"], "cover_label", section.add("P"))
    cells = []
    for org in organisers:
        if org.logo:
            cells.append(ctx.fitted_image(loaded.images[org.logo], height=measure.logo_height,
                                          max_width=column - measure.organiser_gap,
                                          element=section.add("Figure",
                                                              alt=logo_alt_text(org))))
        else:
            cells.append(ctx.plain(org.name, "cover_organiser", section.add("P")))
    rows = [[label]]
    for start in range(0, len(cells), per_row):
        row = cells[start:start + per_row]
        rows.append(row + [""] * (per_row - len(row)))
    rows[0] += [""] * (per_row - 1)
    table = Table(rows, colWidths=[column] * per_row, hAlign="LEFT")
    table.setStyle(theme.table_style(
        "cover_organiser",
        ("SPAN", (0, 0), (-1, 0)),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("RIGHTPADDING", (0, 0), (-1, -1), measure.organiser_gap),
        ("TOPPADDING", (0, 1), (-1, -1), measure.organiser_rule_gap),
        ("LINEABOVE", (0, 1), (-1, 1), measure.rule, theme.palette.rule)))
    return table
