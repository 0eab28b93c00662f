"""What every document part shares: the composing context and the heading helpers.

A part is a pure function `build(loaded, ctx) -> list[Flowable]`. Its flowables come from
flowables.py; headings carry their own signposts (outline, contents, running head), so the
document template needs no knowledge of the parts. A part also adds its section to the
structure tree of the tagged PDF (`ctx.document`), in reading order, and binds each flowable
to its element there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO

from reportlab.platypus import Flowable, Paragraph

from .. import text
from ..flowables import (BulletList, Element, Heading, IntroFits, OutlineEntry, Para, Picture,
                         Signpost, tagged)
from ..i18n import Language
from ..images import ImageShop
from ..profiles import Profile
from ..theme import Theme
from .links import qr_codes


@dataclass(frozen=True)
class Context:
    theme: Theme
    lang: Language
    build_date: dt.date
    version: str
    profile: Profile
    images: ImageShop
    document: Element  # the root of the structure tree; each part adds its section

    def section(self) -> Element:
        """A part's own section of the structure tree, after those of the parts before it."""
        return self.document.add("Sect")

    def body(self, value: str | None, style: str = "body", *,
             parent: Element) -> list[Flowable]:
        """Body text under parent: a paragraph (P) per paragraph, a list (L) per list, and on
        paper a QR code per link."""
        if not value:
            return []
        blocks = text.body_blocks(value, link_color=self.theme.palette.link,
                                  printed_links=self.profile.printed_links)
        return self._blocks(blocks, style, parent)

    def _blocks(self, blocks: list[text.BodyBlock], style: str, parent: Element, *,
                in_item: bool = False) -> list[Flowable]:
        story: list[Flowable] = []
        for block in blocks:
            if isinstance(block, text.BodyList):
                listing = self._list(block, style, parent)
                # A paragraph before a list introduces it (within an item it is the item's
                # own words, which carry its bullet: nothing may come before them).
                if story and isinstance(story[-1], Para) and not in_item:
                    story.insert(-1, IntroFits(story[-1], listing.first_item, listing.indent))
                story.append(listing)
                continue
            para = _bound(Para(block.markup, self.theme[style]), parent, "P")
            story.append(para)
            if self.profile.printed_links and block.urls:
                story.append(qr_codes(self.theme, block.urls, parent))
        return story

    def _list(self, listing: text.BodyList, style: str, parent: Element) -> BulletList:
        """A list written in a body: bullets or numbers in the text's own colour (the writer's
        list, not one of the brochure's accents), its items set tight ("list_item") and the
        list spaced as the paragraphs around it (a list within an item as an item)."""
        item_style = "list_item"
        colour = self.theme[style].textColor
        if listing.ordered:
            options = self.theme.numbered_list_options(listing.start, colour)
            numbering = "Decimal"
        else:
            options = self.theme.list_options("•", colour)
            numbering = "Disc"
        options["spaceAfter"] = self.theme[style].spaceAfter
        return bullet_list(self, parent, listing.items,
                           lambda item, body: self._blocks(list(item), item_style, body,
                                                           in_item=True),
                           options=options, numbering=numbering)

    def plain(self, value: str, style: str, element: Element | None = None) -> Paragraph:
        """Plain text; bound to element when given (a role of its own: H1, TD, P …)."""
        para = Para(text.plain(value), self.theme[style])
        return tagged(para, element) if element is not None else para

    def image(self, asset, *, width: float, height: float, crop: bool = False,
              h_align: str = "LEFT", element: Element | None = None) -> Flowable:
        """An image at exactly this size (crop=True fills it; otherwise the caller keeps the
        image's proportions), prepared for the profile; a Figure when element is given,
        otherwise decoration."""
        placed = self.images.place(asset, width, height, crop=crop)
        picture = Picture(BytesIO(placed.data), width=width, height=height, hAlign=h_align)
        return tagged(picture, element) if element is not None else picture


def _bound(flowable, parent: Element | None, role: str):
    return tagged(flowable, parent.add(role)) if parent is not None else flowable


def part_heading(ctx: Context, title: str, key: str, parent: Element, *, style: str = "part",
                 contents: bool = True) -> Heading:
    """A part's title: the first heading level (H1)."""
    heading = Heading(title, ctx.theme[style],
                      Signpost((OutlineEntry(0, title, key, contents),), running_head=title,
                               opens_part=True))
    return tagged(heading, parent.add("H1"))


def section_heading(ctx: Context, title: str, key: str, parent: Element) -> Heading:
    """A section within a part (H2)."""
    heading = Heading(title, ctx.theme["section"], Signpost((OutlineEntry(1, title, key),)))
    return tagged(heading, parent.add("H2"))


def bullet_list(ctx: Context, parent: Element, values, body, *, options: dict,
                numbering: str) -> BulletList:
    """A list with hanging bullets, L > LI > Lbl (the bullet) + LBody under parent: body(value,
    lbody) makes an item's flowables, bound within its LBody. options: the theme's list
    options (Theme.list_options, numbered_list_options); numbering: the list's
    /ListNumbering ("Disc", "Decimal", "None", …), what a reader is told the bullets are."""
    listing = parent.add("L", attributes={"O": "List", "ListNumbering": numbering})
    items = []
    for value in values:
        entry = listing.add("LI")
        label = entry.add("Lbl")
        items.append((label, body(value, entry.add("LBody"))))
    return BulletList(items, **options)
