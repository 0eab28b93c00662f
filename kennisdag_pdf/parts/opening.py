"""The opening part: lead, the agenda as a numbered table, and the opening words."""

from __future__ import annotations

from string import ascii_lowercase

from reportlab.platypus import Table

from ..flowables import Element
from ..loader import LoadedEvent
from ..model import AgendaItem
from .base import Context, part_heading, section_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    day = loaded.day
    if not (day.lead or day.agenda or day.opening):
        return []
    section = ctx.section()
    story: list = [part_heading(ctx, ctx.lang["opening"], "opening", section)]
    story += ctx.body(day.lead, "lead", parent=section)
    if day.agenda:
        story.append(section_heading(ctx, ctx.lang["agenda"], "agenda", section))
        story.append(agenda_table(day.agenda, ctx, section.add("Table")))
    story += ctx.body(day.opening, parent=section)
    return story


def _letters(index: int) -> str:
    """0 → a, 25 → z, 26 → aa: an agenda item may have more sub-items than the alphabet."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = ascii_lowercase[rest] + out
    return out


def agenda_table(agenda: list[AgendaItem], ctx: Context, table: Element) -> Table:
    """A data table without a header row: each item's number heads its row (TH, Scope Row);
    its sub-items follow as rows of their own."""
    theme, measure = ctx.theme, ctx.theme.measure
    rows: list = []
    commands: list = [
        ("RIGHTPADDING", (0, 0), (-1, -1), measure.cell_gap),
        ("TOPPADDING", (0, 0), (-1, -1), measure.agenda_sub_padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), measure.agenda_sub_padding),
    ]
    for number, item in enumerate(agenda, start=1):
        row = len(rows)
        cells = table.add("TR")
        rows.append([ctx.plain(f"{number}.", "table_number", _row_header(cells)),
                     ctx.plain(item.title, "table",
                               cells.add("TD", attributes={"O": "Table", "ColSpan": 2})), ""])
        commands += [("SPAN", (1, row), (2, row)),
                     ("TOPPADDING", (0, row), (-1, row), measure.agenda_item_gap)]
        if row:
            commands.append(("LINEABOVE", (0, row), (-1, row), measure.rule, theme.palette.rule))
        for index, sub in enumerate(item.items):
            cells = table.add("TR")
            cells.add("TD", keep_empty=True)
            rows.append(["", ctx.plain(f"{_letters(index)}.", "table", cells.add("TD")),
                         ctx.plain(sub, "table", cells.add("TD"))])
    rest = theme.page.text_width - measure.agenda_number - measure.agenda_letter
    table = Table(rows, colWidths=[measure.agenda_number, measure.agenda_letter, rest],
                  hAlign="LEFT", splitInRow=1)
    table.setStyle(theme.table_style("table", *commands))
    table.spaceAfter = theme.body_leading
    return table


def _row_header(row: Element) -> Element:
    return row.add("TH", attributes={"O": "Table", "Scope": "Row"})
