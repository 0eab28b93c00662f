"""The design in one place: page geometry, palette, type roles and paragraph styles.

Layout code asks the theme for a style or a measure by name and never holds a literal colour,
size or font of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle

from . import fonts
from .hyphenation import Hyphenator
from .paper import MARKS, TRIM_SIZES  # noqa: F401  (MARKS: document.py and impose.py read it here)
from .units import MM as mm


@dataclass(frozen=True)
class PageGeometry:
    """Trim size, the text block inside it and the bleed around it, in points.

    Pages face each other in a booklet: `inner` is the margin at the spine, `outer` the one at
    the fore-edge. A right-hand page (odd folio) has its inner margin on the left.
    """

    name: str
    width: float
    height: float
    inner: float
    outer: float
    top: float
    bottom: float
    head_offset: float  # running head baseline above the text block
    foot_offset: float  # folio baseline below the text block
    head_rule_gap: float = 4  # from the running head's baseline down to its rule
    cover_band: float = 0.56  # share of the cover's height the accent band takes
    cover_image: float = 0.42  # share of the cover's height a cover photo takes, above the band
    cover_image_band: float = 0.30  # the band's share when a cover photo sits above it
    cover_band_pad: float = 16 * mm  # space between the band's foot and the subtitle
    cover_meta_gap: float = 14  # from the band's foot down to the date and venue
    bleed: float = 0  # backgrounds and full-bleed images run this far past the trim

    @property
    def size(self) -> tuple[float, float]:
        return (self.width, self.height)

    @property
    def text_width(self) -> float:
        return self.width - self.inner - self.outer

    @property
    def text_height(self) -> float:
        return self.height - self.top - self.bottom

    def left_margin(self, right_hand: bool) -> float:
        return self.inner if right_hand else self.outer

    def band_top(self, with_image: bool) -> float:
        """Where the cover's accent band begins, measured from the foot of the page."""
        return self.height * (1 - self.cover_image) if with_image else self.height

    def cover_band_height(self, with_image: bool) -> float:
        return self.height * (self.cover_image_band if with_image else self.cover_band)

    def cover_band_text_height(self, with_image: bool) -> float:
        top_margin = self.cover_band_pad if with_image else self.top
        return self.cover_band_height(with_image) - top_margin - self.cover_band_pad

    def cover_image_box(self) -> tuple[float, float, float, float]:
        """x, y, width, height of a full-bleed cover photo: to the trim's top and sides + bleed."""
        y = self.band_top(True)
        return (-self.bleed, y, self.width + 2 * self.bleed, self.height - y + self.bleed)


@dataclass(frozen=True)
class TypeScale:
    """Reading size and how much the display sizes shrink on a smaller page."""

    body_size: float
    body_leading: float
    display: float  # factor on headings, thesis labels and the cover title


# Margins are those of a saddle-stitched booklet: the spine needs less than the fore-edge's
# thumb room.
PAGE_SIZES: dict[str, tuple[PageGeometry, TypeScale]] = {
    "a5": (PageGeometry("A5", *TRIM_SIZES["a5"], inner=17 * mm, outer=15 * mm, top=20 * mm,
                        bottom=20 * mm, head_offset=9 * mm, foot_offset=9 * mm,
                        cover_band_pad=11 * mm, cover_meta_gap=11),
           TypeScale(body_size=9.6, body_leading=13.6, display=0.8)),
    "a4": (PageGeometry("A4", *TRIM_SIZES["a4"], inner=30 * mm, outer=26 * mm, top=28 * mm,
                        bottom=26 * mm, head_offset=12 * mm, foot_offset=12 * mm),
           TypeScale(body_size=10.5, body_leading=15.0, display=1.0)),
}


@dataclass(frozen=True)
class Ink:
    """One colour of the design, specified for both products: screen RGB and print CMYK.

    The CMYK values are set by hand, not computed: neutrals print on black alone, and black
    text is pure K (0, 0, 0, 1) so that it never shows colour fringes from misregistration.
    """

    rgb: str
    cmyk: tuple[float, float, float, float]

    def in_space(self, space: str) -> colors.Color:
        if space == "cmyk":
            return colors.CMYKColor(*self.cmyk)
        return colors.HexColor(self.rgb)


@dataclass(frozen=True)
class Palette:
    """Fine detail prints in few inks: four plates never register perfectly, and a thin
    stroke or a small letter built from four shows coloured fringes. So text under 12 pt
    that is not black takes two inks at most, a rule under 1 pt one, and small reversed
    text stands on a ground of two. `accent_small` and `band` are the accent on screen and
    differ only in print: the parts choose them by use, and the screen stays as it was."""

    text: Ink = Ink("#1b1b1b", (0, 0, 0, 1))  # 100 % K: overprints (tagging.py)
    secondary: Ink = Ink("#5f6368", (0, 0, 0, 0.68))  # organisations, roles, furniture
    # Headings, thesis labels and the thesis rule: large enough for four inks.
    accent: Ink = Ink("#1d5168", (0.88, 0.45, 0.25, 0.42))
    # The accent in cyan and black, the two-ink mix nearest to it on the FOGRA39 profile
    # (ΔE 4): agenda numbers and bullets (small type), and the cover band, the ground of the
    # small reversed kicker.
    accent_small: Ink = Ink("#1d5168", (0.71, 0, 0, 0.70))
    band: Ink = Ink("#1d5168", (0.71, 0, 0, 0.70))
    accent_light: Ink = Ink("#e7eef1", (0.08, 0, 0, 0))  # the kicker on the band: one ink
    on_accent: Ink = Ink("#ffffff", (0, 0, 0, 0))
    rule: Ink = Ink("#c9d1d5", (0, 0, 0, 0.2))  # 0.5 pt rules: a black tint, one ink


@dataclass(frozen=True)
class Colours:
    """The palette resolved to one colour space (see Theme.palette)."""

    text: colors.Color
    secondary: colors.Color
    accent: colors.Color
    accent_small: colors.Color
    band: colors.Color
    accent_light: colors.Color
    on_accent: colors.Color
    rule: colors.Color

    @property
    def link(self) -> str:
        """Paragraph markup wants a colour as text; links exist only in RGB (screen)."""
        return self.accent.hexval().replace("0x", "#")


@dataclass(frozen=True)
class Measures:
    """Sizes the parts use besides the text styles, in points unless said otherwise."""

    rule: float = 0.5  # table rules and the running head's rule
    cell_gap: float = 8  # between two table columns
    row_padding: float = 3.2  # above and below a participant row
    agenda_number: float = 22  # column of 1., 2., …
    agenda_letter: float = 18  # column of a., b., …
    agenda_item_gap: float = 5  # above each numbered agenda item
    agenda_sub_padding: float = 1.5  # above and below a lettered sub-item
    list_indent: float = 16  # hanging indent of bulleted lists
    thesis_rule: float = 2.5  # the accent rule beside a thesis statement
    thesis_gap: float = 12  # from that rule to the statement
    # The name column is as wide as the widest name, within these shares of the text width:
    # a long name wraps rather than squeeze the organisation and role into a narrow column.
    name_share_min: float = 0.28
    name_share_max: float = 0.55
    colophon_share: float = 0.62  # of the text width, for the colophon
    logo_height: float = 40  # every logo the same height: no organiser looks bigger
    organisers_per_row: int = 3
    organiser_gap: float = 12
    organiser_rule_gap: float = 6  # from the rule above the organisers to their names
    organiser_name_gap: float = 4  # from a logo down to the organiser's printed name
    qr_size: float = 17 * mm  # smallest printed QR code: a phone reads it at arm's length
    qr_module: float = 0.4 * mm  # smallest module; long URLs make the code larger instead
    qr_gap: float = 6
    # A contents a few lines too long for its page is set with its line spacing (leading and
    # the space above each entry) tightened, down to this share, rather than leave those
    # lines alone on a second page; a longer one runs on at its own spacing.
    contents_squeeze: float = 0.85
    photo_caption_gap: float = 4
    photos_per_page: int = 2
    run_on_gap: float = 18  # above and below the rule between chapters that share a page


@dataclass(frozen=True)
class Theme:
    hyphenation: str  # pyphen language, from the event's language
    page: PageGeometry = field(default_factory=lambda: PAGE_SIZES["a4"][0])
    scale: TypeScale = field(default_factory=lambda: PAGE_SIZES["a4"][1])
    colour_space: str = "rgb"  # "rgb" (screen) or "cmyk" (print)
    inks: Palette = field(default_factory=Palette)
    serif: fonts.Family = fonts.SERIF
    sans: fonts.Family = fonts.SANS
    measure: Measures = field(default_factory=Measures)

    @property
    def body_size(self) -> float:
        return self.scale.body_size

    @property
    def body_leading(self) -> float:
        return self.scale.body_leading

    @cached_property
    def palette(self) -> Colours:
        return Colours(**{name: getattr(self.inks, name).in_space(self.colour_space)
                          for name in Colours.__dataclass_fields__})

    @cached_property
    def styles(self) -> dict[str, ParagraphStyle]:
        return _styles(self)

    @cached_property
    def hyphenator(self) -> Hyphenator:
        """The one hyphenator of the reading styles: it learns the event's names to keep
        them whole (compose.py) before the layout asks it anything."""
        return Hyphenator(self.hyphenation)

    def __getitem__(self, name: str) -> ParagraphStyle:
        return self.styles[name]

    @property
    def initial_font(self) -> str:
        return self.serif.regular.name

    def contents_styles(self, squeeze: float = 1.0) -> tuple[ParagraphStyle, ...]:
        """The contents' entry styles (the first entry, a part, a section), their leading and
        the space above each entry times squeeze (1: as they are); the type stays its size."""
        styles = tuple(self[name] for name in ("toc0_first", "toc0", "toc1"))
        if squeeze == 1.0:
            return styles
        return tuple(ParagraphStyle(f"{style.name}_squeezed", parent=style,
                                    leading=style.leading * squeeze,
                                    spaceBefore=style.spaceBefore * squeeze)
                     for style in styles)

    def table_style(self, font_style: str, *commands: tuple) -> TableStyle:
        """A table style with the font of a paragraph style and no padding, plus commands.

        Every table names its font: without one ReportLab draws cells with an unembedded
        Helvetica, even when every cell holds a Paragraph.
        """
        style = self[font_style]
        return TableStyle([
            ("FONT", (0, 0), (-1, -1), style.fontName, style.fontSize),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            *commands,
        ])

    def list_options(self, bullet: str, color: colors.Color) -> dict:
        """ListFlowable settings: hanging bullets in the reading face (never Helvetica)."""
        return dict(bulletType="bullet", start=bullet, leftIndent=self.measure.list_indent,
                    bulletFontName=self.serif.regular.name, bulletFontSize=self.body_size,
                    bulletColor=color)

    def numbered_list_options(self, start: int, color: colors.Color) -> dict:
        """A numbered list's settings: "1.", "2.", … from start, hanging as bullets do, with
        room for the widest number."""
        return dict(bulletType="1", start=start, bulletFormat="%s.",
                    leftIndent=self.measure.list_indent * 1.5,
                    bulletFontName=self.serif.regular.name, bulletFontSize=self.body_size,
                    bulletColor=color)


def _styles(t: Theme) -> dict[str, ParagraphStyle]:
    p, serif, sans = t.palette, t.serif, t.sans
    d = t.scale.display
    d2 = (1 + d) / 2  # sizes near the reading size shrink less than display sizes
    reading = dict(
        hyphenationLang=t.hyphenator, embeddedHyphenation=1, uriWasteReduce=0.3,
        hyphenationMinWordLength=6, allowWidows=0, allowOrphans=0, splitLongWords=1,
    )
    no_hyphens = dict(hyphenationLang="", splitLongWords=1)

    body = ParagraphStyle(
        "body", fontName=serif.regular.name, fontSize=t.body_size, leading=t.body_leading,
        textColor=p.text, alignment=TA_JUSTIFY, spaceAfter=t.body_leading * 0.5, **reading)
    s: dict[str, ParagraphStyle] = {"body": body}
    s["lead"] = ParagraphStyle(
        "lead", parent=body, fontSize=t.body_size * 1.22, leading=t.body_leading * 1.2,
        alignment=TA_LEFT, spaceAfter=t.body_leading)
    s["note"] = ParagraphStyle("note", parent=body, fontName=serif.italic.name,
                               textColor=p.secondary, alignment=TA_LEFT)
    s["part"] = ParagraphStyle(
        "part", fontName=sans.bold.name, fontSize=22 * d, leading=27 * d, textColor=p.accent,
        spaceBefore=28 * d,  # only when a part follows on the same page: ReportLab drops
        # space before at the top of a frame
        spaceAfter=16, keepWithNext=1, **no_hyphens)
    s["section"] = ParagraphStyle(
        "section", fontName=sans.bold.name, fontSize=13 * d2, leading=17 * d2, textColor=p.text,
        spaceBefore=14, spaceAfter=6, keepWithNext=1, **no_hyphens)
    s["thesis_label"] = ParagraphStyle(
        "thesis_label", fontName=sans.bold.name, fontSize=28 * d, leading=32 * d,
        textColor=p.accent, spaceAfter=10, keepWithNext=1, **no_hyphens)
    s["thesis_statement"] = ParagraphStyle(
        "thesis_statement", fontName=serif.italic.name, fontSize=17 * d, leading=23 * d,
        textColor=p.text, spaceAfter=18, keepWithNext=1, alignment=TA_LEFT,
        **no_hyphens)
    s["table"] = ParagraphStyle(
        "table", fontName=sans.regular.name, fontSize=9.5 * d2, leading=13 * d2, textColor=p.text,
        **no_hyphens)
    s["table_number"] = ParagraphStyle("table_number", parent=s["table"],
                                       textColor=p.accent_small, fontName=sans.bold.name)
    s["name"] = ParagraphStyle(
        "name", fontName=serif.regular.name, fontSize=t.body_size, leading=13.5,
        textColor=p.text, **no_hyphens)
    s["affiliation"] = ParagraphStyle(
        "affiliation", fontName=sans.regular.name, fontSize=9, leading=13.5,
        textColor=p.secondary, **no_hyphens)
    s["list"] = ParagraphStyle("list", parent=body, alignment=TA_LEFT, spaceAfter=6)
    # An item of a list written in a body: set tight, the list as a whole spaced as a paragraph.
    s["list_item"] = ParagraphStyle("list_item", parent=body, alignment=TA_LEFT, spaceAfter=2)
    s["quiet_list"] = ParagraphStyle(
        "quiet_list", parent=body, fontSize=t.body_size * 0.95, textColor=p.secondary,
        alignment=TA_LEFT, spaceAfter=5)
    s["toc_title"] = ParagraphStyle("toc_title", parent=s["part"])
    s["toc0"] = ParagraphStyle(
        "toc0", fontName=sans.bold.name, fontSize=11 * d2, leading=15 * d2, textColor=p.text,
        spaceBefore=7, **no_hyphens)
    s["toc1"] = ParagraphStyle(
        "toc1", fontName=serif.regular.name, fontSize=10, leading=13.5, textColor=p.text,
        leftIndent=14, firstLineIndent=0, spaceBefore=2.5, **no_hyphens)
    # The first line keeps its own gap on top of the title's: ReportLab merges adjacent
    # spaces (the larger wins), and the list reads better set off from its title.
    s["toc0_first"] = ParagraphStyle(
        "toc0_first", parent=s["toc0"],
        spaceBefore=s["toc_title"].spaceAfter + s["toc0"].spaceBefore)
    s["running_head"] = ParagraphStyle(
        "running_head", fontName=sans.regular.name, fontSize=8, leading=10,
        textColor=p.secondary)
    s["folio"] = ParagraphStyle("folio", parent=s["running_head"], alignment=TA_RIGHT)
    s["cover_kicker"] = ParagraphStyle(
        "cover_kicker", fontName=sans.bold.name, fontSize=10, leading=14,
        textColor=p.accent_light, spaceAfter=10, **no_hyphens)
    s["cover_title"] = ParagraphStyle(
        "cover_title", fontName=sans.bold.name, fontSize=40 * d, leading=46 * d,
        textColor=p.on_accent, spaceAfter=14, **no_hyphens)
    s["cover_subtitle"] = ParagraphStyle(
        "cover_subtitle", fontName=serif.italic.name, fontSize=19 * d, leading=25 * d,
        textColor=p.on_accent, **no_hyphens)
    s["cover_meta"] = ParagraphStyle(
        "cover_meta", fontName=sans.regular.name, fontSize=12.5 * d2, leading=18 * d2,
        textColor=p.text, **no_hyphens)
    s["cover_label"] = ParagraphStyle(
        "cover_label", fontName=sans.regular.name, fontSize=8.5, leading=12,
        textColor=p.secondary, spaceAfter=4, **no_hyphens)
    s["cover_organiser"] = ParagraphStyle(
        "cover_organiser", fontName=sans.bold.name, fontSize=11, leading=15,
        textColor=p.text, **no_hyphens)
    s["qr_caption"] = ParagraphStyle(
        "qr_caption", fontName=sans.regular.name, fontSize=8 * d2, leading=11 * d2,
        textColor=p.secondary, spaceBefore=2, splitLongWords=1, hyphenationLang="")
    s["caption"] = ParagraphStyle(
        "caption", fontName=sans.regular.name, fontSize=8.5 * d2, leading=12 * d2,
        textColor=p.secondary, spaceAfter=14, **no_hyphens)
    s["colophon"] = ParagraphStyle(
        "colophon", fontName=sans.regular.name, fontSize=8.5, leading=12.5,
        textColor=p.secondary, spaceAfter=3, **no_hyphens)
    s["colophon_title"] = ParagraphStyle(
        "colophon_title", parent=s["colophon"], fontName=sans.bold.name, textColor=p.text,
        spaceAfter=6)
    return s


def theme_for(hyphenation: str, page_size: str = "a4", *, colour_space: str = "rgb",
              bleed: float = 0) -> Theme:
    fonts.register()
    geometry, scale = PAGE_SIZES[page_size]
    return Theme(hyphenation=hyphenation, page=replace(geometry, bleed=bleed), scale=scale,
                 colour_space=colour_space)
