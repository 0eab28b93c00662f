"""The event file's text → plain values (dicts, lists, strings) and their positions.

The YAML is read as the parser's events (never constructed by PyYAML): every scalar stays
text, so `NO`, `12:30` and `0123` mean what they say; tags, anchors, aliases, merge keys and
duplicate keys are refused, and reading stops at the first limit broken (MAX_VALUES, MAX_KEYS,
each list's MAX_ITEMS), so memory is bounded by the limits, not by the file. Every value's
position is kept in the marks that become the event's source map. A file YAML cannot read is
explained in the organiser's words (_Diagnosis): the line to change and the change, found
from the parser's marks and the lines around them.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from typing import Any, Iterator

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
            first = frame.first_line[key]
            if frame.path and isinstance(frame.path[-1], int):
                # In a list's item, a key again most often starts the next item: `name:`
                # without its '- '.
                hint = f"if line {position[0]} starts the next item, write '- ' before `{key}:`"
            else:
                hint = "a key may appear only once here; keep one of them"
            self._fail(position, frame.path + (key,),
                       f"duplicate key '{key}' (first on line {first}); {hint}")
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
        raise _yaml_problem(exc, name, text) from None
    except yaml.YAMLError as exc:
        raise BadInput.single(name, f"not valid YAML: {exc}") from None
    if not composer.documents:
        raise BadInput.single(name, "file is empty (only comments)")
    composer.problems += composer.unused_anchors()
    return root


def _yaml_problem(exc: yaml.MarkedYAMLError, name: str, text: str) -> BadInput:
    line, column, message = _Diagnosis(exc, text).run()
    return BadInput.single(name, one_line(message), line=line, column=column)


# --- syntax errors in an organiser's words ---------------------------------------------------
#
# PyYAML says where it stopped and what it expected there, in the words of its grammar ("did
# not find expected key (while parsing a block mapping on line 4)"), and often not where the
# mistake is: a title one space too deep is read as more text of the line above it, and the
# parser only gives up at the colon. So a syntax error is explained from what the parser saw
# (its marks and the kind of thing it was reading) together with the lines around it (their
# indentation, tabs, keys, quotes, the text of a `|` field), and the first diagnosis the
# evidence supports names the line to change and the change. None of the parser's words reach
# the user; when no diagnosis fits, a plain message says where reading stopped.

# The fields whose text is Markdown (docs/format.md, "Two kinds of text"): a text of several
# lines there wants `|`.
_BODY_KEYS = frozenset({"lead", "opening", "participants_intro", "body", "intro", "closing",
                        "points"})
_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four"}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# `- ` markers, then a key: a quoted one, or plain text up to the first ': ' (or ':' at the
# end); a plain key does not start with an indicator and holds no ' #' (a comment).
_LINE = re.compile(r"""(?P<indent>[ \t]*)(?P<dashes>(?:-(?:[ \t]+|$))*)
    (?:(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|(?![-?:,\[\]{}#&*!|>%@`"'\s])(?:[^:#\s]|:(?=\S)
       |\s(?!\#)|(?<=\S)\#)*?)[ \t]*:(?=[ \t]|$))?""", re.VERBOSE)
_BLOCK_HEADER = re.compile(r"[|>][0-9+-]*[ \t]*(#.*)?$")


def _spaces(count: int, more: bool = False) -> str:
    word = _NUMBERS.get(count, str(count))
    return f"{word} {'more ' if more else ''}space{'s' if count != 1 else ''}"


class _Line:
    """One line of the file as a reader of its structure sees it. Its key and value are read
    when first asked for: a diagnosis looks at a few lines, and a file can hold 250,000."""

    __slots__ = ("number", "text", "indent", "blank", "block", "_parsed", "_tab", "_dash",
                 "_key", "_key_col", "_value", "_value_col")

    def __init__(self, number: int, text: str) -> None:
        self.number = number
        self.text = text
        stripped = text.strip()
        self.blank = not stripped or stripped.startswith("#")
        self.indent = len(text) - len(text.lstrip(" "))  # spaces before anything else
        self.block: _Line | None = None  # the `key: |` line whose text this line is
        self._parsed = False

    def _parse(self) -> None:
        text = self.text
        found = _LINE.match(text)
        # The column (1-based) of a tab among the leading white space or after a '- '.
        ahead = found.group("indent") + found.group("dashes")
        self._tab = ahead.index("\t") + 1 if "\t" in ahead else None
        self._dash = bool(found.group("dashes"))
        self._key = found.group("key")
        self._key_col = found.end("dashes")  # 0-based: where the key or the value starts
        value_col = found.end() if self._key is not None else self._key_col
        while value_col < len(text) and text[value_col] in " \t":
            value_col += 1
        self._value_col = value_col
        self._value = text[value_col:].rstrip()
        self._parsed = True

    def _get(self, name: str) -> Any:
        if not self._parsed:
            self._parse()
        return getattr(self, name)

    tab = property(lambda self: self._get("_tab"))
    dash = property(lambda self: self._get("_dash"))
    key = property(lambda self: self._get("_key"))
    key_col = property(lambda self: self._get("_key_col"))
    value = property(lambda self: self._get("_value"))
    value_col = property(lambda self: self._get("_value_col"))

    @property
    def plain_key(self) -> str | None:
        """The key as the format names it (quotes removed), if the line has one."""
        if self.key is None:
            return None
        return self.key[1:-1] if self.key[:1] in "\"'" else self.key

    def shown(self) -> str:
        return f"`{self.plain_key}:`" if self.key is not None else "the list item" \
            if self.dash else "the text"


def _read_lines(text: str) -> list[_Line]:
    lines = [_Line(number, line) for number, line in enumerate(_LINE_BREAK.split(text), 1)]
    _mark_block_text(lines)
    return lines


def _mark_block_text(lines: list[_Line]) -> None:
    """Give each line of a `|` or `>` text the line of its key (block)."""
    index = 0
    while index < len(lines):
        header = lines[index]
        index += 1
        if header.blank or header.block is not None or \
                not _BLOCK_HEADER.search(header.text) or not _BLOCK_HEADER.match(header.value) \
                or (header.key is None and not header.dash):
            continue
        parent = header.key_col if header.key is not None else header.key_col - 2
        content = None
        while index < len(lines):
            line = lines[index]
            if not line.text.strip():
                index += 1
                continue
            if content is None:
                if line.indent <= parent:
                    break
                content = line.indent
            if line.indent < content:
                break
            line.block = header
            index += 1


def _field_names(top: bool = True) -> frozenset[str]:
    """Every key the format has (top=False: every key below the top level)."""
    from pydantic import BaseModel
    names: set[str] = set()
    todo: list[Any] = [KnowledgeDay]
    seen: list[Any] = []
    while todo:
        model = todo.pop()
        seen.append(model)
        for key, info in model.model_fields.items():
            if top or model is not KnowledgeDay:
                names.add(key)
            for inner in _models_in(info.annotation):
                if inner not in seen and issubclass(inner, BaseModel):
                    todo.append(inner)
    return frozenset(names)


def _models_in(annotation: Any) -> list[type]:
    from pydantic import BaseModel
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) or () for m in _models_in(arg)]


_FIELDS = _field_names()


def _list_key(sibling: str | None, item_key: str | None) -> str | None:
    """The list field that stands beside `sibling` and whose items have `item_key`, when the
    format has exactly one (`organisers` beside `language`, with items of `name`)."""
    from pydantic import BaseModel
    found = set()
    todo: list[Any] = [KnowledgeDay]
    seen: list[Any] = []
    while todo:
        model = todo.pop()
        seen.append(model)
        for key, info in model.model_fields.items():
            inner = _models_in(info.annotation)
            if sibling in model.model_fields and typing.get_origin(info.annotation) is list \
                    and any(item_key in m.model_fields for m in inner):
                found.add(key)
            todo += [m for m in inner if m not in seen and issubclass(m, BaseModel)]
    return found.pop() if len(found) == 1 else None


# Keys only the top level has: one of them indented is indented by mistake.
_TOP_ONLY = _FIELDS - _field_names(top=False)


class _Diagnosis:
    """A parser's error and the file's lines → (line, column, message)."""

    def __init__(self, exc: yaml.MarkedYAMLError, text: str) -> None:
        self.lines = _read_lines(text)
        self.problem = (exc.problem or "").strip()
        self.context = (exc.context or "").strip()
        mark = exc.problem_mark or exc.context_mark
        self.at = self._clamp(mark)
        self.opened = self._clamp(exc.context_mark) if exc.context_mark else None
        self._kept_step: int | None = None

    def _clamp(self, mark: yaml.Mark | None) -> tuple[int, int]:
        """A mark as (line, column), 1-based, on a line of the file: the end of the file is
        its last line that holds something."""
        if mark is None:
            return (1, 1)
        line, col = mark.line + 1, mark.column + 1
        if line > len(self.lines) or not self.lines[line - 1].text.strip() and \
                "end of stream" in self.problem:
            last = self._previous(min(line, len(self.lines)) + 1, structural=False)
            if last is not None:
                return (last.number, len(last.text.rstrip()) + 1)
        return (min(line, len(self.lines)), col)

    # -- the file's lines ------------------------------------------------------------------

    def line(self, number: int) -> _Line:
        return self.lines[number - 1]

    def _upward(self, count: int) -> Iterator[_Line]:
        """The first count lines, last first (a slice would copy the whole file's lines at
        every step back, and a file can hold hundreds of thousands)."""
        for index in range(min(count, len(self.lines)) - 1, -1, -1):
            yield self.lines[index]

    def _downward(self, start: int) -> Iterator[_Line]:
        """The lines after the first start lines."""
        for index in range(max(start, 0), len(self.lines)):
            yield self.lines[index]

    def _previous(self, number: int, structural: bool = True) -> _Line | None:
        for line in self._upward(max(number - 1, 0)):
            if not line.blank and not (structural and line.block is not None):
                return line
        return None

    def _next(self, number: int) -> _Line | None:
        for line in self._downward(number):
            if not line.blank and line.block is None:
                return line
        return None

    def _step(self) -> int:
        """The indentation step the file keeps (2 or 4; 1 when it keeps none)."""
        if self._kept_step is None:
            self._kept_step = self._measure_step()
        return self._kept_step

    def _measure_step(self) -> int:
        indents = [line.indent for line in self.lines if not line.blank and line.block is None
                   and line.indent]
        for step in (4, 2):
            if indents and sum(i % step == 0 for i in indents) >= 0.9 * len(indents):
                return step
        return 1

    # -- the diagnosis ---------------------------------------------------------------------

    def run(self) -> tuple[int, int, str]:
        for rule in (self._tab, self._escape, self._quote, self._flow, self._block_header,
                     self._text_dedented, self._missing_pipe, self._colon_in_value,
                     self._no_colon, self._stray_first_line, self._indentation,
                     self._start_character):
            found = rule()
            if found:
                return found
        return self._general()

    def _tab(self) -> tuple[int, int, str] | None:
        line_no, col = self.at
        first = min(self.opened[0], line_no) if self.opened else line_no
        tab_said = "tab" in self.problem
        at_tab = self.line(line_no).text[col - 1:col] == "\t"
        candidates = [self.line(line_no)] + [self.lines[n - 1]
                                              for n in range(line_no - 1, first - 1, -1)]
        for line in candidates:
            if line.tab is not None and line.block is None and not line.blank:
                where = "starts with a tab" if line.tab == 1 else "has a tab in its indentation"
                return (line.number, line.tab,
                        f"line {line.number} {where}: YAML needs spaces; replace the tab by "
                        f"spaces")
        if tab_said or at_tab:
            return (line_no, col, f"line {line_no} has a tab where YAML needs spaces; replace "
                                  f"the tab by spaces")
        return None

    def _escape(self) -> tuple[int, int, str] | None:
        if "escape" not in self.problem and "hexdecimal" not in self.problem and \
                "hexadecimal" not in self.problem:
            return None
        line_no, col = self.at
        text = self.line(line_no).text
        start = text.rfind("\\", 0, col)
        found = re.match(r"\\(u[0-9A-Fa-f]{0,4}|U[0-9A-Fa-f]{0,8}|x[0-9A-Fa-f]{0,2}|.?)",
                         text[start:]) if start >= 0 else None
        seq = found.group() if found else "\\"
        if "Unicode" in self.problem:
            why = f"'{seq}' names no character"
        else:
            why = f"'{seq}' is no escape YAML knows"
        return (line_no, start + 1 if start >= 0 else col,
                f"a backslash in a value in double quotes starts an escape, and {why}; "
                f"write the character itself, write \\\\ for a backslash, or put the value "
                f"in single quotes")

    def _quote(self) -> tuple[int, int, str] | None:
        if self.opened and "quoted" in self.context and (
                "end of stream" in self.problem or "document" in self.problem):
            line_no, col = self.opened
            mark = self.line(line_no).text[col - 1:col] or '"'
            return (line_no, col, f"the quote {mark} on line {line_no} is never closed: end "
                                  f"the value with {mark}")
        # A quote closed too early (an apostrophe inside single quotes) or a value whose
        # quote was never closed on its line (the next quote in the file closes it).
        line_no = self.at[0]
        for number in range(line_no, max(line_no - 200, 0), -1):
            line = self.line(number)
            if line.blank or line.block is not None:
                continue
            value = line.value
            quote = value[:1]
            if quote not in ("'", '"'):
                continue
            body = value.split(" #")[0].rstrip() if value.count(quote) > 1 else value
            inner = body.replace("\\\\", "").replace('\\"', "") if quote == '"' \
                else body.replace("''", "")
            count = inner.count(quote)
            if count == 1:
                return (number, line.value_col + 1,
                        f"the quote {quote} on line {number} is not closed on that line: "
                        f"end the value with {quote}")
            if count > 2 and number == line_no:
                fix = ("write it twice ('') or put the value in double quotes" if quote == "'"
                       else "write it as \\\" or put the value in single quotes")
                return (number, line.value_col + 1,
                        f"the value on line {number} starts with {quote} and holds another "
                        f"{quote} inside, which ends it early: {fix}")
            if number != line_no:
                break
        return None

    def _flow(self) -> tuple[int, int, str] | None:
        line_no, col = self.at
        if "nesting depth" in self.problem:
            return (line_no, col, f"line {line_no} nests brackets ([ or {{) deeper than an "
                                  f"event file can: write lists as lines starting with '- ' "
                                  f"and mappings as lines of key: value")
        closing = "]" if "']'" in self.problem or "flow sequence" in self.context else \
            "}" if "'}'" in self.problem or "flow mapping" in self.context else None
        if closing is None or not self.opened:
            return None
        opener = "[" if closing == "]" else "{"
        start_line, start_col = self.opened
        if start_line == line_no:
            return (line_no, col, f"line {line_no}: the items between {opener} and {closing} "
                                  f"need a ',' between them; put an item holding a ',' or ': ' "
                                  f"in quotes")
        return (start_line, start_col, f"the {opener} on line {start_line} is never closed: "
                                       f"end it with {closing} on that line, or write the "
                                       f"items as lines starting with '- '")

    def _block_header(self) -> tuple[int, int, str] | None:
        if "block scalar" not in self.context or not self.opened:
            return None
        line_no = self.opened[0]
        line = self.line(line_no)
        sign = line.value[:1] if line.value[:1] in "|>" else "|"
        return (line_no, line.value_col + 1,
                f"line {line_no}: after {sign} only a comment may follow on its line; put the "
                f"text on the lines under it, indented")

    def _text_dedented(self) -> tuple[int, int, str] | None:
        """A line of a `|` text indented less than the text above it: the text ended there,
        and the line was read as something else."""
        line_no = self.at[0]
        for number in range(line_no, max(line_no - 50, 0), -1):
            line = self.line(number)
            if line.blank or line.block is not None:
                continue
            above = self._previous(number, structural=False)
            if above is None or above.block is None:
                # not straight after a text: only lines deeper than the text's key lead back
                continue
            header = above.block
            parent = header.key_col if header.key is not None else header.key_col - 2
            first = next(ln for ln in self._downward(header.number) if ln.block is header
                         and ln.text.strip())
            content = first.indent
            if not (parent <= line.indent < content) or line.plain_key in _FIELDS or \
                    (line.dash and line.indent == parent and header.dash):
                return None
            if line.indent == parent and (line.dash or line.key is not None and
                                          " " not in line.plain_key):
                return None
            if any(ln.indent <= parent and not ln.blank for ln in self.lines[number:line_no - 1]
                   if ln.block is None):
                return None
            text = [ln for ln in self.lines[header.number:number - 1]
                    if ln.block is header and ln.text.strip()]
            after = next((ln for ln in self._downward(number) if ln.text.strip()), None)
            usual = parent + self._step()
            if len(text) == 1 and line.indent > parent and (
                    after is not None and after.indent == line.indent or
                    line.indent == usual != first.indent):
                # only the first line is deeper: it is the one moved, not the rest
                return (first.number, line.indent + 1,
                        f"line {first.number} is indented more than the rest of the text of "
                        f"{header.shown()} (from line {number}): remove "
                        f"{_spaces(content - line.indent)} so that it lines up")
            missing = content - line.indent
            return (number, line.indent + 1,
                    f"line {number} is indented less than the text of {header.shown()} above "
                    f"it (line {first.number}), so the text ends before it: indent it by "
                    f"{_spaces(missing, True)}, like the lines above")
        return None

    def _missing_pipe(self) -> tuple[int, int, str] | None:
        """A text of several lines after `key:` without `|`: the first line that holds ': ',
        starts with '*' or is indented otherwise stops the parser."""
        line_no = self.opened[0] if self.opened and "simple key" in self.context \
            else self.at[0]
        number = line_no
        if self.line(number).plain_key in _FIELDS:  # the text ended just above this key
            number -= 1
        prose = []
        while number >= 1:
            line = self.line(number)
            if line.blank:
                number -= 1
                continue
            if line.block is not None:
                return None
            if line.plain_key in _FIELDS:
                break
            if line.dash and (line.key is None or line.plain_key not in _FIELDS):
                return None  # a list of texts: its own mistakes
            prose.append(line)
            number -= 1
        if number < 1 or not prose:
            return None
        owner = self.line(number)
        key = owner.plain_key
        if _BLOCK_HEADER.match(owner.value):
            return self._empty_text(owner)
        if key not in _BODY_KEYS or owner.value[:1] in ("|", ">", '"', "'", "[", "{") or \
                owner.dash and key == "points":
            return None
        text_line = prose[-1]
        if any(ln.indent < owner.key_col for ln in prose) or len(prose) < 2 and \
                not owner.value and text_line.indent > owner.key_col and \
                text_line.key is None:
            return None
        indented = all(ln.indent > owner.key_col for ln in prose)
        where = ("keep the text indented under it" if indented else
                 f"indent the text under it by {_spaces(2, True)} than `{key}:`")
        moved = f", move the text after `{key}:` to the line under it" if owner.value else ""
        first = owner if owner.value else text_line
        return (owner.number, owner.value_col + 1 if not owner.value else owner.value_col,
                f"line {first.number if first is not owner else owner.number + 1} continues "
                f"the text of `{key}:` on line {owner.number}: a text of several lines needs "
                f"`|` after `{key}:`; write `{key}: |`{moved} and {where}")

    def _colon_in_value(self) -> tuple[int, int, str] | None:
        line_no, col = self.at
        line = self.line(line_no)
        if line.block is not None:
            return None
        if line.dash and line.key is not None and line.plain_key not in _FIELDS and \
                col > line.value_col and ("mapping values" in self.problem or
                                          "expected key" in self.problem):
            whole = line.text[line.key_col:].rstrip()
            return (line_no, col, f"a colon followed by a space inside the list item on line "
                                  f"{line_no} makes YAML read a key; put the item in quotes: "
                                  f"- {_quoted(whole)}")
        if line.key is not None and line.value[:1] in ("[", "{") and \
                col > line.value_col + 1 and "flow" not in self.context:
            # `title: [Concept] Water`: read as a list, then the rest does not fit
            return (line_no, line.value_col + 1,
                    f"the value of `{line.plain_key}:` on line {line_no} starts with "
                    f"{line.value[0]}, which YAML reads as the start of a list; put the value "
                    f"in quotes: {line.plain_key}: {_quoted(line.value)}")
        if "mapping values" not in self.problem:
            return None
        if line.key is None or line.value_col >= col - 1:
            return None  # the colon is the line's own key's: its place is wrong, not its text
        key, value = line.plain_key, line.value.split(" #")[0].rstrip()
        if value[:1] in ('"', "'") and value.count(value[0]) >= 2:
            return (line_no, col, f"line {line_no} holds text after the closing quote of "
                                  f"`{key}:`; put all of the value inside the quotes")
        if key in _BODY_KEYS:
            return (line_no, col, f"a colon followed by a space inside the text of `{key}:` "
                                  f"makes YAML read a new key; write `{key}: |` and put the "
                                  f"text on the lines under it, indented")
        return (line_no, col, f"a colon followed by a space inside the value of `{key}:` "
                              f"makes YAML read a new key; put the value in quotes: "
                              f"{key}: {_quoted(value)}")

    def _no_colon(self) -> tuple[int, int, str] | None:
        """A key written without its ':' ('subtitle Klimaat…'): the parser reads the line as
        text and stops at the next line."""
        candidates = []
        if "simple key" in self.context and self.opened:
            candidates.append(self.line(self.opened[0]))
        if "mapping values" in self.problem or "expected key" in self.problem or \
                "'-' indicator" in self.problem:
            # where the text that ran on to this line began
            here = self.line(self.at[0])
            above = self._previous(here.number)
            while above is not None and above.key is None and not above.dash and \
                    above.indent > here.indent:
                candidates.append(above)
                above = self._previous(above.number)
            if above is not None:
                candidates.append(above)
        for line in candidates:
            if line.key is not None or line.block is not None:
                continue
            word, colon, rest = line.value.split(" ")[0].partition(":")
            if word not in _FIELDS:
                continue
            if colon and rest:  # `id:waterdag-2026` is one word to YAML
                return (line.number, line.value_col + len(word) + 2,
                        f"line {line.number} has no space after `{word}:`: YAML needs a "
                        f"space between the colon and the value")
            return (line.number, line.value_col + len(word) + 1,
                    f"line {line.number} has no ':' after `{word}`: write `{word}: …` "
                    f"with a space after the colon")
        return None

    def _indentation(self) -> tuple[int, int, str] | None:
        line_no = self.at[0]
        step = self._step()
        # Without a context the parser was reading a value that ran on over lines: the
        # moved line can be a few lines up.
        first = min(self.opened[0], line_no) if self.opened else max(line_no - 3, 1)
        if step > 1:
            for number in range(line_no, first - 1, -1):
                line = self.line(number)
                if line.blank or line.block is not None or line.indent % step == 0:
                    continue
                return self._off_ladder(line, step)
        for number in range(line_no, first - 1, -1):
            found = self._top_key_indented(self.line(number))
            if found:
                return found
        for above in (self._previous(line_no), self._previous(first)):
            found = above is not None and (self._top_key_indented(above) or
                                           self._empty_text(above))
            if found:
                return found
        line = self.line(line_no)
        if line.blank or line.block is not None:
            return None
        above = self._previous(line.number)
        found = self._dash_missing_above(line) or self._moved_above(line) or \
            (above is not None and above.dash and line.dash and self._moved_above(above)) or \
            self._nested_key_at_top(line) or self._list_not_indented(line)
        if found:
            return found
        if "'-' indicator" in self.problem or "block collection" in self.context and \
                "expected <block end>" in self.problem:
            return self._in_list(line)
        if "expected key" in self.problem or "block mapping" in self.context and \
                "expected <block end>" in self.problem:
            return self._in_mapping(line)
        if "mapping values" in self.problem:
            return self._read_as_text(line)
        if "document start" in self.problem:
            return self._top_level(line)
        return None

    def _top_key_indented(self, line: _Line) -> tuple[int, int, str] | None:
        """A key that only the top level has (lead, theses, …), indented."""
        if line.blank or line.block is not None or line.dash or not line.indent or \
                line.plain_key not in _TOP_ONLY:
            return None
        return (line.number, 1, f"line {line.number}: `{line.plain_key}:` is a key of the top "
                                f"level and starts at the beginning of its line: remove "
                                f"{_spaces(line.indent)} before it")

    def _empty_text(self, header: _Line) -> tuple[int, int, str] | None:
        """`key: |` whose text is not indented more than the key: the text is read as
        keys. Either the key line is too deep (a key after the text is less deep) or the
        text is not indented."""
        if header.block is not None or header.key is None or \
                not _BLOCK_HEADER.match(header.value):
            return None
        if self._top_key_indented(header):
            return self._top_key_indented(header)
        text = next((ln for ln in self._downward(header.number) if not ln.blank), None)
        if text is None or text.block is not None or text.indent > header.key_col or \
                text.dash or text.plain_key in _FIELDS:
            return None
        after = next((ln for ln in self._downward(text.number) if not ln.blank and
                      ln.block is None and ln.plain_key in _FIELDS), None)
        opener = self._opener_of(header)
        above = self._previous(header.number)
        if after is not None and not after.dash and opener is not None and \
                opener.key_col < after.key_col < header.key_col and above is opener:
            return self._move(header, after.key_col, after)
        return (text.number, text.indent + 1,
                f"line {text.number} is not indented more than `{header.plain_key}:` on line "
                f"{header.number}, so it is not its text: indent the text under "
                f"`{header.plain_key}: |` by {_spaces(header.key_col + 2 - text.indent, True)}")

    def _dash_missing_above(self, line: _Line) -> tuple[int, int, str] | None:
        """A list item whose first line lost its '- ': found from the next item, whose
        first key it shares, one level of '- ' less deep."""
        if not line.dash:
            return None
        above = self._previous(line.number)
        crossed = False
        if line.key is None:
            while above is not None and above.dash and above.key is None and \
                    above.indent == line.indent:  # the items the text ran on over
                above = self._previous(above.number)
            if above is not None and not above.dash and above.key is None and \
                    above.indent == line.key_col:
                return (above.number, above.indent - 1,
                        f"line {above.number} has no '- ' in front, unlike the list item on "
                        f"line {line.number}: start it with '- ' (in place of the last two "
                        f"spaces before it)")
            return None
        for other in self._upward(line.number - 1):
            if other.blank or other.block is not None:
                continue
            same = not other.dash and other.plain_key == line.plain_key
            if other.indent < line.indent or other.dash and other.indent == line.indent:
                return None  # the list's key, or the item before: no item lost its '- '
            if other.indent == line.indent:
                if same:
                    break
                if other.key is None or not line.indent:
                    return None
                crossed = True
                continue  # another key of the item that lost its '- '
            if same and other.key_col == line.key_col and not crossed:
                break
        else:
            return None
        if other.dash:
            return None
        if other.indent == line.indent:
            opener = next((ln for ln in self._upward(other.number - 1)
                           if not ln.blank and ln.block is None and ln.indent < line.indent),
                          None)
            if opener is None or opener.key is None or opener.value:
                return None
            return (other.number, other.indent + 1,
                    f"line {other.number} has no '- ' in front of `{other.plain_key}:`, "
                    f"unlike the list item on line {line.number}: write '- ' before "
                    f"`{other.plain_key}:` and indent the item's other lines to match")
        if other.indent != line.key_col:
            return None
        return (other.number, other.indent - 1,
                f"line {other.number} has no '- ' in front of `{other.plain_key}:`, unlike "
                f"the list item on line {line.number}: start it with '- ' (in place of the "
                f"last two spaces before `{other.plain_key}:`)")

    def _moved_above(self, line: _Line) -> tuple[int, int, str] | None:
        """The line above is the one moved: this line and the one after it agree, and the
        line above differs from them although it is their sibling (the line before it is
        their sibling too, or the key that opens them all)."""
        above, below = self._previous(line.number), self._next(line.number)
        if above is None or below is None or above.dash != line.dash or \
                above.indent == line.indent or not (below.plain_key in _FIELDS or below.dash):
            return None
        before = self._previous(above.number)
        if before is None:
            return None
        sibling = before.indent == line.indent and before.dash == line.dash
        opener = (before.key is not None and not before.value and not before.dash and
                  before.key_col < line.indent and
                  (above.indent > line.indent or before.key_col >= above.indent))
        if not (sibling or opener):
            return None
        # The file's habit: what a key opens is indented one step under it.
        usual = opener and line.indent == before.key_col + self._step()
        agrees = below.indent == line.indent and below.dash == line.dash or \
            line.dash and below.indent >= line.key_col
        if not usual and (above.indent < line.indent and below.indent < line.indent or
                          above.indent > line.indent and not agrees):
            return None
        return self._move(above, line.indent, line)

    def _nested_key_at_top(self, line: _Line) -> tuple[int, int, str] | None:
        """The key this line falls under by its indentation stands at the top level but is
        no top-level key (`organisers:` at the start of its line): that key is the one moved."""
        for other in self._upward(line.number - 1):
            if other.blank or other.block is not None or other.indent >= line.indent:
                continue
            if other.indent == 0 and not other.dash and other.key is not None and \
                    other.plain_key in _FIELDS and other.plain_key not in _TOP_ONLY and \
                    line.plain_key in _FIELDS and not line.dash:
                return self._move(other, line.indent, line)
            return None
        return None

    def _list_not_indented(self, line: _Line) -> tuple[int, int, str] | None:
        """A list item at the depth of its key (`theses:` then `- statement:` at the start
        of the line), whose next line keeps the file's usual depth: the item was moved."""
        item = self._previous(line.number)
        if item is None or not item.dash or line.dash or line.indent <= item.key_col:
            return None
        opener = self._previous(item.number)
        step = self._step()
        if opener is None or opener.key is None or opener.value or opener.dash or \
                opener.key_col != item.indent or line.indent != item.key_col + step:
            return None
        return self._move(item, item.indent + step, line)

    def _off_ladder(self, line: _Line, step: int) -> tuple[int, int, str] | None:
        """A line indented off the file's step (3 spaces where all others use 2 or 4): it is
        the one to move, to the level of the neighbour it belongs with."""
        low = line.indent - line.indent % step
        high = low + step
        above, below = self._previous(line.number), self._next(line.number)
        ref = None
        for other in (above, below):
            if other is None:
                continue
            # a sibling: the same kind of line at one of the two levels
            if line.dash and other.dash and other.indent in (low, high):
                ref = other
                break
            if not line.dash and other.key_col in (low, high) and \
                    not (other is above and not other.value and other.key_col == low
                         and above.key_col < line.indent and high != line.indent):
                ref = other
                break
        if ref is None and above is not None:
            ref = above
        if ref is None:
            return None
        target = ref.indent if line.dash and ref.dash else ref.key_col
        if target not in (low, high) or (ref is above and not above.value and
                                         above.key is not None and not line.dash and
                                         target == low):
            target = high if above is not None and above.key_col < line.indent else low
        return self._move(line, target, ref)

    def _move(self, line: _Line, target: int, ref: _Line) -> tuple[int, int, str]:
        where = "above" if ref.number < line.number else "below"
        what = ("the list item" if ref.dash and (line.dash or target > ref.indent)
                else ref.shown())
        if target > line.indent:
            return (line.number, line.indent + 1,
                    f"line {line.number} is indented less than {what} {where} it on line "
                    f"{ref.number}: indent it by {_spaces(target - line.indent, True)}")
        return (line.number, line.indent + 1,
                f"line {line.number} is indented more than {what} {where} it on line "
                f"{ref.number}: remove {_spaces(line.indent - target)} so that it lines up")

    def _in_list(self, line: _Line) -> tuple[int, int, str] | None:
        dash_indent = self.opened[1] - 1 if self.opened else line.indent
        item = next((ln for ln in self._upward(line.number - 1)
                     if not ln.blank and ln.block is None and ln.dash and
                     ln.indent == dash_indent), None)
        if item is None:
            return None
        content = item.key_col
        if line.indent == dash_indent and not line.dash:
            keys = self._item_keys(item)
            if line.key is None or keys and line.plain_key == keys[0] or \
                    line.plain_key in keys[:1]:
                return (line.number, line.indent + 1,
                        f"line {line.number} starts a new item of the list but has no '- ' "
                        f"in front (see line {item.number}): write '- ' before it")
        width = item.key_col - item.indent
        if line.indent < content:
            later = self._next_item(line, line.indent - width)
            if later is not None and later.indent < item.indent:
                return self._move(item, later.indent, later)
            return self._move(line, content, item)
        if line.dash and line.indent == content and item.key is None:
            return self._move(line, item.indent, item)  # a text item one step too deep
        if line.indent > content:
            # The item's first line less deep than its other lines and than the next item?
            width = item.key_col - item.indent
            later = next((ln for ln in self._downward(line.number) if not ln.blank and
                          ln.block is None and ln.indent <= item.indent + width
                          or ln.dash and ln.indent == line.indent - width), None)
            if later is not None and later.dash and later.indent == line.indent - width:
                return self._move(item, later.indent, later)
            return self._move(line, content, item)
        return None

    def _next_item(self, line: _Line, indent: int) -> _Line | None:
        """The next list item at indent after line, if nothing less deep comes first."""
        for other in self._downward(line.number):
            if other.blank or other.block is not None:
                continue
            if other.dash and other.indent == indent:
                return other
            if other.indent <= indent:
                return None
        return None

    def _item_keys(self, item: _Line) -> list[str]:
        keys = [item.plain_key] if item.key is not None else []
        for ln in self._downward(item.number):
            if ln.blank or ln.block is not None:
                continue
            if ln.indent != item.key_col or ln.dash:
                if ln.indent <= item.indent:
                    break
                continue
            if ln.key is not None:
                keys.append(ln.plain_key)
        return keys

    def _in_mapping(self, line: _Line) -> tuple[int, int, str] | None:
        level = self.opened[1] - 1 if self.opened else 0
        parent = self.line(self.opened[0]) if self.opened else None
        if line.dash:
            # an item of a list above, out of line with it
            for other in self._upward(line.number - 1):
                if other.blank or other.block is not None:
                    continue
                if other.dash and other.plain_key == line.plain_key and \
                        other.indent != line.indent:
                    return self._move(line, other.indent, other)
                if other.indent < min(line.indent, level) or other.number < (
                        self.opened[0] if self.opened else 1):
                    break
        if line.dash and line.indent == level:
            return (line.number, line.indent + 1,
                    f"line {line.number} starts a list item ('- ') among the keys that start "
                    f"on line {self.opened[0] if self.opened else 1}: a list belongs under a "
                    f"key of its own, indented under it; or remove the '- '")
        above = self._previous(line.number)
        below = self._next(line.number)
        if above is None:
            return None
        if above.key_col > line.indent > level:
            # Between two levels: the line above opened a deeper block, or is itself too deep.
            opener = self._opener_of(above)
            if opener is not None and opener.key_col == line.indent and \
                    self._first_child(above) and below is not None and \
                    below.indent == line.indent:
                return self._move(above, line.indent, line)
            sibling = self._sibling_at(line.number, level) or parent
            target = above.key_col if above.key_col - line.indent < line.indent - level \
                else level
            return self._move(line, target, above if target == above.key_col else sibling)
        if line.indent > level:
            sibling = above if above.key_col == level else (self._sibling_at(line.number, level)
                                                            or parent)
            return self._move(line, level, sibling)
        return None

    def _read_as_text(self, line: _Line) -> tuple[int, int, str] | None:
        """`key: value` read as more text of the line above, which holds a plain value."""
        above = self._previous(line.number)
        if above is None or line.key is None:
            return None
        below = self._next(line.number)
        if line.dash and not above.dash and above.key is not None and above.value and \
                line.indent > above.key_col and not self._next_item(line, line.indent - 2):
            key = _list_key(above.plain_key, line.plain_key)
            named = f"`{key}:`" if key else "the list's key"
            return (line.number, line.indent + 1,
                    f"line {line.number} starts a list item ('- '), but `{above.plain_key}:` "
                    f"on line {above.number} already has a value: a list needs a key of its "
                    f"own; add {named} on a line above the list, lined up with "
                    f"`{above.plain_key}:`")
        if line.indent > above.key_col:
            if above.dash:
                later = self._next_item(line, line.indent - (above.key_col - above.indent))
                if later is not None and later.indent > above.indent:
                    return self._move(above, later.indent, later)
            if below is not None and below.indent == line.indent and \
                    self._first_child(above) and below.plain_key in _FIELDS:
                return self._move(above, line.indent, below)
            return self._move(line, above.key_col if not above.dash or line.dash else
                              above.key_col, above)
        return None

    def _top_level(self, line: _Line) -> tuple[int, int, str] | None:
        first = next((ln for ln in self.lines if not ln.blank), None)
        if first is not None and first.indent > line.indent:
            return self._move(first, line.indent, line)
        return None

    def _opener_of(self, line: _Line) -> _Line | None:
        """The `key:` line whose block holds line."""
        for other in self._upward(line.number - 1):
            if not other.blank and other.block is None and other.key_col < line.key_col:
                return other
        return None

    def _first_child(self, line: _Line) -> bool:
        opener = self._opener_of(line)
        return opener is not None and self._next(opener.number) is line

    def _sibling_at(self, number: int, level: int) -> _Line | None:
        for other in self._upward(number - 1):
            if other.blank or other.block is not None:
                continue
            if other.key_col == level and other.key is not None:
                return other
            if other.indent < level:
                return None
        return None

    def _start_character(self) -> tuple[int, int, str] | None:
        """A character YAML gives a meaning at the start of a line or a value (`%`, `,`,
        `]`, `*`, `@` …), typed or left there by mistake."""
        line_no, col = self.at
        line = self.line(line_no)
        if "sequence entries" in self.problem and line.key is not None and \
                col - 1 > line.value_col - 1 >= 0:
            return (line_no, col, f"line {line_no}: a list item ('- ') cannot follow "
                                  f"`{line.plain_key}:` on the same line; start it on the line "
                                  f"below, indented under `{line.plain_key}:`")
        if "directive" in self.context and self.opened:
            start = self.line(self.opened[0])
            return (start.number, 1, f"line {start.number} starts with %, which YAML reads as "
                                     f"an instruction to itself: remove the %")
        first = len(line.text) - len(line.text.lstrip(" "))
        char = line.text[col - 1:col]
        if ("alias" in self.context or "anchor" in self.context) and self.opened:
            char = "*" if "alias" in self.context else "&"
            line_no, col = self.opened  # where the * stands, not where its name ended
        elif col - 1 != line.value_col and col - 1 != first:
            char = line.text[line.value_col:line.value_col + 1] \
                if line.value_col < len(line.text) else ""
            col = line.value_col + 1
        if not char or char not in "*&@`%!|>,[]{}":
            return None
        if col - 1 == first and char in ",]}":
            return (line_no, col, f"line {line_no} starts with '{char}', which does not belong "
                                  f"there: remove it")
        # *, &, @ and ` start text on purpose (Markdown, a handle): quotes keep them
        remove = f", or remove the {char}" if char not in "*&@`" else ""
        return (line_no, col, f"a value cannot start with {char}: put the value in "
                              f"quotes{remove}")

    def _stray_first_line(self) -> tuple[int, int, str] | None:
        """Text before the first key (a comment that lost its '#'): the file is then that
        text, and the keys after it cannot follow."""
        first = next((ln for ln in self.lines if not ln.blank), None)
        if first is None or first.number >= self.at[0] or first.key is not None or \
                first.dash:
            return None
        # the text ran on to the first key: "Mijn eigen kennisdag. event" read as one key
        ran_on = "mapping values" in self.problem and all(
            ln.blank or ln.key is None and not ln.dash
            for ln in self.lines[first.number:self.at[0] - 1]) and \
            self.line(self.at[0]).key is not None
        if "document" not in self.problem and not ran_on:
            return None
        return (first.number, 1, f"line {first.number} is neither a key (key: value) nor a "
                                 f"comment: put '#' before it to keep it as a comment, or "
                                 f"remove it")

    def _general(self) -> tuple[int, int, str]:
        line_no, col = self.at
        if "simple key" in self.context and self.opened:
            line = self.line(self.opened[0])
            if line.key is None and line.block is None:
                return (line.number, line.value_col + 1,
                        f"line {line.number} is neither `key: value` nor a list item "
                        f"('- '): add the missing ':' after its key, or, if it continues "
                        f"the text above it, put that text in quotes or after `|`")
        if self.opened and self.opened[0] != line_no and (
                "block" in self.context or "simple key" in self.context):
            return (line_no, col, f"line {line_no} does not fit the lines above it (from line "
                                  f"{self.opened[0]}): check its indentation, that every "
                                  f"key has ': ' after it and every list item '- ' before it")
        return (line_no, col, f"the file cannot be read from line {line_no}, column {col}: "
                              f"check the indentation of this line and the one above it, "
                              f"their quotes, and that every key has ': ' after it")


def _quoted(value: str) -> str:
    """value in double quotes as YAML reads them back, or a shorter hint for a long value."""
    if len(value) > 60:
        value = f"{value[:25]} … {value[-15:]}"  # where the quotes go, not the whole text
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
