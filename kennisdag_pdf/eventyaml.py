"""The event file's text → plain values (dicts, lists, strings) and their positions.

The YAML is read as the parser's events (never constructed by PyYAML): every scalar stays
text, so `NO`, `12:30` and `0123` mean what they say; tags, anchors, aliases, merge keys and
duplicate keys are refused, and reading stops at the first limit broken (MAX_VALUES, MAX_KEYS,
each list's MAX_ITEMS), so memory is bounded by the limits, not by the file. Every value's
position is kept in the marks that become the event's source map.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import yaml

from .errors import BadInput, Problem, format_path
from .model import MAX_ITEMS, KnowledgeDay, SourcePath
from .reading import decode_text, line_col
from .sourcemap import field_name, one_line

MAX_DEPTH = 12  # the format needs 4 levels; deeper is a mistake or an attack

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {_STR, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "!"}
_NULLS = {"", "~", "null", "Null", "NULL"}


class _NodeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Composes only. No implicit resolvers: every untagged scalar is a string."""


_NodeLoader.yaml_implicit_resolvers = {}


def event_text(raw: bytes, name: str) -> str:
    """The event file as text (reading.decode_text), refusing the characters that YAML
    would read otherwise than an editor shows them."""
    text = decode_text(raw, name)
    found = _CONTROL.search(text)
    if found:
        index, ch = found.start(), found.group()
        line, col = line_col(text, index)
        what = (f"control character U+{ord(ch):04X}" if ch not in _SEPARATORS else
                f"{unicodedata.name(ch).lower()} U+{ord(ch):04X} (an invisible line break, "
                f"as word processors paste it)")
        raise BadInput.single(
            name, f"{what} in the file; remove it",
            line=line, column=col, field=_field_at(text, index))
    return text


# Unicode's control characters (category Cc: C0 and C1) other than line breaks and tabs; a
# decoded UTF-8 text holds no surrogates (Cs). A regular expression scans in C: a file of
# 5,000 pages is checked in milliseconds, not a quarter of a second.
# Also the line and paragraph separators: PyYAML counts them as line breaks where no editor
# does (every later line number would be off by one), and folds them into a space in a plain
# value, so that the model would never see them to name them.
_SEPARATORS = "\u2028\u2029"
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SEPARATORS}]")


def _field_at(text: str, index: int) -> str:
    """The field whose value holds text[index], found in a copy with control characters
    blanked out (a raw NEL, for one, would otherwise break the YAML itself)."""
    blanked = _CONTROL.sub("?", text)  # one for one: indexes stay where they were
    composer = _Composer("", {}, [], locate=index)
    try:
        composer.compose(blanked)
    except (yaml.YAMLError, BadInput):
        return ""
    return format_path(composer.found)


# libyaml's wording (CSafeLoader) first, pure-Python PyYAML's second; matched by substring.
_HINTS = [
    (("tab character that violates indentation", "found character '\\t'"),
     "tab character used for indentation; use spaces"),
    (("mapping values are not allowed",),
     "a colon followed by a space inside a value; put the value in quotes, "
     "for example: title: \"Social media: hype or revolution?\""),
    (("expected a single document", "but found another document"),
     "the file holds more than one YAML document (a second '---'); keep only one"),
    (("found undefined alias",), "aliases (*name) are not allowed; write the value out"),
]


def _position(mark: yaml.Mark) -> tuple[int, int]:
    """PyYAML's 0-based mark as the 1-based (line, column) an editor shows."""
    return (mark.line + 1, mark.column + 1)


# Values (scalars, lists, mappings) in one file: the benchmark's 5,000-page event has 116,000;
# each kept costs some 200 bytes with its position, so this bounds the data at ~100 MB.
MAX_VALUES = 500_000
# Keys in one mapping: the format's largest (the top level) has 13. Every unknown key costs a
# message with a spelling suggestion: 240,000 of them took 9 s and 470 MB.
MAX_KEYS = 100
_LIST_FIELDS = {("event", "organisers"): "organisers", ("agenda", "*", "items"): "agenda_items",
                ("conclusions", "points"): "conclusions_points"}


def _list_limit(path: SourcePath) -> int:
    """How many items the list at path may hold; the longest list's limit for a place the
    format has no list (the model then says what is wrong there)."""
    shape = tuple("*" if isinstance(part, int) else part for part in path)
    key = _LIST_FIELDS.get(shape) or (shape[0] if len(shape) == 1 else None)
    return MAX_ITEMS.get(key, max(MAX_ITEMS.values())) if key else max(MAX_ITEMS.values())


class _Skip:
    """A value that is refused or beyond a limit: its events are read, nothing is kept."""


_SKIP = _Skip()


class _Frame:
    """An open sequence or mapping while its events stream by."""

    __slots__ = ("value", "path", "key", "first_line", "start")

    def __init__(self, value: Any, path: SourcePath, start: int) -> None:
        self.value = value
        self.path = path
        self.key: Any = None  # in a mapping: the key whose value comes next (_SKIP: drop it)
        self.first_line: dict[str, int] = {}
        self.start = start  # index in the text, for locate


class _Composer:
    """YAML events → plain dicts, lists and strings, with every value's position recorded.

    Built from the parser's events instead of PyYAML's composed nodes: nodes cost about 800
    bytes each, all made before any check could run (a 15 MB list of one-letter items took
    4.45 GB). Here a value is kept only while the limits hold (MAX_VALUES, each list's
    MAX_ITEMS, MAX_DEPTH), the first one broken stops the reading at once, and nothing
    recurses, however deep the nesting. Aliases, anchors, tags, merge keys and duplicate keys
    are refused here, where the events show them."""

    def __init__(self, name: str, marks: dict, problems: list[Problem],
                 locate: int | None = None) -> None:
        self.name = name
        self.marks = marks
        self.problems = problems
        self.anchors: dict[str, tuple[int, int]] = {}  # anchor → where it stands, until used
        self.used: set[str] = set()
        self.alias_defined = False  # whether the alias being read names an anchor seen before
        self.values = 0
        self.documents = 0
        self.locate = locate  # a text index: `found` becomes the deepest field holding it
        self.found: SourcePath = ()

    def _holds(self, path: SourcePath, start: int, end: int) -> None:
        if self.locate is not None and start <= self.locate < max(end, start + 1) and \
                len(path) >= len(self.found):
            self.found = path

    def _fail(self, position: tuple[int, int], path: SourcePath, message: str) -> None:
        self.problems.append(Problem(*position, field_name(path),
                                     one_line(message), self.name))

    def _stop(self, position: tuple[int, int], path: SourcePath, message: str) -> BadInput:
        return BadInput([Problem(*position, field_name(path), one_line(message),
                                 self.name)])

    def compose(self, text: str) -> Any:
        root: Any = None
        stack: list[_Frame] = []
        skipping = 0  # depth inside a value whose events are read but not kept
        for event in yaml.parse(text, Loader=_NodeLoader):
            kind = type(event)
            if kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    raise BadInput.single(self.name, _SECOND_DOCUMENT,
                                          line=event.start_mark.line + 1,
                                          column=event.start_mark.column + 1)
                continue
            if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
                continue
            if kind in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
                if skipping:
                    skipping -= 1
                    continue
                done = stack.pop()
                self._holds(done.path, done.start, event.end_mark.index)
                if stack:
                    self._attach(stack[-1], done.value)
                else:
                    root = done.value
                continue
            # A node: a scalar, an alias, or the start of a sequence or mapping.
            self.values += 1
            position = _position(event.start_mark)
            if self.values > MAX_VALUES:
                raise self._stop(position, (), f"the file holds more than {MAX_VALUES:,} "
                                               f"values; an event file of 5,000 pages holds "
                                               f"about 116,000")
            anchor = getattr(event, "anchor", None)
            if kind is yaml.AliasEvent:  # used, even where its value is not kept (a merge key)
                self.alias_defined = self.anchors.pop(anchor, None) is not None or \
                    anchor in self.used
                self.used.add(anchor)
            elif anchor is not None:
                self.anchors.setdefault(anchor, position)
            opens = kind in (yaml.SequenceStartEvent, yaml.MappingStartEvent)
            if skipping:
                skipping += opens
                continue
            parent = stack[-1] if stack else None
            if parent is not None and isinstance(parent.value, dict):
                if parent.key is None:
                    skipping += self._key(parent, event, position, opens)
                    continue
                if parent.key is _SKIP:  # the value of a refused key: read, not kept
                    parent.key = None
                    skipping += opens
                    continue
            path = self._path_of(parent)
            value = self._node(event, position, path)
            if value is _SKIP or not opens:
                if value is _SKIP:
                    skipping += opens
                    value = None
                elif kind is yaml.ScalarEvent:
                    self._holds(path, event.start_mark.index, event.end_mark.index)
                if parent is None:
                    root = value
                else:
                    self._attach(parent, value)
                continue
            stack.append(_Frame(value, path, event.start_mark.index))
        return root

    def _path_of(self, parent: _Frame | None) -> SourcePath:
        if parent is None:
            return ()
        if isinstance(parent.value, list):
            return parent.path + (len(parent.value),)
        return parent.path + (parent.key,)

    def _attach(self, parent: _Frame, value: Any) -> None:
        if isinstance(parent.value, list):
            parent.value.append(value)
        else:
            if parent.key is not _SKIP:
                parent.value[parent.key] = value
            parent.key = None

    def _key(self, frame: _Frame, event: yaml.Event, position: tuple[int, int],
             opens: bool) -> int:
        """Take a mapping's key; 1 when the key is a collection whose events must be skipped."""
        frame.key = _SKIP  # unless the key proves good: its value is then dropped
        if type(event) is not yaml.ScalarEvent:
            if type(event) is yaml.AliasEvent:
                self._alias(event, position, frame.path)
            else:
                self._fail(position, frame.path, "a key must be a plain name")
            return int(opens)
        key = event.value
        if len(frame.first_line) >= MAX_KEYS:
            raise self._stop(position, frame.path, f"more than {MAX_KEYS} keys in one mapping; "
                                                   f"the format's largest has "
                                                   f"{len(KnowledgeDay.model_fields)}")
        if key == "<<":
            self._fail(position, frame.path, "merge keys (<<) are not allowed")
        elif key in frame.first_line:
            self._fail(position, frame.path + (key,),
                       f"duplicate key '{key}' (first on line {frame.first_line[key]})")
        else:
            frame.first_line[key] = position[0]
            # Point errors about a value at its key: that is the line the user looks for.
            self.marks[frame.path + (key,)] = position
            frame.key = key
        return 0

    def _node(self, event: yaml.Event, position: tuple[int, int], path: SourcePath) -> Any:
        """The value an event starts: text, None, an empty list or dict to fill, or _SKIP."""
        if type(event) is yaml.AliasEvent:
            self._alias(event, position, path)
            return None
        self.marks.setdefault(path, position)
        tag = event.tag
        if tag is not None and tag not in _PLAIN_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self._fail(position, path, f"unsupported tag {shown}; tags are not allowed")
            return _SKIP
        if len(path) > MAX_DEPTH:
            self._fail(position, path, "nested far too deep for an event file")
            return _SKIP
        if path and isinstance(path[-1], int) and path[-1] >= _list_limit(path[:-1]):
            limit = _list_limit(path[:-1])
            raise self._stop(position, path[:-1], f"has more than {limit:,} items; at most "
                                                  f"{limit:,} are allowed here")
        if type(event) is yaml.ScalarEvent:
            return None if not event.style and event.value in _NULLS else event.value
        return [] if type(event) is yaml.SequenceStartEvent else {}

    def _alias(self, event: yaml.AliasEvent, position: tuple[int, int],
               path: SourcePath) -> None:
        # An alias to an anchor not (yet) defined is no value at all: no field to name.
        self._fail(position, path if self.alias_defined else (),
                   "aliases (*name) are not allowed; write the value out")

    def unused_anchors(self) -> list[Problem]:
        """Anchors no alias uses (a used one is reported at its alias already)."""
        return [Problem(*position, "", f"anchors (&{anchor}) are not allowed", self.name)
                for anchor, position in self.anchors.items()]


_SECOND_DOCUMENT = "the file holds more than one YAML document (a second '---'); keep only one"


def compose(text: str, name: str, marks: dict | None = None,
            problems: list[Problem] | None = None) -> Any:
    """The file's data as plain values; every problem of its form in problems (refused
    outright when the YAML cannot be read or a limit is broken)."""
    composer = _Composer(name, {} if marks is None else marks,
                         [] if problems is None else problems)
    try:
        root = composer.compose(text)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(exc, name) from None
    except yaml.YAMLError as exc:
        raise BadInput.single(name, f"not valid YAML: {exc}") from None
    if not composer.documents:
        raise BadInput.single(name, "file is empty (only comments)")
    composer.problems += composer.unused_anchors()
    return root


def _yaml_problem(exc: yaml.MarkedYAMLError, name: str) -> BadInput:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "not valid YAML").strip()
    said = f"{exc.context or ''} {exc.problem or ''}"
    message = next((hint for needles, hint in _HINTS if any(n in said for n in needles)), None)
    if message is None:
        message = problem
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            message = f"{message} ({exc.context} on line {exc.context_mark.line + 1})"
    line, col = _position(mark) if mark else (0, 0)
    return BadInput.single(name, message, line=line, column=col)
