"""Property-based tests of the whole text pipeline: YAML text in, PDF text out."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata

import pikepdf
import yaml
from conftest import loose_pattern, page_texts, squash
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kennisdag_pdf import fonts, text
from kennisdag_pdf.accessibility import check_tags, validate_ua
from kennisdag_pdf.errors import BadInput
from kennisdag_pdf.loader import load
from kennisdag_pdf.model import _bad_character, email_address
from kennisdag_pdf.render import render

LOCATED = re.compile(r"^event\.yaml:\d+:\d+: [\w.\[\]]+: \S.*$")

# (path, kind): every text field of the format, plain or body.
TEXT_FIELDS = [
    (("event", "title"), "plain"), (("event", "subtitle"), "plain"),
    (("event", "venue"), "plain"), (("event", "city"), "plain"),
    (("event", "organisers", 0, "name"), "plain"),
    (("lead",), "body"), (("opening",), "body"), (("participants_intro",), "body"),
    (("agenda", 0, "title"), "plain"), (("agenda", 0, "items", 0), "plain"),
    (("participants", 0, "name"), "plain"), (("participants", 0, "organisation"), "plain"),
    (("participants", 0, "role"), "plain"),
    (("chapters", 0, "title"), "plain"), (("chapters", 0, "body"), "body"),
    (("theses", 0, "statement"), "plain"), (("theses", 0, "body"), "body"),
    (("untreated_theses", 0), "plain"),
    (("conclusions", "intro"), "body"), (("conclusions", "points", 0), "body"),
    (("closing",), "body"), (("photos_note",), "plain"),
]


def minimal_event() -> dict:
    return {
        "event": {"id": "prop", "title": "T", "subtitle": "S", "date": "2020-01-02",
                  "venue": "V", "city": "C", "language": "nl",
                  "organisers": [{"name": "O"}]},
        "lead": "L", "agenda": [{"title": "A", "items": ["a"]}], "opening": "O",
        "participants_intro": "P", "participants": [{"name": "Jan Jansen",
                                                     "organisation": "Org", "role": "R"}],
        "chapters": [{"title": "Ch", "body": "B"}],
        "theses": [{"statement": "St", "body": "B"}], "untreated_theses": ["U"],
        "conclusions": {"intro": "I", "points": ["P"]}, "closing": "C", "photos_note": "F",
    }


def put(data: dict, path: tuple, value: str) -> None:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def comparable(value: str) -> str:
    """PDF text extractors unfold compatibility characters (the ligature ﬀ comes back as ff)."""
    return squash(unicodedata.normalize("NFKC", value))


def printed_in(value: str, pdf_text: str) -> bool:
    return loose_pattern(comparable(value)).search(pdf_text) is not None


def printed_with(tmp_path, monkeypatch, field: tuple, value: str) -> str:
    """The comparable text of a brochure whose field holds value, after cover and contents."""
    monkeypatch.chdir(tmp_path)
    data = minimal_event()
    put(data, field, value)
    result = render(load(write(tmp_path, data).name))
    assert_tagged(result.untagged_text, result.pdf)
    return comparable("\n".join(page_texts(result.pdf)[2:]))


def assert_tagged(untagged_text: tuple, pdf: bytes) -> None:
    """Whatever the text, every piece of it is in the structure tree (issue 16's strict mode)
    and both judges of PDF/UA-1 approve: our checker and page-validation."""
    assert untagged_text == ()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert check_tags(document) == []
    assert validate_ua(pdf) == []


def write(tmp_path, data: dict):
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, width=10_000), encoding="utf-8")
    return path


COVERED = sorted(chr(c) for c in fonts.coverage()
                 if chr(c).isprintable() and not chr(c).isspace() and c not in (0xAD,)
                 and _bad_character(chr(c), allow_newlines=False) is None)
# Text the fonts can draw once normalised (combining marks may compose into a character the
# fonts lack: that is the located error of the first property, not a round trip), and that
# holds no e-mail address ('0@0.0' is refused, located, by design).
covered_text = st.text(alphabet=st.sampled_from(COVERED) | st.just(" "), min_size=1,
                       max_size=60).filter(
    lambda t: t.strip() and fonts.missing_glyph(unicodedata.normalize("NFC", t)) is None
    and email_address(unicodedata.normalize("NFC", t)) is None)

# KENNISDAG_EXAMPLES raises the budget for a longer hunt: KENNISDAG_EXAMPLES=500 make test
FAST = settings(max_examples=int(os.environ.get("KENNISDAG_EXAMPLES", "30")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FAST
@given(field=st.sampled_from(TEXT_FIELDS), value=st.text(max_size=80))
def test_any_text_in_any_field_builds_or_fails_located(tmp_path, monkeypatch, field, value):
    monkeypatch.chdir(tmp_path)
    data = minimal_event()
    put(data, field[0], value)
    try:
        source = write(tmp_path, data)
    except (yaml.YAMLError, UnicodeEncodeError):
        assume(False)  # not representable as a UTF-8 YAML file at all
    try:
        result = render(load(source.name))
    except BadInput as exc:
        for line in exc.lines():
            assert LOCATED.match(line), line
    else:
        assert result.pdf.startswith(b"%PDF-") and result.pages >= 5
        assert_tagged(result.untagged_text, result.pdf)


@FAST
@given(field=st.sampled_from([f for f, kind in TEXT_FIELDS if kind == "plain"
                              and f[0] not in ("event",)]),
       value=covered_text)
def test_plain_text_comes_back_unchanged(tmp_path, monkeypatch, field, value):
    assert printed_in(value, printed_with(tmp_path, monkeypatch, field, value))


@FAST
@given(field=st.sampled_from([f for f, kind in TEXT_FIELDS if kind == "body"]),
       value=covered_text)
def test_body_text_comes_back_as_the_markdown_plain_text(tmp_path, monkeypatch, field, value):
    printed = printed_with(tmp_path, monkeypatch, field, value)
    for paragraph in text.body_plain(value.strip()):
        assert printed_in(paragraph, printed)


# --- the loader on anything a file can hold -----------------------------------------------------

@FAST
@given(raw=st.binary(max_size=400))
def test_random_bytes_give_only_the_bad_input_error(tmp_path, raw):
    path = tmp_path / "event.yaml"
    path.write_bytes(raw)
    try:
        load(path)
    except BadInput as exc:
        assert exc.exit_code == 2 and exc.lines()
    # (loading successfully is fine too: it cannot happen for bytes this short, but it isn't wrong)


yaml_trees = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(min_size=1, max_size=12), children, max_size=4),
    max_leaves=20)


@FAST
@given(tree=st.dictionaries(st.sampled_from(["event", "agenda", "participants", "theses",
                                             "conclusions", "lead", "x"]), yaml_trees,
                            min_size=1, max_size=4))
def test_any_yaml_tree_loads_or_fails_located(tmp_path, monkeypatch, tree):
    monkeypatch.chdir(tmp_path)
    try:
        text = yaml.safe_dump(tree, allow_unicode=True)
    except yaml.YAMLError:
        assume(False)
    (tmp_path / "event.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load("event.yaml")
    except BadInput as exc:
        for line in exc.lines():
            assert re.match(r"^event\.yaml(:\d+:\d+)?: \S", line) or line.startswith("…"), line


@FAST
@given(tree=st.recursive(st.text(max_size=10), lambda c: st.lists(c, max_size=3)
                         | st.dictionaries(st.text(min_size=1, max_size=8), c, max_size=3),
                         max_leaves=15))
def test_every_scalar_stays_text(tmp_path, tree):
    """What the loader builds from a dumped tree of strings is that tree: nothing is guessed."""
    from kennisdag_pdf.eventyaml import compose as _compose

    text = yaml.safe_dump({"root": tree}, allow_unicode=True)
    assume(all(unicodedata.category(c) not in ("Cc", "Cs") or c in "\n\t" for c in text))
    problems: list = []
    built = _compose(text, "t.yaml", {}, problems)
    assert problems == []
    assert built == {"root": tree}  # '', 'null', 'yes', '1.10', '12:30' all come back as text


# --- whole event files drawn from the format's own JSON Schema -----------------------------

def _from_schema(node: dict, defs: dict, name: str = "") -> st.SearchStrategy:
    """A strategy for values of one JSON Schema node, as `kennisdag-pdf schema` prints it.

    (hypothesis-jsonschema would do this, but it does not run with this Hypothesis release.)
    Strings are short and mostly ordinary so that events build fast; names that need a form
    of their own (id, date, URLs, image paths) get one.
    """
    if "$ref" in node:
        return _from_schema(defs[node["$ref"].rsplit("/", 1)[1]], defs, name)
    if "anyOf" in node:
        return st.one_of([_from_schema(option, defs, name) for option in node["anyOf"]])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(_from_schema(node["items"], defs, name),
                        min_size=node.get("minItems", 0), max_size=3)
    if kind == "object":
        required = set(node.get("required", ()))
        fields = {key: _from_schema(value, defs, key)
                  for key, value in node["properties"].items()}
        return st.fixed_dictionaries(
            {key: fields[key] for key in fields if key in required},
            optional={key: fields[key] for key in fields if key not in required})
    if name == "id":
        return st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
    if node.get("format") == "date":
        return st.dates(min_value=dt.date(1990, 1, 1)).map(dt.date.isoformat)
    if name.endswith("url"):
        return st.from_regex(r"https://example\.org/[a-z0-9/]{0,30}", fullmatch=True)
    if name in ("logo", "cover_image", "image"):
        return st.just("assets/beeld.png")
    ordinary = st.sampled_from("abcdefghij klmnop ABC éëï ‘’“” – … *_[]()<>&")
    anything = st.characters(codec="utf-8", exclude_categories=("Cs",))
    return st.text(st.one_of(ordinary, ordinary, ordinary, anything), min_size=1, max_size=40)


def _mutated(event: dict, data) -> dict:
    """One kind of mistake an editor makes, or none."""
    kind = data.draw(st.sampled_from(["none", "none", "drop", "wrong-type", "unknown-key",
                                      "bad-date"]))
    if kind == "drop":
        section = data.draw(st.sampled_from(sorted(event)))
        if isinstance(event[section], dict) and event[section]:
            del event[section][data.draw(st.sampled_from(sorted(event[section])))]
        else:
            del event[section]
    elif kind == "wrong-type":
        event["event"]["title"] = data.draw(st.sampled_from([12, ["a", "b"], {"x": 1}, None]))
    elif kind == "unknown-key":
        event["event"]["titel"] = "Kennisdag"
    elif kind == "bad-date":
        event["event"]["date"] = data.draw(st.sampled_from(["2011-02-30", "07-04-2011",
                                                            "morgen"]))
    return event


SCHEMA_EVENTS = settings(max_examples=int(os.environ.get("KENNISDAG_EXAMPLES", "25")),
                         deadline=None, suppress_health_check=list(HealthCheck))


@SCHEMA_EVENTS
@given(data=st.data())
def test_events_from_the_schema_build_a_checked_pdf_or_fail_located(tmp_path_factory, data):
    from PIL import Image

    from kennisdag_pdf.finish import finish
    from kennisdag_pdf.schema import json_schema

    schema = json_schema()
    event = _mutated(data.draw(_from_schema(schema, schema["$defs"])), data)
    folder = tmp_path_factory.mktemp("schema")
    (folder / "assets").mkdir()
    Image.new("RGB", (300, 200), (40, 90, 140)).save(folder / "assets" / "beeld.png")
    try:
        source = write(folder, event)
    except (yaml.YAMLError, UnicodeEncodeError):
        assume(False)
    try:
        loaded = load(source)
        rendered = render(loaded)
        finished = finish(rendered, loaded, name="event.pdf")
    except BadInput as exc:
        for line in exc.lines():
            assert re.match(r"^.*event\.yaml(:\d+(:\d+)?)?: \S", line), line
    else:  # finish() raises unless the screen profile's own preflight passed
        assert finished.pdf.startswith(b"%PDF-")
        assert finished.report.passed
        assert_tagged(rendered.untagged_text, finished.pdf)
