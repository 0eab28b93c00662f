"""The table of contents, laid out once: its entries are known before layout, its page numbers
are filled in after it.

ReportLab's TableOfContents learns its entries while the document is laid out, so the whole
document has to be laid out again (multiBuild), at least twice, for a 1,000-page brochure as
for a short one. Here the entries come from the composed story itself (every heading carries
its own), so the list has its final length before layout starts; only the page numbers are
unknown, and those are drawn as late forms (see document.py): placed during layout, written
once every page exists.
"""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from .. import text
from ..loader import LoadedEvent
from .base import Context, Heading, OutlineEntry

LEADER = " . "  # the dot leader between a section's title and its page number
CALLBACK = "contents_entry_end"


class ContentsList(Flowable):
    """One line per heading in the contents, title linked to it, page number at the right."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.theme = ctx.theme
        self.lines: list[OutlineEntry] = []  # not `entries`: that would make it a heading
        self._table: Table | None = None

    def fill(self, entries: list[OutlineEntry]) -> None:
        self.lines = entries

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        styles = [self.theme["toc0"], self.theme["toc1"]]

        def entry_end(canvas, kind: str, label: str) -> None:
            # Called by the paragraph where the title's last line ends.
            entry = self.lines[int(label)]
            style = styles[min(entry.level, 1)]
            x, y = canvas._curr_tx_info["cur_x"], canvas._curr_tx_info["cur_y"]
            canvas.linkRect("", entry.key, (x, y, available_width, y + style.leading),
                            relative=1)
            self._number_at(canvas, x, y, available_width - x, entry, style)

        self.canv.setNamedCB(CALLBACK, entry_end)
        rows = []
        for number, entry in enumerate(self.lines):
            style = styles[min(entry.level, 1)]
            if style.spaceBefore:
                rows.append([Spacer(1, style.spaceBefore)])
            title = f'<a href="#{entry.key}">{text.plain(entry.title)}</a>'
            rows.append([Paragraph(f'{title}<onDraw name="{CALLBACK}" label="{number}"/>',
                                   style)])
        self._table = Table(rows or [[Spacer(1, 0)]], colWidths=(available_width,),
                            style=self.theme.table_style("toc0"))
        self.width, self.height = self._table.wrapOn(self.canv, available_width,
                                                     available_height)
        return self.width, self.height

    def _number_at(self, canvas, x: float, y: float, room: float, entry: OutlineEntry,
                   style) -> None:
        """The entry's page number as a late form, in the room after its title. (One form
        per entry: a reader that extracts the text finds each number after its title.)"""

        def draw(form, pages) -> None:
            _page_number(form, style, pages[entry.key], room, leader=entry.level >= 1)

        canvas._doctemplate.late_form(canvas, f"contents-{entry.key}", (x, y),
                                      (0, -style.fontSize, room, style.leading), draw)

    def split(self, available_width: float, available_height: float) -> list:
        self.wrap(available_width, available_height)
        return self._table.splitOn(self.canv, available_width, available_height)

    def drawOn(self, canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802
        self._table.drawOn(canvas, x, y, _sW)


def _page_number(canvas, style, page: int, room: float, *, leader: bool) -> None:
    """Right-aligned in the room after the title, with a dot leader for sections."""
    number = str(page)
    width = stringWidth(number, style.fontName, style.fontSize)
    dot = stringWidth(LEADER, style.fontName, style.fontSize)
    dots = int((room - width) / dot) if leader and room > width else 0
    canvas.setFont(style.fontName, style.fontSize)
    canvas.setFillColor(style.textColor)
    canvas.drawString(room - dots * dot - width, 0, LEADER * dots + number)


def entries_in(story: list) -> list[OutlineEntry]:
    """Every contents entry of the composed story, in reading order."""
    found: list[OutlineEntry] = []
    for flowable in story:
        if isinstance(flowable, KeepTogether):
            found += entries_in(flowable._content)
        found += [e for e in getattr(flowable, "entries", ()) if e.in_contents]
    return found


def build(loaded: LoadedEvent, ctx: Context) -> list:
    theme = ctx.theme
    # The contents list themselves in the outline but not in the contents.
    title = ctx.lang["contents"]
    heading = Heading(title, theme["toc_title"],
                      entries=(OutlineEntry(0, title, "contents", in_contents=False),),
                      running_head=title, opens_part=True)
    return [heading, ContentsList(ctx)]
