"""The table of contents, laid out once: its entries are known before layout, its page numbers
are filled in after it.

ReportLab's TableOfContents learns its entries while the document is laid out, so the whole
document has to be laid out again (multiBuild), at least twice, for a 1,000-page brochure as
for a short one. Here the entries come from the composed story itself (every heading's signpost
carries them), so the list has its final length before layout starts; only the page numbers are
unknown, and those are drawn as late forms (see document.py): placed during layout, written
once every page exists.
"""

from __future__ import annotations

import math
from contextlib import nullcontext

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether

from .. import text
from ..flowables import (Element, Heading, OutlineEntry, Para, Point, Signpost, element_of,
                         signpost_of, stacked_height, tagged)
from ..loader import LoadedEvent
from .base import Context

LEADER = " . "  # the dot leader between a section's title and its page number
CALLBACK = "contents_entry_end"


class ContentsList(Point):
    """Where the contents lines go: compose replaces it by one ContentsLine per entry once
    the whole story, and so every heading, exists. `toc` is their TOC element; `heading` the
    contents' title, which opens the page the lines begin on."""

    def __init__(self, toc: Element, heading) -> None:
        super().__init__()
        self.toc = toc
        self.heading = heading


class ContentsLine(Para):
    """One contents entry: its title, its page number at the right, and one link to the
    heading over the whole entry.

    A paragraph of its own (not a row of one big table, as ReportLab's contents are): a frame
    places it once, where a table of hundreds of rows is wrapped again at every page break.
    One link covers the entry, title lines and number alike: a link per line of the title (as
    an <a> in the markup makes) is three objects for a two-line title, and leaves gaps.
    """

    def __init__(self, entry: OutlineEntry, style, width: float, *, linked: bool = True) -> None:
        super().__init__(f'{text.plain(entry.title)}<onDraw name="{CALLBACK}"/>', style)
        self.entry = entry
        self.line_width = width
        self.linked = linked  # on paper there is nothing to click

    def split(self, available_width: float, available_height: float) -> list:
        return []  # an entry is never broken over two pages: it moves on whole

    def drawOn(self, canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802
        # The link is made inside the entry's marked content, so that it is the entry's Link;
        # the page number (a late form) is drawn there too, and is read with its title. The
        # dot leader is drawn after it, outside: decoration, which a reader must not hear as
        # "dot dot dot".
        tags = getattr(canvas, "tags", None)
        element = element_of(self)
        with tags.marked(element, self) if tags and element else nullcontext():
            if self.linked:
                canvas.linkRect(self.entry.title, self.entry.key,
                                (x, y, x + self.line_width, y + self.height), relative=1)
            canvas.setNamedCB(CALLBACK, self._entry_end)
            super().drawOn(canvas, x, y, _sW)
            # The number is placed after the title's text is written, so that it is read
            # after it (the callback comes while the title's text object is still open).
            end_x, end_y = self._title_end
            self._place(canvas, "contents", (x + end_x, y + end_y), self.line_width - end_x,
                        _page_number)
        if self.entry.level >= 1:
            with tags.artifact("Layout") if tags else nullcontext():
                self._place(canvas, "leader", (x, y + end_y), self.line_width,
                            lambda form, style, page, width: _leader(form, style, page, width,
                                                                     start=end_x))

    def _entry_end(self, canvas, kind: str, label: str) -> None:
        # Called by the paragraph where the title's last line ends.
        self._title_end = canvas._curr_tx_info["cur_x"], canvas._curr_tx_info["cur_y"]

    def _place(self, canvas, kind: str, origin: tuple[float, float], room: float,
               write) -> None:
        """A late form at origin: write(form, style, page, room) fills it once the heading's
        page is known. One per entry and kind: a reader finds each number after its title."""
        entry, style = self.entry, self.style

        def draw(form, pages) -> None:
            write(form, style, pages[entry.key], room)

        canvas._doctemplate.late_form(canvas, f"{kind}-{entry.key}", origin,
                                      (0, -style.fontSize, room, style.leading), draw)


def contents_lines(entries: list[OutlineEntry], ctx: Context, toc: Element,
                   heading) -> list[ContentsLine]:
    """One line per entry, each a TOCI of the contents' TOC; where it can be clicked, the
    entry's words are its Link (TOCI > Link), which holds the link annotation too. With the
    heading that opens their page: set tighter where that keeps them on one page."""
    theme = ctx.theme
    linked = not ctx.profile.strip_annotations
    lines = _fitted(heading, _lines(entries, theme.contents_styles(), theme.page.text_width,
                                    linked), theme)
    for line in lines:
        item = toc.add("TOCI")
        tagged(line, item.add("Link") if linked else item)
    return lines


def _lines(entries: list[OutlineEntry], styles: tuple, width: float,
           linked: bool) -> list[ContentsLine]:
    first, part, section = styles
    return [ContentsLine(entry, first if number == 0 and entry.level == 0
                         else (part, section)[min(entry.level, 1)], width, linked=linked)
            for number, entry in enumerate(entries)]


def _fitted(heading, lines: list[ContentsLine], theme) -> list[ContentsLine]:
    """The lines set at the share of their spacing at which they and the heading fill one
    page, when they overflow it by no more than the theme allows; else the lines as they are.
    Everything below the heading's text scales with the spacing (the lines' breaks depend on
    the width alone), so the share is exact; the tightened lines are measured again, to be
    sure, before they are used."""
    room, width = theme.page.text_height, theme.page.text_width
    total = stacked_height([heading, *lines], width, None)
    if total <= room:
        return lines
    fixed = stacked_height([heading], width, None)
    squeeze = (room - fixed) / (total - fixed) * (1 - 1e-9)
    if squeeze < theme.measure.contents_squeeze:
        return lines
    squeezed = _lines([line.entry for line in lines], theme.contents_styles(squeeze), width,
                      lines[0].linked)
    return squeezed if stacked_height([heading, *squeezed], width, None) <= room else lines


def _page_number(canvas, style, page: int, room: float) -> None:
    """Right-aligned in the room after the title."""
    number = str(page)
    canvas.setFont(style.fontName, style.fontSize)
    canvas.setFillColor(style.textColor)
    canvas.drawString(room - stringWidth(number, style.fontName, style.fontSize), 0, number)


def _leader(canvas, style, page: int, width: float, *, start: float) -> None:
    """The dot leader from the title's end (start) to the page number; each " . " of it
    brings its own spaces. The dots stand on one grid from the line's left edge, as in a
    typeset contents: they line up from entry to entry, whatever a title's or a number's
    length."""
    pitch = stringWidth(LEADER, style.fontName, style.fontSize)
    number = stringWidth(str(page), style.fontName, style.fontSize)
    first, end = math.ceil(start / pitch), math.floor((width - number) / pitch)
    if end <= first:
        return
    canvas.setFont(style.fontName, style.fontSize)
    canvas.setFillColor(style.textColor)
    canvas.drawString(first * pitch, 0, LEADER * (end - first))


def entries_in(story: list) -> list[OutlineEntry]:
    """Every contents entry of the composed story, in reading order."""
    found: list[OutlineEntry] = []
    for flowable in story:
        if isinstance(flowable, KeepTogether):
            found += entries_in(flowable._content)
        signpost = signpost_of(flowable)
        if signpost is not None:
            found += [e for e in signpost.entries if e.in_contents]
    return found


def build(loaded: LoadedEvent, ctx: Context) -> list:
    theme = ctx.theme
    # The contents list themselves in the outline but not in the contents.
    title = ctx.lang["contents"]
    section = ctx.section()
    heading = tagged(Heading(title, theme["toc_title"],
                             Signpost((OutlineEntry(0, title, "contents", in_contents=False),),
                                      running_head=title, opens_part=True)),
                     section.add("H1"))
    return [heading, ContentsList(section.add("TOC"), heading)]
