"""Where a value of the event file stands: field path → line and column, and the one-line
message that points there.

Light (no YAML, no pydantic): a message about the data, found at any step after loading (a
glyph the fonts lack, an image too coarse for print, a mail text), points at its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import Problem, format_path

if TYPE_CHECKING:
    from .model import SourcePath


@dataclass(frozen=True)
class SourceMap:
    """Field path → (line, column), both 1-based."""

    file: str
    marks: dict[SourcePath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: SourcePath) -> tuple[int, int]:
        # A missing or derived field has no mark: fall back to its nearest ancestor.
        for end in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:end]))
            if mark:
                return mark
        return (0, 0)

    def problem(self, path: SourcePath, message: str) -> Problem:
        line, column = self.locate(path)
        return Problem(line, column, field_name(path), one_line(message), self.file)


# Line breaks and other control characters that a message quotes from the file (a block
# scalar's value, a key): shown as escapes, so that one problem stays one line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def field_name(path: SourcePath) -> str:
    """The field a message names, each key as the user wrote it but at most 40 characters (a
    key can be megabytes long) and on one line."""
    return one_line(format_path(tuple(short(part) if isinstance(part, str) else part
                                      for part in path)))


def one_line(text: object) -> str:
    """Text as a message shows it: control characters as escapes, so that a value that held a
    line break reads '2011-04-07\\n2011-04-08' and a file called 'a\\nb.yaml' keeps one
    message on one line."""
    return _UNPRINTABLE.sub(lambda found: repr(found.group())[1:-1], str(text))


def short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
