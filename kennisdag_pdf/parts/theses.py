"""One chapter per thesis: the 'Stelling N' label, the statement as a display quote, the debate.

A thesis runs on below the one before it (flowables.RunOn), and starts a new page only when
its label, statement and first lines would not fit there, or that page is mostly filled and
the thesis would not end on it.
"""

from __future__ import annotations

from ..loader import LoadedEvent
from ..model import Thesis
from ..flowables import Heading, MeasuredTable, OutlineEntry, Signpost, run_on, tagged
from .base import Context, bullet_list, part_heading


# A long event's theses are grouped by a hundred in the outline ("Stellingen 101–200"): a
# reader finds one among thousands in a few clicks, and no row of the outline is longer than
# a validator can follow (accessibility.VALIDATOR_REFERENCE_DEPTH).
OUTLINE_GROUP = 100


def build(loaded: LoadedEvent, ctx: Context) -> list:
    story: list = []
    total = len(loaded.day.theses)
    for number, thesis in enumerate(loaded.day.theses, start=1):
        if story:
            story.append(run_on(ctx.theme))
        story += thesis_chapter(number, thesis, ctx, total=total)
    return story


def thesis_chapter(number: int, thesis: Thesis, ctx: Context, *, total: int = 1) -> list:
    """The label and the statement are one heading (H1): 'Stelling 1' alone says nothing."""
    theme = ctx.theme
    section = ctx.section()
    title = section.add("H1")
    label = ctx.lang["thesis"].format(number=number)
    grouped = total > OUTLINE_GROUP
    entries = (OutlineEntry(2 if grouped else 1, f"{label}: {thesis.statement}",
                            f"thesis-{number}"),)
    if grouped and (number - 1) % OUTLINE_GROUP == 0:
        last = min(number + OUTLINE_GROUP - 1, total)
        entries = (OutlineEntry(1, ctx.lang["theses_range"].format(first=number, last=last),
                                f"theses-{number}-{last}", in_contents=False),) + entries
    if number == 1:  # the group entry that the theses nest under in contents and outline
        entries = (OutlineEntry(0, ctx.lang["theses"], "theses"),) + entries
    heading = tagged(Heading(label, theme["thesis_label"],
                             Signpost(entries, running_head=label, opens_part=True)), title)
    statement = MeasuredTable([[ctx.plain(thesis.statement, "thesis_statement", title)]],
                              colWidths=[theme.page.text_width], hAlign="LEFT",
                              splitInRow=1)
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
    return [heading, statement, *ctx.body(thesis.body, parent=section)]


def build_untreated(loaded: LoadedEvent, ctx: Context) -> list:
    items = loaded.day.untreated_theses
    if not items:
        return []
    theme = ctx.theme
    section = ctx.section()
    heading = part_heading(ctx, ctx.lang["untreated_theses"], "untreated-theses", section)
    listing = bullet_list(ctx, section, items,
                          lambda item, body: [ctx.plain(item, "quiet_list", body.add("P"))],
                          options=theme.list_options("–", theme.palette.secondary),
                          numbering="None")
    return [heading, listing]
