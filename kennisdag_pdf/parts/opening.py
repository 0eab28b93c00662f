"""The opening part: lead, the agenda as a numbered table, and the opening words."""

from __future__ import annotations

from string import ascii_lowercase

from reportlab.platypus import Table, TableStyle

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
    theme = ctx.theme
    rows, style = [], [
        ("FONT", (0, 0), (-1, -1), theme.sans.regular.name, 9.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for number, item in enumerate(agenda, start=1):
        row = len(rows)
        rows.append([ctx.plain(f"{number}.", "table_number"), ctx.plain(item.title, "table"), ""])
        style += [("SPAN", (1, row), (2, row)), ("TOPPADDING", (0, row), (-1, row), 5)]
        if row:
            style.append(("LINEABOVE", (0, row), (-1, row), theme.rule_width, theme.palette.rule))
        for index, sub in enumerate(item.items):
            rows.append(["", ctx.plain(f"{_letters(index)}.", "table"), ctx.plain(sub, "table")])
    number_width = 22
    letter_width = 18
    table = Table(rows, colWidths=[number_width, letter_width,
                                   theme.page.text_width - number_width - letter_width],
                  hAlign="LEFT", splitInRow=1)
    table.setStyle(TableStyle(style))
    table.spaceAfter = theme.body_leading
    return table
