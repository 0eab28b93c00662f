"""Checks of a loaded event that need the brochure's fonts but no layout."""

from __future__ import annotations

from pydantic import BaseModel

from . import fonts
from .errors import BadInput
from .loader import LoadedEvent
from .model import SourcePath


def _strings(value: object, path: SourcePath = ()):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
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
