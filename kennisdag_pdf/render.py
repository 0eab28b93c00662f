"""Loaded event → PDF bytes, through the one document template. No file or network I/O.

Output is reproducible: two renders of the same input give identical bytes. The date stamped
into the PDF and the colophon is SOURCE_DATE_EPOCH when set, otherwise the day of the event.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from io import BytesIO

from . import __version__
from .checks import logo_black_warnings, resolution_warnings
from .errors import BadInput, Problem
from .i18n import Language, join_names, language
from .images import Placement, cover_size
from .loader import LoadedEvent
from .model import cover_alt_text
from .profiles import DEFAULT_PAGE_SIZE, DEFAULT_PROFILE, PROFILES, Profile
from .sourcemap import short

TOOL = f"kennisdag-pdf {__version__}"


def configure_reportlab() -> None:
    """Settings that keep user text inert and output reproducible.

    Set in code (not left to ~/.reportlab_settings or RL_* variables) and asserted by a test.
    """
    from reportlab import rl_config

    rl_config.trustedSchemes = []  # markup may never make ReportLab fetch a URL
    rl_config.trustedHosts = None  # (>= 5.0: no host is trusted)
    rl_config.toColorCanUse = "rl_extended_literal_eval"
    rl_config.invariant = 1
    rl_config.useA85 = 0  # binary streams: about a sixth smaller, same speed
    rl_config.hyphenationLang = ""  # hyphenation is set per style, by the event's language


SOURCE_DATE_VARIABLE = "SOURCE_DATE_EPOCH"
# The last second of 9999: a PDF date has four digits for its year, and Python's dates end there.
LAST_EPOCH = 253402300799


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH as the reproducible-builds specification defines it (a whole number
    of seconds since 1970-01-01 UTC, digits only); None when unset or empty. Anything else is
    refused rather than ignored: a build meant to be reproducible must not quietly be dated
    otherwise."""
    text = os.environ.get(SOURCE_DATE_VARIABLE, "").strip()
    if not text:
        return None
    # isdecimal() alone would take Arabic-Indic or full-width digits, which int() reads too.
    if not (text.isascii() and text.isdigit()):
        raise BadInput.single(SOURCE_DATE_VARIABLE, f"'{short(text)}' is not a whole number "
                                                    f"of seconds since 1970-01-01 (such as "
                                                    f"1700000000); unset it to date the "
                                                    f"brochure by the event")
    if len(text) > len(str(LAST_EPOCH)) or int(text) > LAST_EPOCH:
        raise BadInput.single(SOURCE_DATE_VARIABLE, f"'{short(text)}' lies after the year "
                                                    f"9999 (at most {LAST_EPOCH})")
    return int(text)


def check_environment() -> int | None:
    """Every environment variable a build reads, read and refused with one clear line before
    anything is loaded (not an internal error halfway through a build). Returns
    SOURCE_DATE_EPOCH, so that a render reads it once and dates everything by that reading."""
    from .images import check_cmyk_profile

    epoch = source_date_epoch()
    check_cmyk_profile()
    return epoch


def build_time(event_date: dt.date, epoch: int | None) -> dt.datetime:
    """When the brochure counts as made: SOURCE_DATE_EPOCH (epoch), otherwise the day of the
    event (midnight UTC), so that the same input always gives the same bytes."""
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return dt.datetime(event_date.year, event_date.month, event_date.day, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class DocumentInfo:
    """What the PDF says about itself (its Info dictionary, and an archive's XMP packet)."""

    title: str
    subject: str
    authors: tuple[str, ...]
    keywords: tuple[str, ...]
    language: str  # BCP 47
    event_date: dt.date
    built: dt.datetime
    creator: str = TOOL


def document_info(event, lang: Language, epoch: int | None) -> DocumentInfo:
    return DocumentInfo(
        title=event.title,
        subject=event.subtitle or lang["subject"].format(
            date=lang.date(event.date), venue=event.venue, city=event.city),
        authors=tuple(org.name for org in event.organisers),
        keywords=tuple(k.strip() for k in lang["keywords"].split(",")) + (event.id,),
        language=lang.pdf_lang, event_date=event.date,
        built=build_time(event.date, epoch))


def _check_hyphenation(code: str) -> None:
    import pyphen

    if code not in pyphen.LANGUAGES:
        from .errors import SetupError

        raise SetupError(f"hyphenation dictionary '{code}' is missing from pyphen; "
                         f"reinstall with 'make test' or 'pip install pyphen'")


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    profile: Profile
    padding: int = 0  # blank pages added before the back cover
    images: tuple[Placement, ...] = ()
    warnings: tuple[Problem, ...] = ()
    info: DocumentInfo | None = None
    untagged_text: tuple[str, ...] = ()  # text drawn outside any element: a bug if any
    fills: tuple = ()  # document.PageFill per page: how full the layout made it


def render(loaded: LoadedEvent, profile: Profile | None = None,
           page_size: str = DEFAULT_PAGE_SIZE, *, progress=None) -> Rendered:
    """Lay the brochure out for one profile. The result is not finished (finish.py)."""
    configure_reportlab()
    from reportlab.platypus.doctemplate import LayoutError

    from .checks import check_glyphs
    from .compose import compose, make_context
    from .document import BrochureTemplate

    # Already checked by the command line; read here once more for callers in process, and
    # this reading is the only one the render uses.
    epoch = check_environment()
    profile = profile or PROFILES[DEFAULT_PROFILE]
    event = loaded.day.event
    lang = language(event.language)
    _check_hyphenation(lang.hyphenation)
    info = document_info(event, lang, epoch)
    day = info.built.date()
    check_glyphs(loaded)
    ctx = make_context(lang, profile, page_size, build_date=day, version=__version__)
    theme, shop = ctx.theme, ctx.images
    cover_art = cover_figure = None
    if event.cover_image:
        width, height = cover_size(theme)
        cover_art = shop.place(loaded.images[event.cover_image], width, height, crop=True)
        # The picture is read first, as it stands first; without a description it is
        # decoration (validate warns of it).
        cover_alt = cover_alt_text(event)
        if cover_alt:
            cover_figure = ctx.document.add("Figure", alt=cover_alt)
    buffer = BytesIO()
    doc = BrochureTemplate(
        buffer, theme=theme, lang=lang, profile=profile, title=info.title,
        subject=info.subject, author=join_names(list(info.authors), lang),
        keywords=list(info.keywords), creator=info.creator, structure=ctx.document,
        cover_art=cover_art, cover_figure=cover_figure, progress=progress)
    try:
        doc.lay_out(compose(loaded, ctx), built=int(info.built.timestamp()))
    except LayoutError as exc:
        raise BadInput([Problem(0, 0, "", f"layout failed: {_first_line(exc)}",
                                loaded.source_map.file)]) from None
    placements = tuple(shop.placements.values())
    warnings = resolution_warnings(loaded, placements, profile) + \
        logo_black_warnings(loaded, placements, profile)
    return Rendered(buffer.getvalue(), doc.pages, profile, doc.padding, placements, warnings,
                    info, tuple(doc.canv.tags.untagged_text), tuple(doc.fills))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]
