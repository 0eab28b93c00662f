"""The design in one place: page geometry, palette, type roles and paragraph styles.

Layout code asks the theme for a style or a measure by name and never holds a literal colour,
size or font of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import TableStyle

from . import fonts
from .hyphenation import Hyphenator


@dataclass(frozen=True)
class PageGeometry:
    """Trim size and the text block inside it, in points."""

    width: float = A4[0]
    height: float = A4[1]
    inner: float = 30 * mm  # left margin (single-sided for now: the print issue mirrors it)
    outer: float = 30 * mm
    top: float = 28 * mm
    bottom: float = 26 * mm
    head_offset: float = 12 * mm  # running head baseline above the text block
    foot_offset: float = 12 * mm  # folio baseline below the text block
    head_rule_gap: float = 4  # from the running head's baseline down to its rule
    cover_band: float = 0.56  # share of the cover's height the accent band takes
    cover_band_pad: float = 16 * mm  # space between the band's foot and the subtitle
    cover_meta_gap: float = 14  # from the band's foot down to the date and venue

    @property
    def size(self) -> tuple[float, float]:
        return (self.width, self.height)

    @property
    def text_width(self) -> float:
        return self.width - self.inner - self.outer

    @property
    def text_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def cover_band_height(self) -> float:
        return self.height * self.cover_band

    @property
    def cover_band_text_height(self) -> float:
        return self.cover_band_height - self.top - self.cover_band_pad


@dataclass(frozen=True)
class PrintMarks:
    """Bleed and printer's marks, shared by the print profile and the booklet imposition.

    Marks sit in the border outside the bleed, so trimming never leaves a trace of them.
    """

    bleed: float = 3 * mm  # backgrounds run this far past the trim on every side
    border: float = 12 * mm  # from the trim edge to the edge of the (enlarged) media box
    length: float = 6 * mm  # a crop mark runs from the media edge this far towards the trim
    width: float = 0.25  # hairline
    registration: tuple[float, float, float, float] = (1, 1, 1, 1)  # prints on every plate


MARKS = PrintMarks()


@dataclass(frozen=True)
class Palette:
    text: colors.Color = colors.HexColor("#1b1b1b")
    secondary: colors.Color = colors.HexColor("#5f6368")  # organisations, roles, furniture
    accent: colors.Color = colors.HexColor("#1d5168")  # rules, thesis numbers, cover band
    accent_light: colors.Color = colors.HexColor("#e7eef1")
    on_accent: colors.Color = colors.HexColor("#ffffff")
    rule: colors.Color = colors.HexColor("#c9d1d5")
    link: str = "#1d5168"


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
    name_share: float = 0.36  # of the text width, for participant names
    colophon_share: float = 0.62  # of the text width, for the colophon
    logo_height: float = 40  # every logo the same height: no organiser looks bigger
    organisers_per_row: int = 3
    organiser_gap: float = 12
    organiser_rule_gap: float = 6  # from the rule above the organisers to their names


@dataclass(frozen=True)
class Theme:
    hyphenation: str  # pyphen language, from the event's language
    page: PageGeometry = field(default_factory=PageGeometry)
    palette: Palette = field(default_factory=Palette)
    serif: fonts.Family = fonts.SERIF
    sans: fonts.Family = fonts.SANS
    measure: Measures = field(default_factory=Measures)
    body_size: float = 10.5
    body_leading: float = 15.0

    @cached_property
    def styles(self) -> dict[str, ParagraphStyle]:
        return _styles(self)

    def __getitem__(self, name: str) -> ParagraphStyle:
        return self.styles[name]

    @property
    def initial_font(self) -> str:
        return self.serif.regular.name

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


def _styles(t: Theme) -> dict[str, ParagraphStyle]:
    p, serif, sans = t.palette, t.serif, t.sans
    reading = dict(
        hyphenationLang=Hyphenator(t.hyphenation), embeddedHyphenation=1, uriWasteReduce=0.3,
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
        "part", fontName=sans.bold.name, fontSize=22, leading=27, textColor=p.accent,
        spaceBefore=0, spaceAfter=16, keepWithNext=1, **no_hyphens)
    s["section"] = ParagraphStyle(
        "section", fontName=sans.bold.name, fontSize=13, leading=17, textColor=p.text,
        spaceBefore=14, spaceAfter=6, keepWithNext=1, **no_hyphens)
    s["thesis_label"] = ParagraphStyle(
        "thesis_label", fontName=sans.bold.name, fontSize=28, leading=32,
        textColor=p.accent, spaceAfter=10, keepWithNext=1, **no_hyphens)
    s["thesis_statement"] = ParagraphStyle(
        "thesis_statement", fontName=serif.italic.name, fontSize=17, leading=23,
        textColor=p.text, spaceAfter=18, keepWithNext=1, alignment=TA_LEFT,
        **no_hyphens)
    s["table"] = ParagraphStyle(
        "table", fontName=sans.regular.name, fontSize=9.5, leading=13, textColor=p.text,
        **no_hyphens)
    s["table_number"] = ParagraphStyle("table_number", parent=s["table"],
                                       textColor=p.accent, fontName=sans.bold.name)
    s["name"] = ParagraphStyle(
        "name", fontName=serif.regular.name, fontSize=t.body_size, leading=13.5,
        textColor=p.text, **no_hyphens)
    s["affiliation"] = ParagraphStyle(
        "affiliation", fontName=sans.regular.name, fontSize=9, leading=13.5,
        textColor=p.secondary, **no_hyphens)
    s["list"] = ParagraphStyle("list", parent=body, alignment=TA_LEFT, spaceAfter=6)
    s["quiet_list"] = ParagraphStyle(
        "quiet_list", parent=body, fontSize=t.body_size * 0.95, textColor=p.secondary,
        alignment=TA_LEFT, spaceAfter=5)
    s["toc_title"] = ParagraphStyle("toc_title", parent=s["part"])
    s["toc0"] = ParagraphStyle(
        "toc0", fontName=sans.bold.name, fontSize=11, leading=15, textColor=p.text,
        spaceBefore=7, **no_hyphens)
    s["toc1"] = ParagraphStyle(
        "toc1", fontName=serif.regular.name, fontSize=10, leading=13.5, textColor=p.text,
        leftIndent=14, firstLineIndent=0, spaceBefore=2.5, **no_hyphens)
    s["running_head"] = ParagraphStyle(
        "running_head", fontName=sans.regular.name, fontSize=8, leading=10,
        textColor=p.secondary)
    s["folio"] = ParagraphStyle("folio", parent=s["running_head"], alignment=TA_RIGHT)
    s["cover_kicker"] = ParagraphStyle(
        "cover_kicker", fontName=sans.bold.name, fontSize=10, leading=14,
        textColor=p.accent_light, spaceAfter=10, **no_hyphens)
    s["cover_title"] = ParagraphStyle(
        "cover_title", fontName=sans.bold.name, fontSize=40, leading=46,
        textColor=p.on_accent, spaceAfter=14, **no_hyphens)
    s["cover_subtitle"] = ParagraphStyle(
        "cover_subtitle", fontName=serif.italic.name, fontSize=19, leading=25,
        textColor=p.on_accent, **no_hyphens)
    s["cover_meta"] = ParagraphStyle(
        "cover_meta", fontName=sans.regular.name, fontSize=12.5, leading=18,
        textColor=p.text, **no_hyphens)
    s["cover_label"] = ParagraphStyle(
        "cover_label", fontName=sans.regular.name, fontSize=8.5, leading=12,
        textColor=p.secondary, spaceAfter=4, **no_hyphens)
    s["cover_organiser"] = ParagraphStyle(
        "cover_organiser", fontName=sans.bold.name, fontSize=11, leading=15,
        textColor=p.text, **no_hyphens)
    s["colophon"] = ParagraphStyle(
        "colophon", fontName=sans.regular.name, fontSize=8.5, leading=12.5,
        textColor=p.secondary, spaceAfter=3, **no_hyphens)
    s["colophon_title"] = ParagraphStyle(
        "colophon_title", parent=s["colophon"], fontName=sans.bold.name, textColor=p.text,
        spaceAfter=6)
    return s


def theme_for(hyphenation: str) -> Theme:
    fonts.register()
    return Theme(hyphenation=hyphenation)
