"""YAML file → validated KnowledgeDay, with every problem located by file, line, column and field.

The YAML is read as the parser's events (never constructed by PyYAML): every scalar stays
text, so `NO`, `12:30` and `0123` mean what they say; tags, anchors, aliases, merge keys and
duplicate keys are refused, and reading stops at the first limit broken (MAX_VALUES, MAX_KEYS,
each list's MAX_ITEMS), so memory is bounded by the limits, not by the file. Every value's
position is kept in a source map, so that errors found later (a glyph the fonts lack, a layout
that cannot fit) still point at the line that caused them.
"""

from __future__ import annotations

import calendar
import difflib
import errno
import os
import re
import stat
import typing
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import yaml
from pydantic import BaseModel, ValidationError

from .errors import BadInput, Problem, format_path
from .model import MAX_ITEMS, KnowledgeDay, SourcePath

# An event file is normally well under 100 kB; 16 MB still refuses a log or a video chosen by
# mistake at once, and holds the text of some 10,000 A4 pages (the benchmark's 5,000-page
# event is 8 MB).
MAX_YAML_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 12  # the format needs 4 levels; deeper is a mistake or an attack
MAX_ASSET_BYTES = 30 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # an A3 page at 300 dpi is about 17 Mpx

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {_STR, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "!"}
_NULLS = {"", "~", "null", "Null", "NULL"}


class _NodeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Composes only. No implicit resolvers: every untagged scalar is a string."""


_NodeLoader.yaml_implicit_resolvers = {}


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
        return Problem(line, column, _field_name(path), _one_line(message), self.file)


# Line breaks and other control characters that a message quotes from the file (a block
# scalar's value, a key): shown as escapes, so that one problem stays one line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _field_name(path: SourcePath) -> str:
    """The field a message names, each key as the user wrote it but at most 40 characters (a
    key can be megabytes long) and on one line."""
    return _one_line(format_path(tuple(_short(part) if isinstance(part, str) else part
                                       for part in path)))


def _one_line(text: str) -> str:
    """A value that held a line break reads '2011-04-07\\n2011-04-08'."""
    return _UNPRINTABLE.sub(lambda found: repr(found.group())[1:-1], text)


class AssetProblem(Exception):
    """What is wrong with one image file; the caller knows which field named it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImageAsset:
    """An image the event uses, decoded and checked; `image` is the RGB pixels to place."""

    path: Path
    width: int
    height: int
    image: Any  # PIL.Image.Image, flattened onto white, EXIF orientation applied
    format: str = "PNG"  # of the source file: photographs (JPEG) stay JPEG in the PDF
    rel: str = ""  # the path as written in the YAML file
    fields: tuple[SourcePath, ...] = ()  # every field that names this file
    cmyk: Any = None  # the source's own CMYK pixels, when it has them (kept for print)
    data: bytes = field(default=b"", repr=False)  # the file as read, for the archive's copy


@dataclass(frozen=True)
class LoadedEvent:
    day: KnowledgeDay
    source: Path
    source_bytes: bytes
    source_map: SourceMap
    images: dict[str, ImageAsset]


def display_name(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load(path: str | os.PathLike[str], *, full_images: bool = True) -> LoadedEvent:
    """full_images=False (for `validate`): images are checked as thoroughly, but a JPEG is
    decoded at an eighth of its size, and the asset's pixels are that small copy."""
    path = Path(path)
    name = display_name(path)
    raw = read_input(path, name)
    text = _decode(raw, name)
    marks: dict[SourcePath, tuple[int, int]] = {}
    problems: list[Problem] = []
    data = _compose(text, name, marks, problems)
    source_map = SourceMap(name, marks)
    if problems:
        raise BadInput(problems)
    if not isinstance(data, dict):
        raise BadInput.single(name, "expected a mapping with the keys event, agenda, "
                                    "participants, theses, …", line=1, column=1)
    try:
        day = KnowledgeDay.model_validate(data)
    except ValidationError as exc:
        raise BadInput([_problem_from(err, source_map) for err in exc.errors()]) from None
    day, images = _load_images(day, path.parent, source_map, full_images)
    return LoadedEvent(day, path, raw, source_map, images)


# --- bytes and text ---------------------------------------------------------------------------

def _event_file_too_big(size: int, limit: int) -> str:
    return (f"file is {size / 1024 / 1024:.1f} MB; an event file is normally under 100 kB "
            f"(limit {limit // 1024 // 1024} MB)")


def read_input(path: Path, name: str, *, kind: str = "YAML file",
               limit: int | None = MAX_YAML_BYTES,
               too_big: Callable[[int, int], str] = _event_file_too_big) -> bytes:
    """An input file's bytes, or one clear line on why they cannot be had; too_big(size,
    limit) says what is wrong with a file over the limit."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise BadInput.single(name, "file not found") from None
    except OSError as exc:
        raise BadInput.single(name, f"cannot read the file: {exc.strerror.lower()}") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput.single(name, f"is a folder, not a {kind}")
    if not stat.S_ISREG(st.st_mode):
        raise BadInput.single(name, "is not a regular file")
    if limit is not None and st.st_size > limit:
        raise BadInput.single(name, too_big(st.st_size, limit))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadInput.single(name, f"cannot read the file: {exc.strerror.lower()}") from None


def _line_col(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of text[index], counting lines as YAML and editors do:
    CR LF, a lone CR (old Mac files) and LF each end one."""
    breaks = text.count("\n", 0, index) + text.count("\r", 0, index) \
        - text.count("\r\n", 0, index)
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    return breaks + 1, index - start + 1


# Files chosen by mistake instead of the event file, by their first bytes: reading them as
# text would only report a byte that is not UTF-8.
_NOT_YAML = [(b"%PDF-", "a PDF"), (b"\x89PNG\r\n\x1a\n", "a PNG image"),
             (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
             (b"PK\x03\x04", "a ZIP archive or an Office document")]

# Byte order marks, UTF-32's first: UTF-32 LE's begins with UTF-16 LE's.
_BOMS = [(b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")]
# Without a mark, the zero bytes around the first two characters give the encoding away (YAML
# 1.2, §5.2, does so with the first): an event file starts with ASCII ('event:', '#', '---').
_WIDE = [(re.compile(rb"([\x01-\x7f]\0\0\0){2}|(\0\0\0[\x01-\x7f]){2}"), "UTF-32"),
         (re.compile(rb"([\x01-\x7f]\0){2}|(\0[\x01-\x7f]){2}"), "UTF-16")]


def _wide_encoding(raw: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' for a file saved so, with or without a byte order mark."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    return next((encoding for pattern, encoding in _WIDE if pattern.match(raw)), None)


def _decode(raw: bytes, name: str) -> str:
    kind = next((label for magic, label in _NOT_YAML if raw.startswith(magic)), None)
    if kind:
        raise BadInput.single(name, f"is {kind}, not a YAML event file")
    encoding = _wide_encoding(raw)
    if encoding:
        raise BadInput.single(name, f"file is saved as {encoding}; save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", errors="replace")
        line, col = _line_col(good, len(good))
        raise BadInput.single(
            name, f"byte 0x{raw[exc.start]:02X} is not UTF-8; save the file as UTF-8",
            line=line, column=col) from None
    if not text.strip():
        raise BadInput.single(name, "file is empty")
    found = _CONTROL.search(text)
    if found:
        index, ch = found.start(), found.group()
        line, col = _line_col(text, index)
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


# --- YAML -------------------------------------------------------------------------------------

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
        self.problems.append(Problem(*position, _field_name(path),
                                     _one_line(message), self.name))

    def _stop(self, position: tuple[int, int], path: SourcePath, message: str) -> BadInput:
        return BadInput([Problem(*position, _field_name(path), _one_line(message),
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


def _compose(text: str, name: str, marks: dict | None = None,
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


# --- validation messages ----------------------------------------------------------------------

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


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"'{_short(value)}'"


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


def _problem_from(err: dict, source_map: SourceMap) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "missing":
        message = "field required"
    elif kind == "extra_forbidden":
        owner = _model_at(loc[:-1])
        known = list(owner.model_fields) if owner else []
        message = f"unknown key '{_short(str(loc[-1]))}'"
        # Only a key about as long as a field name can be a misspelt one; difflib indexes
        # every character of the key (an 8 MB key took 300 MB).
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6) \
            if len(str(loc[-1])) <= 2 * max(map(len, known), default=0) else []
        if close:
            message += f" (did you mean '{close[0]}'?)"
        elif known:
            message += f"; allowed here: {', '.join(known)}"
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


# --- images -----------------------------------------------------------------------------------

def _image_fields(day: KnowledgeDay) -> list[tuple[SourcePath, str]]:
    fields: list[tuple[SourcePath, str]] = [
        (("event", "organisers", i, "logo"), org.logo)
        for i, org in enumerate(day.event.organisers) if org.logo]
    if day.event.cover_image:
        fields.append((("event", "cover_image"), day.event.cover_image))
    fields += [(("photos", i, "image"), photo.image) for i, photo in enumerate(day.photos)]
    return fields


def _load_images(day: KnowledgeDay, folder: Path, source_map: SourceMap,
                 full: bool = True) -> tuple[KnowledgeDay, dict[str, ImageAsset]]:
    """The images the event names, each decoded once, keyed by its canonical path; and the
    event with every image field rewritten to that path.

    Canonical: the file's real path relative to the event's folder, '/'-separated, so that
    './assets/logo.png', 'assets//logo.png', 'assets/../assets/logo.png', 'assets/logo.png/'
    and a link to it are one file, decoded once, and every later step (the layout, the
    published source an archive embeds, extract) sees a plain relative name."""
    fields = _image_fields(day)
    if not fields:
        return day, {}
    images: dict[str, ImageAsset] = {}
    unusable: dict[str, str] = {}  # canonical name → what is wrong: a bad file is read once too
    canonical: dict[SourcePath, str] = {}
    problems = []
    for path, rel in fields:
        try:
            resolved, name = resolve_asset(folder, rel)
            if name in unusable:
                raise AssetProblem(unusable[name])
            if name not in images:
                try:
                    images[name] = replace(_load_image(resolved, rel, full), rel=name,
                                           fields=())
                except AssetProblem as exc:
                    unusable[name] = exc.message
                    raise
            images[name] = replace(images[name], fields=images[name].fields + (path,))
            canonical[path] = name
        except AssetProblem as exc:
            problems.append(source_map.problem(path, exc.message))
    if problems:
        raise BadInput(problems)
    for path, name in canonical.items():
        day = _replaced(day, path, name)
    return day, images


def _replaced(value: Any, path: SourcePath, new: Any) -> Any:
    """value with the field at path set to new (the models are frozen)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(value)
        items[head] = _replaced(items[head], rest, new)
        return items
    return value.model_copy(update={head: _replaced(getattr(value, head), rest, new)})


def resolve_asset(folder: Path, rel: str) -> tuple[Path, str]:
    """A data file's real path, confined to the data file's folder (symlinks resolved first),
    and its canonical name: that path relative to the folder, '/'-separated."""
    if "\\" in rel:
        # On Linux and macOS a backslash is part of a file name, not a separator: the same
        # file would be found on Windows only, and the archive's copy could not hold it.
        raise AssetProblem(f"'{rel}' holds a backslash (\\); separate folders with /, as in "
                           f"'{rel.replace(chr(92), '/')}'")
    root = folder.resolve()
    parts = PurePosixPath(rel).parts
    resolved = _find(root, parts, rel)
    if not resolved.is_relative_to(root):
        raise AssetProblem(f"'{rel}' leaves the folder of the YAML file; keep images "
                           f"beside it, e.g. in assets/")
    st = resolved.stat()
    if not stat.S_ISREG(st.st_mode):
        raise AssetProblem(f"'{rel}' is not a regular file")
    if st.st_size > MAX_ASSET_BYTES:
        raise AssetProblem(f"'{rel}' is {st.st_size // (1024 * 1024)} MB; "
                           f"the limit is {MAX_ASSET_BYTES // (1024 * 1024)} MB")
    name = resolved.relative_to(root).as_posix()
    if "\\" in name or not name.isprintable():  # reached through a link: the real file's name
        raise AssetProblem(f"'{rel}' is the file {name!r}, whose name holds a backslash or "
                           f"an invisible character; rename that file")
    return resolved, name


def _find(root: Path, parts: tuple[str, ...], rel: str) -> Path:
    """The real path of root/parts. A name that differs only in its Unicode form is the same
    name: macOS stores é as e and a combining accent, most editors type it as one character,
    and a folder copied from a Mac keeps macOS's form."""
    try:
        return _real(root.joinpath(*parts), rel)
    except FileNotFoundError:
        pass
    twin = _same_name_in_another_form(root, parts)
    if twin is not None:
        try:
            return _real(twin, rel)
        except FileNotFoundError:
            pass
    raise AssetProblem(_not_found(root, parts, rel))


def _real(path: Path, rel: str) -> Path:
    """path with every symlink resolved; FileNotFoundError when it does not exist."""
    try:
        return path.resolve(strict=True)
    except FileNotFoundError:
        raise
    except RuntimeError:  # a symlink loop, as Python before 3.13 reports it
        raise AssetProblem(f"cannot open {rel}: {os.strerror(errno.ELOOP).lower()}") from None
    except OSError as exc:
        raise AssetProblem(f"cannot open {rel}: {exc.strerror.lower()}") from None


def _same_name_in_another_form(root: Path, parts: tuple[str, ...]) -> Path | None:
    """root/parts with each missing name replaced by the one entry of its folder that is the
    same text in Unicode's composed form (NFC); None when there is none, or more than one."""
    here, changed = root, False
    for part in parts:
        if os.path.lexists(here / part):
            here = here / part
            continue
        want = unicodedata.normalize("NFC", part)
        try:
            twins = [entry for entry in here.iterdir()
                     if unicodedata.normalize("NFC", entry.name) == want]
        except OSError:
            return None
        if len(twins) != 1:
            return None
        here, changed = twins[0], True
    return here if changed else None


def _not_found(root: Path, parts: tuple[str, ...], rel: str) -> str:
    link = _dangling_link(root, parts)
    if link:
        return f"'{link[0]}' is a link to '{link[1]}', which does not exist"
    return f"file not found: {rel}{_suggest(root, rel)}"


def _dangling_link(root: Path, parts: tuple[str, ...]) -> tuple[str, str] | None:
    """(name, target) of the first link on the way whose target is missing: a folder listing
    shows such a file, so "file not found" alone would puzzle."""
    here = root
    for depth, part in enumerate(parts, 1):
        here = here / part
        if here.is_symlink() and not here.exists():
            return "/".join(parts[:depth]), os.readlink(here)
        if not os.path.lexists(here):
            return None
    return None


def _suggest(root: Path, rel: str) -> str:
    """Find 'assets/Logo.PNG' for 'assets/logo.png': names differ in case across systems."""
    want = unicodedata.normalize("NFC", rel.replace("\\", "/")).casefold()
    parent = (root / rel).parent
    try:
        for entry in parent.iterdir():
            got = entry.relative_to(root).as_posix()
            if got != rel and unicodedata.normalize("NFC", got).casefold() == want:
                return f" (did you mean {got}?)"
    except OSError:
        pass
    return ""


_SNIFF = [(b"%PDF", "a PDF"), (b"<svg", "an SVG drawing"), (b"<?xml", "an SVG/XML file"),
          (b"%!PS", "a PostScript file"), (b"\xc5\xd0\xd3\xc6", "a PostScript file"),  # DOS EPS
          (b"GIF8", "a GIF"), (b"RIFF", "a WebP"), (b"II*\x00", "a TIFF"), (b"MM\x00*", "a TIFF")]
# Brands of an ISO media file's 'ftyp' box: AVIF files list HEIF's mif1 too, so AVIF goes first.
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# A BMP's second header starts with its own size; these are the sizes its versions have.
_BMP_INFO_SIZES = {12, 40, 52, 56, 64, 108, 124}
# EXIF orientation → the turn that sets the picture upright (as ImageOps.exif_transpose).
UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
            6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def _load_image(path: Path, rel: str, full: bool = True) -> ImageAsset:
    """The image file at path (resolved and checked), named rel in messages."""
    from PIL import Image

    data = path.read_bytes()  # read once: the pixels and an archive's copy come from these bytes
    if not data:
        raise AssetProblem(f"'{rel}' is an empty file")
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    errors = (OSError, SyntaxError, MemoryError, ValueError, NotImplementedError,
              OverflowError, Image.DecompressionBombError, Image.DecompressionBombWarning)
    try:
        with warnings.catch_warnings():
            # Pillow warns about what it skips or repairs in a file: that is never the user's
            # business on the terminal. A decompression bomb, though, is refused.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the two formats a brochure needs: Pillow would run Ghostscript for EPS.
            with Image.open(BytesIO(data), formats=["PNG", "JPEG"]) as im:
                if getattr(im, "is_animated", False):
                    raise AssetProblem(f"'{rel}' is animated; use a still PNG or JPEG")
                turn = orientation(im)
                width, height = im.size
                if not full and im.format == "JPEG":
                    # The whole scan is still read (a truncated file still fails), but the
                    # DCT is scaled: eight times faster for a photograph.
                    im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
                im.load()
                kind = im.format
                im = upright(im, turn)
                rgb = _flatten(im)
                # A print shop's CMYK picture goes to press with its own separation.
                press = im.copy() if im.mode == "CMYK" else None
    except AssetProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AssetProblem(f"'{rel}' has too many pixels; the limit is "
                           f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels") from None
    except errors as exc:
        what = _what_it_is(data[:64])
        if what:
            raise AssetProblem(f"'{rel}' is {what}") from None
        if isinstance(exc, OSError) and "truncated" in str(exc):
            raise AssetProblem(f"'{rel}' is truncated (the file is incomplete)") from None
        raise AssetProblem(f"'{rel}' is not a readable PNG or JPEG image") from None
    if turn >= 5:  # turned a quarter: the picture is as wide as the file is high
        width, height = height, width
    return ImageAsset(path, width, height, rgb, format=kind or "PNG", cmyk=press, data=data)


def orientation(im: Any) -> int:
    """The EXIF orientation, 1 to 8; 1 (upright as stored) when there is none or it cannot be
    read. A broken tag elsewhere in the block (a camera's maker note pointing past the end,
    say) does not make the orientation untrue: Pillow skips what it cannot read, and a photo
    turned by its tag must look the same in every product. The loader and the archive's
    published copy both ask here, so the screen, print and archive PDFs agree."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complaints about other tags are not the user's
        try:
            value = im.getexif().get(0x0112, 1)  # which also knows XMP's orientation
        except Exception:  # whatever breaks in the metadata, the pixels still stand
            return 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def upright(im: Any, turn: int) -> Any:
    """The picture turned as its orientation says."""
    from PIL import Image

    return im.transpose(Image.Transpose[UPRIGHT[turn]]) if turn in UPRIGHT else im


def _what_it_is(head: bytes) -> str | None:
    """What a file that opens as neither PNG nor JPEG is, by its first bytes: the end of the
    message "'assets/logo.png' is …"; None when they do not say."""
    brands = _ftyp_brands(head)
    if brands & _AVIF_BRANDS:
        return "an AVIF image, not a PNG or JPEG image; export it as JPEG"
    if brands & _HEIC_BRANDS:
        return ("a HEIC photo (as iPhones save them), not a PNG or JPEG image; "
                "export it as JPEG")
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_INFO_SIZES:
        return "a BMP, not a PNG or JPEG image"
    kind = next((label for magic, label in _SNIFF if head.lstrip().startswith(magic)), None)
    return f"{kind}, not a PNG or JPEG image" if kind else None


def _ftyp_brands(head: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO media file (HEIC, AVIF), as far as head
    holds them; empty for any other file."""
    if head[4:8] != b"ftyp":
        return set()
    end = min(int.from_bytes(head[:4], "big"), len(head))
    return {head[8:12]} | {head[i:i + 4] for i in range(16, end - 3, 4)}


def _flatten(im: Any) -> Any:
    from PIL import Image

    if im.mode.startswith("I"):  # a 16-bit greyscale PNG: 'I;16' (or 'I')
        im = _grey_8bit(im)
    if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        white = Image.new("RGB", im.size, (255, 255, 255))
        white.paste(im, mask=im.getchannel("A"))
        return white
    if im.mode == "CMYK":
        # For the screen only: print places the CMYK pixels as they are (ImageAsset.cmyk).
        return im.convert("RGB")
    return im.convert("RGB") if im.mode != "RGB" else im


def _grey_8bit(im: Any) -> Any:
    """16-bit grey scaled to 8 bits ('L', or 'LA' when a grey value is transparent): Pillow's
    convert('L') clips instead, so everything above 255 of 65,535 (0.4 %) would be white."""
    from PIL import Image, ImageMath

    wide = im.convert("I")
    grey = wide.point(lambda value: value / 257 + 0.5).convert("L")  # rounded, not cut
    key = im.info.get("transparency")
    if not isinstance(key, int):
        return grey
    # The transparent grey is compared at full depth: at 8 bits, 256 greys would match it.
    alpha = ImageMath.lambda_eval(lambda a: a["convert"]((a["x"] != key) * 255, "L"), x=wide)
    return Image.merge("LA", (grey, alpha))
