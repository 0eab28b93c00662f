"""The cover: title and subtitle on the accent band, date and venue below, organisers at the foot."""

from __future__ import annotations

from reportlab.platypus import FrameBreak, KeepInFrame, Spacer, Table, TopPadder

from ..flowables import Element
from ..images import logo_column, logo_size
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
    label, then each organiser's name, under its logo when it has one. A logo that spells
    the name (name_in_logo) stands alone, a Figure described by logo_alt or the name; beside
    the printed name a logo is decoration, so that a screen reader says the name once."""
    theme, measure = ctx.theme, ctx.theme.measure
    organisers = loaded.day.event.organisers
    per_row = min(measure.organisers_per_row, len(organisers))
    column = logo_column(theme, len(organisers))
    label = ctx.plain(ctx.lang["organised_by"], "cover_label", section.add("P"))
    cells = []
    for org in organisers:
        logo = None
        if org.logo:
            figure = section.add("Figure", alt=logo_alt_text(org)) if org.name_in_logo else None
            asset = loaded.images[org.logo]
            # the size validate judges it at (images.logo_size), without a layout
            width, height = logo_size(theme, asset, len(organisers))
            logo = ctx.image(asset, width=width, height=height, element=figure)
        if logo is not None and org.name_in_logo:
            cells.append(logo)
        else:
            name = ctx.plain(org.name, "cover_organiser", section.add("P"))
            cells.append(name if logo is None else [logo, Spacer(0, measure.organiser_name_gap),
                                                    name])
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
