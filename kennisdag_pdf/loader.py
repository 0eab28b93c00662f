"""YAML file → validated KnowledgeDay, with every problem located by file, line, column and field.

The steps, each in a module of its own: the file's bytes and text (reading.py), its YAML as
plain values with their positions (eventyaml.py), the model's validation with messages at
those positions (messages.py), and the images it names (assets.py). This module joins them
and keeps the names callers import (load, LoadedEvent, display_name, read_input, …).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

# ImageAsset, orientation, upright, display_name and read_input are imported from here by
# the later steps; this module re-exports them so that they need not know the split.
from .assets import ImageAsset, load_images, orientation, upright  # noqa: F401
from .errors import BadInput, Problem
from .eventyaml import compose, event_text
from .messages import problem_from
from .model import KnowledgeDay, SourcePath
from .reading import MAX_YAML_BYTES, display_name, read_input  # noqa: F401
from .sourcemap import SourceMap


@dataclass(frozen=True)
class LoadedEvent:
    day: KnowledgeDay
    source: Path
    source_bytes: bytes
    source_map: SourceMap
    images: dict[str, ImageAsset]


def load(path: str | os.PathLike[str], *, full_images: bool = True) -> LoadedEvent:
    """full_images=False (for `validate`): images are checked as thoroughly, but a JPEG is
    decoded at an eighth of its size, and the asset's pixels are that small copy."""
    path = Path(path)
    name = display_name(path)
    raw = read_input(path, name)
    text = event_text(raw, name)
    marks: dict[SourcePath, tuple[int, int]] = {}
    problems: list[Problem] = []
    data = compose(text, name, marks, problems)
    source_map = SourceMap(name, marks)
    if problems:
        raise BadInput(problems)
    if not isinstance(data, dict):
        raise BadInput.single(name, "expected a mapping with the keys event, agenda, "
                                    "participants, theses, …", line=1, column=1)
    try:
        day = KnowledgeDay.model_validate(data)
    except ValidationError as exc:
        raise BadInput([problem_from(err, source_map) for err in exc.errors()]) from None
    day, images = load_images(day, path.parent, source_map, full_images)
    return LoadedEvent(day, path, raw, source_map, images)
