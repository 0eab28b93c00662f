"""What every document part shares: the composing context and the heading flowable.

A part is a pure function `build(loaded, ctx) -> list[Flowable]`. Headings carry their own
outline and contents entries, so the document template needs no knowledge of the parts.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaParser

from .. import text
from ..i18n import Language
from ..images import ImageShop
from ..loader import LoadedEvent
from ..profiles import Profile
from ..theme import Theme


ZERO_WIDTH_SPACE = "\u200b"


class Para(Paragraph):
    """A paragraph that parses plain text without the markup parser and breaks its lines once
    per width.

    Most paragraphs of a brochure are plain text (names, statements, contents lines): with no
    '<' and no '&' there is nothing to parse, and ReportLab's parser would only hand back one
    fragment in the style's font. That fragment is made once per style, by the parser itself,
    and copied with the new text, which is a tenth of the cost of a parse.

    ReportLab asks a paragraph for its height again and again at the same width (the frame,
    keep-with-next groups, conditional page breaks, table cells) and breaks all its lines
    every time: two to three times per paragraph in a long brochure, a third of the layout.
    Line breaking depends only on the width, so the last answer stands.
    """

    def __init__(self, text, style=None, bulletText=None, frags=None, **options):  # noqa: N803
        if frags is None and isinstance(text, str) and "<" not in text and "&" not in text \
                and style is not None and not options:
            text = _cleaned(text)
            frags = _plain_fragments(text, style)
        super().__init__(text, style, bulletText, frags, **options)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        # split() drops blPara when it pushes the paragraph on: then break again.
        if getattr(self, "_wrapped_at", None) == available_width and hasattr(self, "blPara"):
            return self.width, self.height
        size = super().wrap(available_width, available_height)
        self._wrapped_at = available_width
        return size


def _cleaned(text: str) -> str:
    """ReportLab's whitespace clean-up (runs collapsed, ends stripped), skipped when there is
    nothing to clean: no whitespace but single spaces between words. Its whitespace includes
    the zero-width space, which Python's str.split does not."""
    if " ".join(text.split()) == text and ZERO_WIDTH_SPACE not in text:
        return text
    return cleanBlockQuotedText(text)


_FRAGMENT_OF_STYLE: WeakKeyDictionary = WeakKeyDictionary()  # style → its one plain fragment


def _plain_fragments(text: str, style) -> list | None:
    """The fragments ReportLab's parser makes of markup-free text; None: let it parse."""
    if not text:
        return None
    try:
        model = _FRAGMENT_OF_STYLE[style]
    except KeyError:
        parsed_style, frags, bullets = ParaParser().parse("x", style)
        single = frags is not None and len(frags) == 1 and not bullets \
            and parsed_style is style
        model = _FRAGMENT_OF_STYLE[style] = frags[0] if single else None
    if model is None:
        return None
    fragment = copy.copy(model)
    fragment.text = text
    frags = [fragment]
    textTransformFrags(frags, style)
    return frags


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
                from .links import qr_codes

                story.append(qr_codes(self, para.urls))
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


class Heading(Para):
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

    def split(self, available_width: float, available_height: float) -> list:
        return []  # a heading is never broken over two pages: it moves on whole


class Point(Flowable):
    """A point in the story that takes no room and draws nothing; the document template
    does not count it as content on the page."""

    _ZEROSIZE = 1

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        pass


class Marker(Point):
    """An invisible point in the story with the same entries a Heading carries."""

    def __init__(self, *, entries: tuple[OutlineEntry, ...] = (),
                 running_head: str | None = None, opens_part: bool = False) -> None:
        super().__init__()
        self.entries = entries
        self.running_head = running_head
        self.opens_part = opens_part


def part_heading(ctx: Context, title: str, key: str, *, style: str = "part",
                 contents: bool = True) -> Heading:
    return Heading(title, ctx.theme[style], entries=(OutlineEntry(0, title, key, contents),),
                   running_head=title, opens_part=True)


def section_heading(ctx: Context, title: str, key: str) -> Heading:
    return Heading(title, ctx.theme["section"], entries=(OutlineEntry(1, title, key),))


TEMPLATE_COVER = "cover"
# Facing pages: a left-hand (even) page has its inner margin on the right. Page 2 is the
# first left-hand page, so the body cycles left, right, left, … from there.
TEMPLATE_BODY_LEFT = "body-left"
TEMPLATE_BODY_RIGHT = "body-right"
TEMPLATE_BODY = [TEMPLATE_BODY_LEFT, TEMPLATE_BODY_RIGHT]
TEMPLATE_BACK = "back"


class BlankPage(Flowable):
    """Marks an intentionally blank page: no running head, no folio.

    Takes a point of height so that the page exists: ReportLab skips empty pages.
    """

    blank = True

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return (0, 1)

    def draw(self) -> None:
        pass


class FillSheet(Point):
    """Where blank pages go, if any, so that the page count is a multiple of `multiple`
    (4 for a saddle-stitched booklet) with `following` pages still to come.

    The document template replaces it by the blanks when it reaches it: only then is the
    number of pages before it known.
    """

    def __init__(self, multiple: int, following: int) -> None:
        super().__init__()
        self.multiple = multiple
        self.following = following
