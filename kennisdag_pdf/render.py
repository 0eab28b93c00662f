"""Loaded event → PDF bytes, through the one document template. No file or network I/O.

Output is reproducible: two renders of the same input give identical bytes. The date stamped
into the PDF and the colophon is SOURCE_DATE_EPOCH when set, otherwise the day of the event.
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

from . import __version__
from .errors import BadInput, Problem
from .i18n import join_names, language
from .loader import LoadedEvent

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


def build_date(event_date: dt.date) -> dt.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return event_date


@contextmanager
def _source_date(day: dt.date):
    """ReportLab reads the PDF's dates from SOURCE_DATE_EPOCH; pin it to the build date."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        yield
        return
    stamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp.timestamp()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


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


def render(loaded: LoadedEvent) -> Rendered:
    configure_reportlab()
    from reportlab.platypus.doctemplate import LayoutError

    from .checks import check_glyphs
    from .compose import compose
    from .document import BrochureTemplate
    from .parts.base import Context
    from .parts.contents import table_of_contents
    from .theme import theme_for

    event = loaded.day.event
    lang = language(event.language)
    _check_hyphenation(lang.hyphenation)
    theme = theme_for(lang.hyphenation)
    day = build_date(event.date)
    check_glyphs(loaded)
    ctx = Context(theme=theme, lang=lang, build_date=day, version=__version__,
                  contents=table_of_contents(theme))
    buffer = BytesIO()
    title = event.title
    doc = BrochureTemplate(
        buffer, theme=theme, lang=lang, title=title,
        subject=event.subtitle or lang["subject"].format(
            date=lang.date(event.date), venue=event.venue, city=event.city),
        author=join_names([org.name for org in event.organisers], lang),
        keywords=[k.strip() for k in lang["keywords"].split(",")] + [event.id],
        creator=TOOL)
    try:
        with _source_date(day):
            doc.build_in_passes(lambda: compose(loaded, ctx), ctx.contents)
    except LayoutError as exc:
        raise BadInput([Problem(0, 0, "", f"layout failed: {_first_line(exc)}",
                                loaded.source_map.file)]) from None
    return Rendered(buffer.getvalue(), doc.page_count.current or 0)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]
