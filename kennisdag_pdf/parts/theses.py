"""One chapter per thesis: the 'Stelling N' label, the statement as a display quote, the debate."""

from __future__ import annotations

from reportlab.platypus import ListFlowable, ListItem, PageBreak, Table

from ..loader import LoadedEvent
from ..model import Thesis
from ..flowables import Heading, OutlineEntry, Signpost
from .base import Context, part_heading


def build(loaded: LoadedEvent, ctx: Context) -> list:
    story: list = []
    for number, thesis in enumerate(loaded.day.theses, start=1):
        if story:
            story.append(PageBreak())
        story += thesis_chapter(number, thesis, ctx)
    return story


def thesis_chapter(number: int, thesis: Thesis, ctx: Context) -> list:
    theme = ctx.theme
    label = ctx.lang["thesis"].format(number=number)
    entries = (OutlineEntry(1, f"{label}: {thesis.statement}", f"thesis-{number}"),)
    if number == 1:  # the group entry that the theses nest under in contents and outline
        entries = (OutlineEntry(0, ctx.lang["theses"], "theses"),) + entries
    heading = Heading(label, theme["thesis_label"],
                      Signpost(entries, running_head=label, opens_part=True))
    statement = Table([[ctx.plain(thesis.statement, "thesis_statement")]],
                      colWidths=[theme.page.text_width], hAlign="LEFT", splitInRow=1)
    measure = theme.measure
    statement.setStyle(theme.table_style(
        "thesis_statement",
        ("LINEBEFORE", (0, 0), (0, -1), measure.thesis_rule, theme.palette.accent),
        ("LEFTPADDING", (0, 0), (-1, -1), measure.thesis_gap),
        # The rule runs from the first line's cap height to below the last line's descenders.
        ("TOPPADDING", (0, 0), (-1, -1), measure.thesis_rule),
        ("BOTTOMPADDING", (0, 0), (-1, -1), measure.thesis_gap / 2)))
    statement.keepWithNext = 1
    statement.spaceAfter = theme.body_leading
    return [heading, statement, *ctx.body(thesis.body)]


def build_untreated(loaded: LoadedEvent, ctx: Context) -> list:
    items = loaded.day.untreated_theses
    if not items:
        return []
    theme = ctx.theme
    listing = ListFlowable([ListItem(ctx.plain(item, "quiet_list")) for item in items],
                           **theme.list_options("–", theme.palette.secondary))
    return [part_heading(ctx, ctx.lang["untreated_theses"], "untreated-theses"), listing]
