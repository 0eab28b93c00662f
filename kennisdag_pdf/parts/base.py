"""What every document part shares: the composing context and the heading flowable.

A part is a pure function `build(loaded, ctx) -> list[Flowable]`. Headings carry their own
outline and contents entries, so the document template needs no knowledge of the parts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph

from .. import text
from ..i18n import Language
from ..loader import LoadedEvent
from ..theme import Theme


@dataclass(frozen=True)
class OutlineEntry:
    level: int  # 0: part, 1: section within a part
    title: str  # plain text, as the reader sees it
    key: str  # PDF destination name
    in_contents: bool = True


@dataclass(frozen=True)
class Context:
    theme: Theme
    lang: Language
    build_date: dt.date
    version: str
    contents: Flowable  # the one TableOfContents that collects entries across passes

    def body(self, value: str | None, style: str = "body") -> list[Flowable]:
        if not value:
            return []
        return [Paragraph(markup, self.theme[style])
                for markup in text.body(value, link_color=self.theme.palette.link)]

    def plain(self, value: str, style: str) -> Paragraph:
        return Paragraph(text.plain(value), self.theme[style])


class Heading(Paragraph):
    """A heading that registers itself in the outline, the contents and the running head.

    `running_head` is the text shown on the following pages of its part; `opens_part` makes
    the document suppress the running head on the page where the part begins.
    """

    def __init__(self, title: str, style, *, entries: tuple[OutlineEntry, ...] = (),
                 running_head: str | None = None, opens_part: bool = False,
                 markup: str | None = None) -> None:
        super().__init__(markup if markup is not None else escape(title), style)
        self.entries = entries
        self.running_head = running_head
        self.opens_part = opens_part


class Marker(Flowable):
    """An invisible point in the story with the same entries a Heading carries."""

    _ZEROSIZE = 1

    def __init__(self, *, entries: tuple[OutlineEntry, ...] = (),
                 running_head: str | None = None, opens_part: bool = False) -> None:
        super().__init__()
        self.entries = entries
        self.running_head = running_head
        self.opens_part = opens_part

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        pass


def part_heading(ctx: Context, title: str, key: str, *, style: str = "part",
                 contents: bool = True) -> Heading:
    return Heading(title, ctx.theme[style], entries=(OutlineEntry(0, title, key, contents),),
                   running_head=title, opens_part=True)


def section_heading(ctx: Context, title: str, key: str) -> Heading:
    return Heading(title, ctx.theme["section"], entries=(OutlineEntry(1, title, key),))


TEMPLATE_COVER = "cover"
TEMPLATE_BODY = "body"
TEMPLATE_BACK = "back"


def image_flowable(asset, *, height: float, max_width: float):
    """An image placed at a given height (never wider than max_width), from checked pixels."""
    from io import BytesIO

    from reportlab.platypus import Image

    scale = min(height / asset.height, max_width / asset.width)
    buffer = BytesIO()
    asset.image.save(buffer, format="PNG", optimize=False)
    buffer.seek(0)
    return Image(buffer, width=asset.width * scale, height=asset.height * scale, hAlign="LEFT")
