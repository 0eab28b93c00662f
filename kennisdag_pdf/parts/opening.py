"""The opening part: lead, the agenda as a numbered table, and the opening words."""

from __future__ import annotations

from string import ascii_lowercase

from reportlab.platypus import Table

from ..loader import LoadedEvent
from ..model import AgendaItem
from .base import Context, part_heading, section_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    day = loaded.day
    if not (day.lead or day.agenda or day.opening):
        return []
    story: list = [part_heading(ctx, ctx.lang["opening"], "opening")]
    story += ctx.body(day.lead, "lead")
    if day.agenda:
        story.append(section_heading(ctx, ctx.lang["agenda"], "agenda"))
        story.append(agenda_table(day.agenda, ctx))
    story += ctx.body(day.opening)
    return story


def _letters(index: int) -> str:
    """0 → a, 25 → z, 26 → aa: an agenda item may have more sub-items than the alphabet."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = ascii_lowercase[rest] + out
    return out


def agenda_table(agenda: list[AgendaItem], ctx: Context) -> Table:
    theme, measure = ctx.theme, ctx.theme.measure
    rows: list = []
    commands: list = [
        ("RIGHTPADDING", (0, 0), (-1, -1), measure.cell_gap),
        ("TOPPADDING", (0, 0), (-1, -1), measure.agenda_sub_padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), measure.agenda_sub_padding),
    ]
    for number, item in enumerate(agenda, start=1):
        row = len(rows)
        rows.append([ctx.plain(f"{number}.", "table_number"), ctx.plain(item.title, "table"), ""])
        commands += [("SPAN", (1, row), (2, row)),
                     ("TOPPADDING", (0, row), (-1, row), measure.agenda_item_gap)]
        if row:
            commands.append(("LINEABOVE", (0, row), (-1, row), measure.rule, theme.palette.rule))
        for index, sub in enumerate(item.items):
            rows.append(["", ctx.plain(f"{_letters(index)}.", "table"), ctx.plain(sub, "table")])
    rest = theme.page.text_width - measure.agenda_number - measure.agenda_letter
    table = Table(rows, colWidths=[measure.agenda_number, measure.agenda_letter, rest],
                  hAlign="LEFT", splitInRow=1)
    table.setStyle(theme.table_style("table", *commands))
    table.spaceAfter = theme.body_leading
    return table
