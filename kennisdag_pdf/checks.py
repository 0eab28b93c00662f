"""Checks of a loaded event that need the brochure's fonts but no layout, and the warnings
about what the data leaves unsaid."""

from __future__ import annotations

from pydantic import BaseModel

from . import fonts
from .errors import BadInput, Problem
from .loader import LoadedEvent
from .model import SourcePath, alt_texts

# Descriptions of images are never drawn, only read aloud: any character will do there.
_NOT_DRAWN = frozenset({"logo_alt", "cover_image_alt", "alt"})


def _strings(value: object, path: SourcePath = ()):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in _NOT_DRAWN:
                yield from _strings(getattr(value, name), path + (name,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))


def check_glyphs(loaded: LoadedEvent) -> None:
    """Every character must be in the fonts: ReportLab would silently draw an empty box."""
    problems = []
    for path, value in _strings(loaded.day):
        ch = fonts.missing_glyph(value)
        if ch is not None:
            problems.append(loaded.source_map.problem(
                path, f"character '{ch}' (U+{ord(ch):04X}) is not in the brochure's fonts "
                      f"({fonts.SERIF.display}, {fonts.SANS.display})"))
    if problems:
        raise BadInput(problems)


# Where the description of each kind of image goes, as the message tells the organiser.
_ADD = {"cover_image": "add cover_image_alt: with a sentence saying what it shows",
        "image": "add alt: (or a caption:) with a sentence saying what it shows"}


def alt_warnings(loaded: LoadedEvent) -> tuple[Problem, ...]:
    """A warning at each image that readers who cannot see it would learn nothing about: a
    cover picture without cover_image_alt, a photo with neither alt nor caption. The brochure
    is still made; the image is simply not described."""
    return tuple(
        loaded.source_map.problem(
            field, f"warning: '{image}' has no description for readers who cannot see it: "
                   f"{_ADD[str(field[-1])]}")
        for field, image, alt in alt_texts(loaded.day) if alt is None)
