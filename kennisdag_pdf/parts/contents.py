"""The table of contents, filled in by the document template from the headings' entries."""

from __future__ import annotations

from reportlab.platypus.tableofcontents import TableOfContents

from ..loader import LoadedEvent
from ..theme import Theme
from .base import Context, Heading, OutlineEntry


def table_of_contents(theme: Theme) -> TableOfContents:
    """The contents list; one instance lives through all layout passes, collecting entries."""
    return TableOfContents(
        levelStyles=[theme["toc0"], theme["toc1"]], dotsMinLevel=1,
        tableStyle=theme.table_style("toc0"))


def build(loaded: LoadedEvent, ctx: Context) -> list:
    theme = ctx.theme
    # The contents list themselves in the outline but not in the contents.
    title = ctx.lang["contents"]
    heading = Heading(title, theme["toc_title"],
                      entries=(OutlineEntry(0, title, "contents", in_contents=False),),
                      running_head=title, opens_part=True)
    return [heading, ctx.contents]
