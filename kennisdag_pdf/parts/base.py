"""What every document part shares: the composing context and the heading helpers.

A part is a pure function `build(loaded, ctx) -> list[Flowable]`. Its flowables come from
flowables.py; headings carry their own signposts (outline, contents, running head), so the
document template needs no knowledge of the parts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO

from reportlab.platypus import Flowable, Paragraph

from .. import text
from ..flowables import Heading, OutlineEntry, Para, Signpost
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

    def body(self, value: str | None, style: str = "body") -> list[Flowable]:
        if not value:
            return []
        printed = self.profile.printed_links
        story: list[Flowable] = []
        for para in text.body_paragraphs(value, link_color=self.theme.palette.link,
                                         printed_links=printed):
            story.append(Para(para.markup, self.theme[style]))
            if printed and para.urls:
                story.append(qr_codes(self.theme, para.urls))
        return story

    def plain(self, value: str, style: str) -> Paragraph:
        return Para(text.plain(value), self.theme[style])

    def image(self, asset, *, width: float, height: float, crop: bool = False,
              h_align: str = "LEFT") -> Flowable:
        """An image at exactly this size (crop=True fills it; otherwise the caller keeps the
        image's proportions), prepared for the profile."""
        from reportlab.platypus import Image

        placed = self.images.place(asset, width, height, crop=crop)
        return Image(BytesIO(placed.data), width=width, height=height, hAlign=h_align)

    def fitted_image(self, asset, *, height: float, max_width: float) -> Flowable:
        """An image at a given height, never wider than max_width, in its own proportions."""
        scale = min(height / asset.height, max_width / asset.width)
        return self.image(asset, width=asset.width * scale, height=asset.height * scale)


def part_heading(ctx: Context, title: str, key: str, *, style: str = "part",
                 contents: bool = True) -> Heading:
    return Heading(title, ctx.theme[style],
                   Signpost((OutlineEntry(0, title, key, contents),), running_head=title,
                            opens_part=True))


def section_heading(ctx: Context, title: str, key: str) -> Heading:
    return Heading(title, ctx.theme["section"], Signpost((OutlineEntry(1, title, key),)))
