"""pydantic's validation errors → one plain line each, at the field's line and column.

What the user reads instead of pydantic's wording: "field required", "unknown key 'x' (did you
mean 'y'?)", a date that does not exist named with its month's length.
"""

from __future__ import annotations

import calendar
import difflib
import re
import typing
from typing import Any

from pydantic import BaseModel

from .errors import Problem
from .model import Event, KnowledgeDay
from .sourcemap import SourceMap, short

def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model class whose fields a location's last key belongs to."""
    model: Any = KnowledgeDay
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _unwrap(info.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    for arg in typing.get_args(annotation) or ():
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"'{short(value)}'"


def _date_message(value: Any) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value) if isinstance(value, str) else None
    if match:
        year, month, day = (int(g) for g in match.groups())
        if not 1 <= month <= 12:
            return f"'{value}' does not exist: there is no month {month}"
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            return f"'{value}' does not exist: {_MONTHS[month - 1]} {year} has {days} days"
    return f"{_describe(value)} is not a date in the form YYYY-MM-DD"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


# The format's keys are English; an organiser writing Dutch types the Dutch word, which no
# spelling match finds (`stellingen` is nothing like `theses`). Each applies where its
# English key is allowed.
DUTCH_KEYS = {
    "stellingen": "theses", "deelnemers": "participants", "conclusies": "conclusions",
    "slotwoord": "closing", "hoofdstukken": "chapters", "foto's": "photos",
    "foto’s": "photos", "fotos": "photos", "organisatoren": "organisers", "titel": "title",
    "ondertitel": "subtitle", "datum": "date", "locatie": "venue", "plaats": "city",
    "taal": "language",
}


def _unknown_key(key: str, known: list[str], owner: type[BaseModel] | None) -> str:
    """'unknown key …' with the key it most likely stands for."""
    message = f"unknown key '{short(key)}'"
    alias = DUTCH_KEYS.get(key.strip().lower())
    if alias in known:
        return message + f" (did you mean '{alias}'?)"
    # Only a key about as long as a field name can be a misspelt one; difflib indexes
    # every character of the key (an 8 MB key took 300 MB).
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6) \
        if len(key) <= 2 * max(map(len, known), default=0) else []
    if close:
        return message + f" (did you mean '{close[0]}'?)"
    event_keys = list(Event.model_fields)
    if owner is KnowledgeDay:  # a key of `event` written at the top level
        target = alias if alias in event_keys else key if key in event_keys else None
        if target:
            return message + f" here: '{target}' belongs under 'event:', indented"
    if known:
        message += f"; allowed here: {', '.join(known)}"
    return message


def problem_from(err: dict, source_map: SourceMap) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "missing":
        message = "field required"
    elif kind == "extra_forbidden":
        owner = _model_at(loc[:-1])
        known = list(owner.model_fields) if owner else []
        message = _unknown_key(str(loc[-1]), known, owner)
    elif kind == "string_type":
        message = f"expected text, found {_describe(value)}"
    elif kind == "list_type":
        message = f"expected a list (lines starting with '- '), found {_describe(value)}"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        message = f"expected a mapping (lines of key: value), found {_describe(value)}"
    elif kind == "literal_error":
        message = f"{_describe(value)} is not one of: {ctx.get('expected', '')}"
    elif kind.startswith("date"):
        message = _date_message(value)
    elif kind.startswith("bool"):
        message = f"{_describe(value)} is not true or false"
    elif kind == "string_too_long":
        message = (f"is {len(value)} characters long; at most {ctx['max_length']} "
                   f"are allowed here")
    elif kind == "too_short":
        message = f"needs at least {ctx.get('min_length', 1)} item(s)"
    elif kind == "too_long":
        message = (f"has {ctx.get('actual_length') or len(value):,} items; at most "
                   f"{ctx['max_length']:,} are allowed here")
    else:
        msg = err["msg"]
        message = msg[0].lower() + msg[1:] if msg else kind
    return source_map.problem(loc, message)
