"""The event file format as JSON Schema, for editors (autocomplete, underlined mistakes) and tools."""

from __future__ import annotations

from . import __version__
from .model import KnowledgeDay


def json_schema() -> dict:
    schema = KnowledgeDay.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://kennisdag-pdf.invalid/schema/{__version__}/event.schema.json",
        **schema,
        "title": "kennisdag-pdf event file",
        "description": "One knowledge day: event, agenda, participants, theses, conclusions. "
                       "See docs/format.md.",
    }
