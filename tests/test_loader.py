"""kennisdag_pdf.loader.load: YAML → KnowledgeDay, every problem located by file:line:col."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from kennisdag_pdf.errors import EXIT_BAD_INPUT, BadInput, Problem
from kennisdag_pdf.loader import MAX_YAML_BYTES, SourceMap, load

MINIMAL = """\
event:
  id: kd-test
  title: Titel
  date: 2011-04-07
  venue: Zaal
  city: Utrecht
  language: nl
  organisers:
    - name: Organisator
"""

WITH_LOGO = """\
event:
  id: kd-test
  title: Titel
  date: 2011-04-07
  venue: Zaal
  city: Utrecht
  language: nl
  organisers:
    - name: Organisator
      logo: {logo}
"""
LOGO_LINE, LOGO_COLUMN = 10, 7


def write(folder: Path, content: str | bytes, name: str = "event.yaml") -> Path:
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(BadInput) as info:
        load(path)
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert info.value.problems, "BadInput without problems"
    return info.value.problems


def only_problem(path: Path) -> Problem:
    found = problems_of(path)
    assert len(found) == 1, [p.format() for p in found]
    return found[0]


# --- a valid file --------------------------------------------------------------------------------

def test_minimal_event_loads(tmp_path):
    path = write(tmp_path, MINIMAL)
    loaded = load(path)
    event = loaded.day.event
    assert event.id == "kd-test"
    assert event.title == "Titel"
    assert event.date == dt.date(2011, 4, 7)
    assert [o.name for o in event.organisers] == ["Organisator"]
    assert loaded.day.participants == []
    assert loaded.images == {}
    assert loaded.source_bytes == MINIMAL.encode()
    assert loaded.source == path


def test_scalars_are_never_guessed(tmp_path):
    path = write(tmp_path, """\
event:
  id: kd-test
  title: 12:30
  subtitle: 1.10
  date: 2011-04-07
  venue: NO
  city: 0123
  language: nl
  organisers:
    - name: yes
untreated_theses:
  - off
  - 1e3
  - 0x1F
  - ~x
""")
    day = load(path).day
    assert day.event.title == "12:30"  # YAML 1.1 would make it 750 (sexagesimal)
    assert day.event.subtitle == "1.10"  # not the float 1.1
    assert day.event.venue == "NO"  # not False (the Norway problem)
    assert day.event.city == "0123"  # not the octal 83
    assert day.event.language == "nl"
    assert day.event.organisers[0].name == "yes"  # not True
    assert day.untreated_theses == ["off", "1e3", "0x1F", "~x"]
    assert day.event.date == dt.date(2011, 4, 7)
    assert type(day.event.date) is dt.date


def test_quoted_empty_string_is_text_but_plain_empty_is_null(tmp_path):
    path = write(tmp_path, MINIMAL + "lead:\nphotos_note: ''\n")
    problem = only_problem(path)
    # lead: (nothing) is null and allowed; '' is a string and must not be empty.
    assert problem.field == "photos_note"
    assert problem.line == 11
    assert "empty" in problem.message


# --- YAML features that are refused --------------------------------------------------------------

def test_alias_is_refused(tmp_path):
    path = write(tmp_path, MINIMAL.replace("  venue: Zaal\n  city: Utrecht\n",
                                           "  venue: &plaats Zaal\n  city: *plaats\n"))
    problem = only_problem(path)
    assert problem.field == "event.city"
    assert "aliases (*name) are not allowed" in problem.message


def test_alias_is_reported_at_the_alias_line(tmp_path):
    path = write(tmp_path, MINIMAL.replace("  venue: Zaal\n  city: Utrecht\n",
                                           "  venue: &plaats Zaal\n  city: *plaats\n"))
    problem = only_problem(path)
    assert (problem.line, problem.column) == (6, 9)  # '*plaats' on line 6, not '&plaats' on 5


def test_alias_of_a_mapping_in_a_list_is_refused(tmp_path):
    path = write(tmp_path, MINIMAL + "participants:\n  - &p\n    name: Jan\n  - *p\n")
    problem = only_problem(path)
    assert problem.field == "participants[1]"
    assert (problem.line, problem.column) == (13, 5)  # '*p', not '&p' on line 11
    assert "aliases" in problem.message


def test_undefined_alias_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, MINIMAL.replace("  city: Utrecht\n", "  city: *stad\n"))
    problem = only_problem(path)
    assert problem.line == 6
    assert "aliases (*name) are not allowed" in problem.message


def test_duplicate_key_names_both_lines(tmp_path):
    path = write(tmp_path, MINIMAL.replace("  city: Utrecht\n",
                                           "  city: Utrecht\n  city: Amsterdam\n"))
    problem = only_problem(path)
    assert problem.field == "event.city"
    assert (problem.line, problem.column) == (7, 3)
    assert "duplicate key 'city'" in problem.message
    assert "first on line 6" in problem.message


def test_duplicate_key_in_a_nested_mapping(tmp_path):
    path = write(tmp_path, MINIMAL + "participants:\n  - name: Jan\n    name: Piet\n")
    problem = only_problem(path)
    assert problem.field == "participants[0].name"
    assert problem.line == 12
    assert "first on line 11" in problem.message


@pytest.mark.parametrize("tag, shown", [
    ("!!python/object/apply:os.system ['touch {marker}']", "!!python/object/apply:os.system"),
    ("!!binary aGVsbG8=", "!!binary"),
    ("!foo bar", "!foo"),
])
def test_tags_are_refused(tmp_path, tag, shown):
    marker = tmp_path / "executed"
    path = write(tmp_path, MINIMAL + f"lead: {tag.format(marker=marker)}\n")
    problem = only_problem(path)
    assert problem.field == "lead"
    assert (problem.line, problem.column) == (10, 7)
    assert f"unsupported tag {shown}" in problem.message
    assert not marker.exists()  # composing never constructs Python objects


def test_merge_key_is_refused(tmp_path):
    path = write(tmp_path, MINIMAL + "participants:\n  - <<: {name: Jan}\n    role: x\n")
    problem = only_problem(path)
    assert problem.field == "participants[0]"
    assert problem.line == 11
    assert "merge keys (<<) are not allowed" in problem.message


def test_all_structural_problems_reported_at_once(tmp_path):
    text = (MINIMAL.replace("  city: Utrecht\n", "  city: Utrecht\n  city: Delft\n")
            + "lead: !foo bar\nparticipants:\n  - <<: {name: Jan}\n")
    found = problems_of(write(tmp_path, text))
    assert sorted(p.line for p in found) == [7, 11, 13]


def test_problems_are_reported_at_once_sorted_by_line(tmp_path, monkeypatch):
    write(tmp_path, """\
event:
  title: Titel
  language: fr
  venue: Zaal
  date: 07-04-2011
  city: Utrecht
  organisers:
    - name: Organisator
  id: Kennisdag 2011
""")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadInput) as info:
        load("event.yaml")
    # The validator finds them in field order (id, date, language); the report is by line.
    assert info.value.lines() == [
        "event.yaml:3:3: event.language: 'fr' is not one of: 'nl' or 'en'",
        "event.yaml:5:3: event.date: '07-04-2011' is not a date in the form YYYY-MM-DD",
        "event.yaml:9:3: event.id: 'Kennisdag 2011' is not a slug: use lowercase letters, "
        "digits and single hyphens, such as kennisdag-2011",
    ]
    assert str(info.value).splitlines() == info.value.lines()


# --- validation messages -------------------------------------------------------------------------

def test_unknown_top_level_key_suggests_the_right_one(tmp_path):
    problem = only_problem(write(tmp_path, MINIMAL + "participant:\n  - name: Jan\n"))
    assert problem.field == "participant"
    assert (problem.line, problem.column) == (10, 1)
    assert "unknown key 'participant'" in problem.message
    assert "did you mean 'participants'?" in problem.message


def test_unknown_nested_key_suggests_from_the_right_model(tmp_path):
    text = MINIMAL + "participants:\n  - name: Jan\n    organisatie: Gemeente\n"
    problem = only_problem(write(tmp_path, text))
    assert problem.field == "participants[0].organisatie"
    assert (problem.line, problem.column) == (12, 5)
    assert "did you mean 'organisation'?" in problem.message


def test_unknown_key_without_close_match_lists_allowed_keys(tmp_path):
    text = MINIMAL + "participants:\n  - name: Jan\n    xyzzy: 1\n"
    problem = only_problem(write(tmp_path, text))
    assert "did you mean" not in problem.message
    assert "allowed here: name, organisation, role, host, sort_as" in problem.message


def test_missing_field_is_located_at_its_parent(tmp_path):
    text = MINIMAL.replace("  city: Utrecht\n", "") + "participants:\n  - role: spreker\n"
    found = {p.field: p for p in problems_of(write(tmp_path, text))}
    assert set(found) == {"event.city", "participants[0].name"}
    assert (found["event.city"].line, found["event.city"].column) == (1, 1)  # 'event:'
    assert (found["participants[0].name"].line, found["participants[0].name"].column) == (10, 5)
    assert all(p.message == "field required" for p in found.values())


def test_missing_event_is_located_at_the_top(tmp_path):
    problem = only_problem(write(tmp_path, "lead: Hallo\n"))
    assert problem.field == "event"
    assert problem.message == "field required"
    assert (problem.line, problem.column) == (1, 1)


def test_wrong_shape_is_described(tmp_path):
    text = MINIMAL.replace("  title: Titel\n", "  title:\n    - a\n    - b\n")
    problem = only_problem(write(tmp_path, text))
    assert problem.field == "event.title"
    assert problem.line == 3
    assert problem.message == "expected text, found a list"


# --- the file itself -----------------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ("", "file is empty"),
    ("   \n\n", "file is empty"),
    ("# only\n# comments\n", "file is empty (only comments)"),
])
def test_empty_files(tmp_path, content, message):
    problem = only_problem(write(tmp_path, content))
    assert problem.message == message
    assert problem.line == 0


def test_top_level_list_is_refused(tmp_path):
    problem = only_problem(write(tmp_path, "- event\n- agenda\n"))
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message.startswith("expected a mapping with the keys event")


def test_utf8_bom_is_accepted(tmp_path):
    loaded = load(write(tmp_path, b"\xef\xbb\xbf" + MINIMAL.encode()))
    assert loaded.day.event.id == "kd-test"  # not '\ufeffevent' as the first key


@pytest.mark.parametrize("bom, codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_is_refused(tmp_path, bom, codec):
    problem = only_problem(write(tmp_path, bom + MINIMAL.encode(codec)))
    assert "UTF-16" in problem.message
    assert "UTF-8" in problem.message


def test_cp1252_bytes_are_refused_with_their_position(tmp_path):
    raw = MINIMAL.replace("Zaal", "Café").encode("cp1252")
    problem = only_problem(write(tmp_path, raw))
    # '  venue: Caf' is 12 characters: the é (0xE9) is line 5, column 13.
    assert (problem.line, problem.column) == (5, 13)
    assert "0xE9" in problem.message
    assert "UTF-8" in problem.message


def test_cp1252_position_counts_characters_not_bytes(tmp_path):
    raw = MINIMAL.replace("Zaal", "Zaal ’s X").encode("utf-8").replace(b"X", b"\x93")
    problem = only_problem(write(tmp_path, raw))
    # '  venue: Zaal ’s ' is 17 characters (the ’ is 3 bytes but one character).
    assert (problem.line, problem.column) == (5, 18)


def test_control_character_is_refused_with_its_position(tmp_path):
    problem = only_problem(write(tmp_path, MINIMAL.replace("Zaal", "Za\x07al")))
    assert (problem.line, problem.column) == (5, 12)
    assert "U+0007" in problem.message


def test_tab_and_crlf_are_not_control_character_errors(tmp_path):
    loaded = load(write(tmp_path, MINIMAL.replace("Zaal", "Za\tal").replace("\n", "\r\n")))
    assert loaded.day.event.venue == "Za\tal"


def test_file_not_found(tmp_path):
    problem = only_problem(tmp_path / "nope.yaml")
    assert problem.message == "file not found"
    assert problem.file.endswith("nope.yaml")


def test_folder_instead_of_file(tmp_path):
    problem = only_problem(tmp_path)
    assert problem.message == "is a folder, not a YAML file"


def test_file_over_the_limit_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_YAML_BYTES + 1024 * 1024)  # sparse: costs nothing
    def no_reading(self, *args, **kwargs):
        raise AssertionError(f"read {self} although it is over the limit")
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "read_text", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    problem = only_problem(path)
    assert "17.0 MB" in problem.message
    assert "limit 16 MB" in problem.message


def test_file_just_at_the_limit_is_read(tmp_path):
    content = MINIMAL + "#" * (MAX_YAML_BYTES - len(MINIMAL))
    assert len(content.encode()) == MAX_YAML_BYTES
    assert load(write(tmp_path, content)).day.event.id == "kd-test"


# --- the source map ------------------------------------------------------------------------------

def test_source_map_falls_back_to_the_nearest_ancestor():
    marks = {(): (1, 1), ("event",): (1, 1), ("event", "title"): (3, 3),
             ("participants", 0): (12, 5)}
    source_map = SourceMap("event.yaml", marks)
    assert source_map.locate(("event", "title")) == (3, 3)
    assert source_map.locate(("event", "title", "derived")) == (3, 3)
    assert source_map.locate(("participants", 0, "sort_as")) == (12, 5)
    assert source_map.locate(("participants", 7, "name")) == (1, 1)  # only the root is known
    assert SourceMap("x", {}).locate(("event",)) == (0, 0)
    problem = source_map.problem(("participants", 0, "sort_as"), "oops")
    assert problem.format() == "event.yaml:12:5: participants[0].sort_as: oops"


def test_loaded_source_map_points_at_keys_and_list_items(tmp_path):
    path = write(tmp_path, MINIMAL + "participants:\n  - name: Jan\n    role: spreker\n")
    source_map = load(path).source_map
    assert source_map.locate(("event", "venue")) == (5, 3)
    assert source_map.locate(("event", "organisers", 0, "name")) == (9, 7)
    assert source_map.locate(("participants", 0, "role")) == (12, 5)
    # sort_as is not in the file: its participant's position is the best we know.
    assert source_map.locate(("participants", 0, "sort_as")) == (11, 5)


# --- images --------------------------------------------------------------------------------------

def event_with_logo(folder: Path, logo: str) -> Path:
    (folder / "assets").mkdir(exist_ok=True)
    return write(folder, WITH_LOGO.format(logo=logo))


def logo_problem(folder: Path, logo: str) -> Problem:
    problem = only_problem(event_with_logo(folder, logo))
    assert problem.field == "event.organisers[0].logo"
    assert (problem.line, problem.column) == (LOGO_LINE, LOGO_COLUMN)
    return problem


def test_png_logo_loads_and_transparency_becomes_white(tmp_path):
    path = event_with_logo(tmp_path, "assets/logo.png")
    image = Image.new("RGBA", (3, 2), (200, 0, 0, 255))
    image.putpixel((0, 0), (0, 0, 255, 0))  # fully transparent blue
    image.save(tmp_path / "assets" / "logo.png")
    asset = load(path).images["assets/logo.png"]
    assert (asset.width, asset.height) == (3, 2)
    assert asset.image.mode == "RGB"
    assert asset.image.size == (3, 2)
    assert asset.image.getpixel((0, 0)) == (255, 255, 255)
    assert asset.image.getpixel((1, 0)) == (200, 0, 0)
    assert asset.path == (tmp_path / "assets" / "logo.png").resolve()


def test_logo_missing(tmp_path):
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert problem.message == "file not found: assets/logo.png"


def test_logo_case_mismatch_suggests_the_real_name(tmp_path):
    (tmp_path / "assets").mkdir()
    Image.new("RGB", (2, 2)).save(tmp_path / "assets" / "Logo.PNG", format="PNG")
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert "file not found: assets/logo.png" in problem.message
    assert "did you mean assets/Logo.PNG?" in problem.message


def test_logo_leaving_the_folder_is_refused(tmp_path):
    inner = tmp_path / "event"
    inner.mkdir()
    Image.new("RGB", (2, 2)).save(tmp_path / "outside.png")
    problem = logo_problem(inner, "../outside.png")
    assert "leaves the folder" in problem.message


def test_logo_symlink_pointing_outside_is_refused(tmp_path):
    inner = tmp_path / "event"
    (inner / "assets").mkdir(parents=True)
    Image.new("RGB", (2, 2)).save(tmp_path / "outside.png")
    (inner / "assets" / "logo.png").symlink_to(tmp_path / "outside.png")
    problem = logo_problem(inner, "assets/logo.png")
    assert "leaves the folder" in problem.message


def test_logo_symlink_inside_the_folder_is_fine(tmp_path):
    (tmp_path / "assets").mkdir()
    Image.new("RGB", (2, 2)).save(tmp_path / "assets" / "real.png")
    (tmp_path / "assets" / "logo.png").symlink_to(tmp_path / "assets" / "real.png")
    loaded = load(event_with_logo(tmp_path, "assets/logo.png"))
    # Known by the file it is: the archive copies real.png, and a second name for it is the
    # same image.
    assert loaded.images["assets/real.png"].width == 2
    assert loaded.day.event.organisers[0].logo == "assets/real.png"


@pytest.mark.parametrize("logo", ["/etc/passwd", "C:/logo.png", "'\\\\server\\logo.png'"])
def test_logo_absolute_path_is_refused(tmp_path, logo):
    problem = logo_problem(tmp_path, logo)
    assert "is an absolute path" in problem.message


def test_text_file_named_png_is_refused(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_text("this is not a picture\n")
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert problem.message == "'assets/logo.png' is not a readable PNG or JPEG image"


def test_truncated_png_is_refused(tmp_path):
    (tmp_path / "assets").mkdir()
    logo = tmp_path / "assets" / "logo.png"
    Image.new("RGB", (64, 64), (10, 20, 30)).save(logo)
    logo.write_bytes(logo.read_bytes()[:-40])  # cut into the image data
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert "truncated" in problem.message


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_png_with_too_many_pixels_is_refused(tmp_path):
    width = height = 10_000
    # A 1-bit greyscale image of zeros: 100 megapixels compress to about 12 kB.
    rows = (b"\x00" * (1 + width // 8)) * height
    png = (b"\x89PNG\r\n\x1a\n"
           + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
           + _png_chunk(b"IDAT", zlib.compress(rows, 9))
           + _png_chunk(b"IEND", b""))
    assert len(png) < 50_000
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(png)
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert "too many pixels" in problem.message
    assert "40 megapixels" in problem.message


def test_every_logo_problem_is_reported(tmp_path):
    text = WITH_LOGO.format(logo="assets/a.png") + "    - name: Tweede\n      logo: b.png\n"
    (tmp_path / "assets").mkdir()
    found = problems_of(write(tmp_path, text))
    assert [(p.field, p.line) for p in sorted(found)] == [
        ("event.organisers[0].logo", 10), ("event.organisers[1].logo", 12)]



def test_an_unused_anchor_is_refused_too(tmp_path):
    path = tmp_path / "event.yaml"
    path.write_text("event: &e\n  id: x\n", encoding="utf-8")
    with pytest.raises(BadInput) as info:
        load(path)
    assert any(line.endswith(":1:8: anchors (&e) are not allowed") for line in info.value.lines())


ANCHORED = ["a: &x 1", "- &x 1", "a: [&x 1, 2]", "a: [1,&x 2]", "{a: &x 1}", "&x a: 1",
            "a: !!str &x b", "a:\n  &x\n  b: 1", '{"a":&x 1}', "? &x a\n: 1"]


@pytest.mark.parametrize("text", ANCHORED)
def test_every_place_an_anchor_can_stand_is_refused(text):
    from kennisdag_pdf.eventyaml import compose as _compose

    problems: list = []
    _compose(text, "t.yaml", {}, problems)
    assert [p.message for p in problems] == ["anchors (&x) are not allowed"]


@pytest.mark.parametrize("text", ["a: R&D", "a: marketing & communicatie", "a: Q&A", "a: '&'",
                                  "a: AT&T, KPN"])
def test_an_ampersand_in_text_is_no_anchor(text):
    from kennisdag_pdf.eventyaml import compose as _compose

    problems: list = []
    assert _compose(text, "t.yaml", {}, problems) == {"a": text.split(": ", 1)[1].strip("'")}
    assert problems == []


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, MINIMAL)

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(BadInput) as info:
        load(path)
    assert info.value.lines()[0].endswith("event.yaml: cannot read the file: permission denied")


def test_validate_decodes_photographs_small_but_reports_their_full_size(tmp_path):
    """`validate` checks images as thoroughly (a truncated JPEG still fails) without the
    full decode a build needs."""
    import shutil

    from conftest import DATA
    from kennisdag_pdf.errors import BadInput

    folder = tmp_path / "event"
    shutil.copytree(DATA, folder)
    full = load(folder / "kennisdag-2011.yaml")
    quick = load(folder / "kennisdag-2011.yaml", full_images=False)
    cover = "assets/kennisdag-2011-cover.jpg"
    assert (quick.images[cover].width, quick.images[cover].height) == \
        (full.images[cover].width, full.images[cover].height) == (2600, 1604)
    assert quick.images[cover].image.width <= 2600 // 8 + 1
    photo = folder / cover
    photo.write_bytes(photo.read_bytes()[: photo.stat().st_size // 2])
    with pytest.raises(BadInput, match="truncated"):
        load(folder / "kennisdag-2011.yaml", full_images=False)


# --- encodings and files chosen by mistake -------------------------------------------------------

@pytest.mark.parametrize("codec, bom, shown", [
    ("utf-16-le", b"", "UTF-16"), ("utf-16-be", b"", "UTF-16"),
    ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32"), ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32"),
    ("utf-32-le", b"", "UTF-32"), ("utf-32-be", b"", "UTF-32"),
])
def test_wide_encodings_are_named_with_or_without_a_byte_order_mark(tmp_path, codec, bom, shown):
    problem = only_problem(write(tmp_path, bom + MINIMAL.encode(codec)))
    assert problem.message == f"file is saved as {shown}; save it as UTF-8"
    assert problem.line == 0


def test_a_nul_byte_later_in_a_utf8_file_is_not_taken_for_utf16(tmp_path):
    problem = only_problem(write(tmp_path, MINIMAL.replace("Zaal", "Za\x00al")))
    assert "control character U+0000" in problem.message


@pytest.mark.parametrize("head, kind", [
    (b"%PDF-1.7\n%\xbf\xf7\xa2\xfe\n", "a PDF"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a PNG image"),
    (b"\xff\xd8\xff\xe0\0\x10JFIF", "a JPEG image"),
    (b"PK\x03\x04\x14\0", "a ZIP archive or an Office document"),
])
def test_a_binary_file_chosen_as_the_event_file_is_named(tmp_path, head, kind):
    problem = only_problem(write(tmp_path, head + bytes(range(256)), "brochure.bin"))
    assert problem.message == f"is {kind}, not a YAML event file"
    assert problem.line == 0


# --- one problem, one line -----------------------------------------------------------------------

def test_a_value_with_line_breaks_is_quoted_on_one_line(tmp_path):
    text = MINIMAL.replace("  date: 2011-04-07\n", "  date: |\n    2011-04-07\n    2011-04-08\n")
    problem = only_problem(write(tmp_path, text))
    assert problem.message == "'2011-04-07\\n2011-04-08\\n' is not a date in the form YYYY-MM-DD"


def test_a_custom_message_quoting_a_value_stays_on_one_line(tmp_path):
    problem = only_problem(write(tmp_path, MINIMAL.replace("id: kd-test", 'id: "kd\\ttest\\n"')))
    assert problem.field == "event.id"
    assert problem.message.startswith("'kd\\ttest\\n' is not a slug")


# --- booleans and empty text ---------------------------------------------------------------------

@pytest.mark.parametrize("value", ["yes", "on", "1", "NO", "y", "off", "0", "ja", "'true '"])
def test_only_true_or_false_is_a_boolean(tmp_path, value):
    text = MINIMAL + f"participants:\n  - name: Jan\n    host: {value}\n"
    problem = only_problem(write(tmp_path, text))
    assert problem.field == "participants[0].host"
    assert (problem.line, problem.column) == (12, 5)
    shown = value.strip("'")
    assert problem.message == f"'{shown}' is not true or false"


@pytest.mark.parametrize("value, expected", [("true", True), ("false", False), ("True", True),
                                             ("FALSE", False), ('"false"', False)])
def test_true_and_false_in_any_case_are_booleans(tmp_path, value, expected):
    text = MINIMAL + f"participants:\n  - name: Jan\n    listed: {value}\n    host: {value}\n"
    person = load(write(tmp_path, text)).day.participants[0]
    assert (person.host, person.listed) == (expected, expected)


def test_a_title_of_soft_hyphens_only_is_empty(tmp_path):
    problem = only_problem(write(tmp_path, MINIMAL.replace("title: Titel",
                                                           'title: "\\u00AD\\u00AD \\u00AD"')))
    assert (problem.field, problem.message) == ("event.title", "must not be empty")


# --- image files ---------------------------------------------------------------------------------

def test_a_16_bit_grey_png_keeps_its_grey(tmp_path):
    (tmp_path / "assets").mkdir()
    Image.new("I;16", (4, 2), 30_000).save(tmp_path / "assets" / "logo.png")  # 46 % grey
    image = load(event_with_logo(tmp_path, "assets/logo.png")).images["assets/logo.png"].image
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (117, 117, 117)  # 30000 / 65535 × 255 = 116.7, not white


def test_a_16_bit_grey_png_with_a_transparent_grey(tmp_path):
    (tmp_path / "assets").mkdir()
    source = Image.new("I;16", (3, 1), 0)  # black …
    source.putpixel((0, 0), 40_000)  # … and one pixel of the transparent grey
    source.putpixel((1, 0), 40_100)  # the same grey at 8 bits, but not transparent
    source.save(tmp_path / "assets" / "logo.png", transparency=40_000)
    image = load(event_with_logo(tmp_path, "assets/logo.png")).images["assets/logo.png"].image
    assert [image.getpixel((x, 0)) for x in range(3)] == [
        (255, 255, 255), (156, 156, 156), (0, 0, 0)]


def _jpeg_with_exif(path: Path, exif: bytes) -> None:
    Image.new("RGB", (40, 20), (200, 30, 30)).save(path, "JPEG", exif=exif)


def _corrupt_exif(orientation: int) -> bytes:
    """An IFD that announces three entries but holds one (the orientation): Pillow reads it
    and warns "Corrupt EXIF data" when the other two are missing."""
    entry = struct.pack("<HHL", 0x0112, 3, 1) + struct.pack("<H", orientation) + b"\0\0"
    return b"Exif\0\0" + b"II*\0" + struct.pack("<L", 8) + struct.pack("<H", 3) + entry


def _exif_with_a_broken_tag(orientation: int) -> bytes:
    """IFD0 with a camera make whose text lies past the end of the block, and an intact
    orientation: Pillow skips the make and warns "Tag data larger than file"."""
    entries = [(0x010F, 2, 100, 0xFFFF), (0x0112, 3, 1, orientation)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    return b"Exif\0\0" + b"II*\0" + struct.pack("<L", 8) + ifd + struct.pack("<L", 0)


@pytest.mark.parametrize("exif", [_corrupt_exif(6), _exif_with_a_broken_tag(6)],
                         ids=["truncated-ifd", "tag-past-the-end"])
def test_an_intact_orientation_is_applied_when_other_tags_are_broken(tmp_path, exif):
    import warnings

    (tmp_path / "assets").mkdir()
    _jpeg_with_exif(tmp_path / "assets" / "logo.jpg", exif)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asset = load(event_with_logo(tmp_path, "assets/logo.jpg")).images["assets/logo.jpg"]
    assert [str(w.message) for w in caught] == []
    # Turned a quarter, as the archive's published copy (which keeps only the tag) is.
    assert (asset.width, asset.height) == asset.image.size == (20, 40)


def test_an_exif_block_that_is_not_tiff_is_ignored_without_a_warning(tmp_path):
    import warnings

    (tmp_path / "assets").mkdir()
    _jpeg_with_exif(tmp_path / "assets" / "logo.jpg", b"Exif\0\0not a TIFF header at all")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asset = load(event_with_logo(tmp_path, "assets/logo.jpg")).images["assets/logo.jpg"]
    assert [str(w.message) for w in caught] == []
    assert (asset.width, asset.height) == asset.image.size == (40, 20)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_turns_the_picture_as_pillow_does(tmp_path, orientation):
    from PIL import ImageOps

    (tmp_path / "assets").mkdir()
    source = Image.new("RGB", (4, 2), (255, 255, 255))
    source.putpixel((0, 0), (255, 0, 0))  # a red corner shows every turn and mirror
    exif = Image.Exif()
    exif[0x0112] = orientation
    source.save(tmp_path / "assets" / "logo.png", exif=exif)
    asset = load(event_with_logo(tmp_path, "assets/logo.png")).images["assets/logo.png"]
    with Image.open(tmp_path / "assets" / "logo.png") as im:
        expected = ImageOps.exif_transpose(im).convert("RGB")
    assert (asset.width, asset.height) == asset.image.size == expected.size
    assert asset.image.tobytes() == expected.tobytes()


def test_a_text_file_starting_with_bm_is_not_called_a_bmp(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_text("BMW logo, to be sent by mail\n")
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert problem.message == "'assets/logo.png' is not a readable PNG or JPEG image"


def test_a_web_address_as_logo_is_never_fetched(tmp_path):
    problem = logo_problem(tmp_path, "https://example.org/logo.png")
    assert problem.message.startswith("'https://example.org/logo.png' is a web address; "
                                      "images are never downloaded")


# --- links and names -----------------------------------------------------------------------------

def test_logo_symlink_loop(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").symlink_to("logo.png")
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert problem.message == "cannot open assets/logo.png: too many levels of symbolic links"


def test_logo_dangling_symlink_names_its_target(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").symlink_to("missing.png")
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert problem.message == "'assets/logo.png' is a link to 'missing.png', which does not exist"


def test_a_dangling_folder_link_on_the_way_is_named(tmp_path):
    (tmp_path / "assets").symlink_to("logos")
    problem = only_problem(write(tmp_path, WITH_LOGO.format(logo="assets/logo.png")))
    assert problem.message == "'assets' is a link to 'logos', which does not exist"


@pytest.mark.parametrize("typed, stored", [("café", "cafe\u0301"), ("cafe\u0301", "café")],
                         ids=["nfc-typed-nfd-stored", "nfd-typed-nfc-stored"])
def test_a_name_in_another_unicode_form_is_the_same_name(tmp_path, typed, stored):
    (tmp_path / "assets" / stored).mkdir(parents=True)
    Image.new("RGB", (3, 2)).save(tmp_path / "assets" / stored / f"{stored}.png")
    rel = f"assets/{typed}/{typed}.png"
    loaded = load(event_with_logo(tmp_path, rel))
    # Known by the name on disk from then on: the archive writes that file back.
    asset = loaded.images[f"assets/{stored}/{stored}.png"]
    assert loaded.day.event.organisers[0].logo == asset.rel
    assert asset.path.name == f"{stored}.png"
    assert asset.width == 3


# --- issue 14: one spelling per image file ---------------------------------------------------

SPELLINGS = ["assets/logo.png", "./assets/logo.png", "assets//logo.png", "assets/./logo.png",
             "assets/../assets/logo.png", "assets/logo.png/", "./assets/.//logo.png",
             "assets/sub/../logo.png"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_an_image_path_becomes_its_one_canonical_name(tmp_path, spelling):
    (tmp_path / "assets" / "sub").mkdir(parents=True)
    Image.new("RGB", (3, 2)).save(tmp_path / "assets" / "logo.png")
    loaded = load(event_with_logo(tmp_path, spelling))
    assert list(loaded.images) == ["assets/logo.png"]
    assert loaded.day.event.organisers[0].logo == "assets/logo.png"  # what later steps see


def test_many_spellings_of_one_image_are_decoded_once(tmp_path, monkeypatch):
    from kennisdag_pdf import assets

    (tmp_path / "assets" / "sub").mkdir(parents=True)
    Image.new("RGB", (3, 2)).save(tmp_path / "assets" / "logo.png")
    decoded = []
    real = assets._load_image
    monkeypatch.setattr(assets, "_load_image",
                        lambda path, rel, full=True: decoded.append(rel) or real(path, rel, full))
    photos = "".join(f"  - image: {spelling}\n" for spelling in SPELLINGS * 4)
    loaded = load(write(tmp_path, MINIMAL + "photos:\n" + photos))
    assert len(decoded) == 1
    [asset] = loaded.images.values()
    assert len(asset.fields) == len(SPELLINGS) * 4
    assert {photo.image for photo in loaded.day.photos} == {"assets/logo.png"}


def test_a_broken_image_named_twice_is_read_once_and_reported_at_both(tmp_path, monkeypatch):
    from kennisdag_pdf import assets

    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    decoded = []
    real = assets._load_image
    monkeypatch.setattr(assets, "_load_image",
                        lambda path, rel, full=True: decoded.append(rel) or real(path, rel, full))
    photos = "photos:\n  - image: assets/logo.png\n  - image: ./assets/logo.png\n"
    found = problems_of(write(tmp_path, MINIMAL + photos))
    assert len(decoded) == 1
    assert [p.field for p in found] == ["photos[0].image", "photos[1].image"]


@pytest.mark.parametrize("spelling", ["assets\\logo.png", ".\\assets\\logo.png",
                                      "assets/sub\\logo.png"])
def test_a_backslash_in_an_image_path_is_refused_with_a_hint_to_write_a_slash(tmp_path,
                                                                              spelling):
    (tmp_path / "assets").mkdir()
    Image.new("RGB", (3, 2)).save(tmp_path / "assets" / "logo.png")
    # Quoted: a plain YAML scalar keeps the backslash as it is, and so does a single-quoted one.
    problem = logo_problem(tmp_path, f"'{spelling}'")
    assert problem.message == (f"'{spelling}' holds a backslash (\\); separate folders with /, "
                               f"as in '{spelling.replace(chr(92), '/')}'")


def test_a_link_to_a_file_with_a_backslash_in_its_name_is_refused(tmp_path):
    (tmp_path / "assets").mkdir()
    Image.new("RGB", (3, 2)).save(tmp_path / "assets" / "odd\\name.png")
    (tmp_path / "assets" / "logo.png").symlink_to("odd\\name.png")
    problem = logo_problem(tmp_path, "assets/logo.png")
    assert "rename that file" in problem.message


# --- issue 14: line numbers as editors count them ------------------------------------------

@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_a_control_character_is_located_whatever_the_line_ends(tmp_path, newline):
    text = MINIMAL.replace("  title: Titel", '  title: "Ti\x01tel"').replace("\n", newline)
    problem = only_problem(write(tmp_path, text.encode()))
    assert (problem.line, problem.column, problem.field) == (3, 13, "event.title")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_yaml_and_model_errors_agree_on_the_line_whatever_the_line_ends(tmp_path, newline):
    text = MINIMAL.replace("  venue: Zaal", "  venue: Zaal\n  zaal: x").replace("\n", newline)
    problem = only_problem(write(tmp_path, text.encode()))
    assert (problem.line, problem.column) == (6, 3)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_a_raw_line_or_paragraph_separator_is_named_where_it_stands(tmp_path, separator):
    text = MINIMAL.replace("  title: Titel", f"  title: Ti{separator}tel")
    problem = only_problem(write(tmp_path, text))
    assert (problem.line, problem.column, problem.field) == (3, 12, "event.title")
    assert f"U+{ord(separator):04X}" in problem.message and "remove it" in problem.message


def test_line_col_counts_every_kind_of_line_end():
    from kennisdag_pdf.reading import line_col as _line_col

    assert _line_col("ab\ncd\r\nef\rgh", 11) == (4, 2)
    assert _line_col("a\r\nb", 3) == (2, 1)
    assert _line_col("x", 0) == (1, 1)


# --- issue 14: reading is bounded by the format's limits -----------------------------------

@pytest.mark.parametrize("flow", [False, True], ids=["block", "one-line"])
def test_a_list_beyond_its_limit_stops_the_reading_at_the_first_item_too_many(tmp_path, flow):
    from kennisdag_pdf.model import MAX_ITEMS

    limit = MAX_ITEMS["untreated_theses"]
    items = ("untreated_theses: [" + ", ".join(["a"] * (limit + 500)) + "]\n" if flow else
             "untreated_theses:\n" + "- a\n" * (limit + 500))
    problem = only_problem(write(tmp_path, MINIMAL + items))
    assert problem.field == "untreated_theses"
    assert problem.message == (f"has more than {limit:,} items; at most {limit:,} are allowed "
                               f"here")
    # At the first item too many: MINIMAL has nine lines.
    first_too_many = (10, len("untreated_theses: [") + 3 * limit + 1) if flow else \
        (10 + limit + 1, 3)
    assert (problem.line, problem.column) == first_too_many


def test_a_list_at_its_limit_loads(tmp_path):
    from kennisdag_pdf.model import MAX_ITEMS

    limit = MAX_ITEMS["untreated_theses"]
    loaded = load(write(tmp_path, MINIMAL + "untreated_theses:\n" + "- a\n" * limit))
    assert len(loaded.day.untreated_theses) == limit


def test_a_nested_list_has_its_own_limit(tmp_path):
    from kennisdag_pdf.model import MAX_ITEMS

    limit = MAX_ITEMS["agenda_items"]
    agenda = "agenda:\n  - title: Ronde\n    items:\n" + "      - a\n" * (limit + 1)
    problem = only_problem(write(tmp_path, MINIMAL + agenda))
    assert problem.field == "agenda[0].items"
    assert f"at most {limit:,}" in problem.message


def test_too_many_values_stop_the_reading(tmp_path, monkeypatch):
    from kennisdag_pdf import eventyaml

    monkeypatch.setattr(eventyaml, "MAX_VALUES", 40)
    problem = only_problem(write(tmp_path, MINIMAL + "participants:\n" +
                                 "  - name: Jan\n" * 30))
    assert "the file holds more than 40 values" in problem.message
    assert problem.line > 9


def test_too_many_keys_in_one_mapping_stop_the_reading(tmp_path):
    from kennisdag_pdf.eventyaml import MAX_KEYS

    keys = "".join(f"  key{n}: x\n" for n in range(MAX_KEYS + 50))
    problem = only_problem(write(tmp_path, MINIMAL + "conclusions:\n" + keys))
    assert problem.field == "conclusions"
    assert f"more than {MAX_KEYS} keys in one mapping" in problem.message


def test_reading_keeps_no_more_than_the_limits_allow(tmp_path):
    """Memory by counting: a file of a million one-letter items keeps at most one list's
    limit of them (the nodes PyYAML would have composed took 4.45 GB for 15 MB)."""
    from kennisdag_pdf.eventyaml import _Composer
    from kennisdag_pdf.model import MAX_ITEMS

    kept: list = []
    composer = _Composer("t.yaml", {}, [])
    real_attach = composer._attach
    composer._attach = lambda parent, value: kept.append(value) or real_attach(parent, value)
    with pytest.raises(BadInput):
        composer.compose("untreated_theses: [" + "a, " * 1_000_000 + "]\n")
    assert len(kept) == MAX_ITEMS["untreated_theses"]
    # and the mapping, its key, the list and the first item too many: then it stops
    assert composer.values == MAX_ITEMS["untreated_theses"] + 4


def test_the_composer_recurses_nowhere(tmp_path):
    """Nesting as deep as the parser allows is read without recursion (no RecursionError,
    one located message)."""
    problem = only_problem(write(tmp_path, MINIMAL + "lead:" + " [" * 900 + "]" * 900 + "\n"))
    assert problem.message == "nested far too deep for an event file"


def test_a_huge_unknown_key_is_shortened_and_not_matched_against_field_names(tmp_path,
                                                                             monkeypatch):
    import difflib

    asked = []
    real = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches",
                        lambda word, *a, **k: asked.append(word) or real(word, *a, **k))
    problem = only_problem(write(tmp_path, MINIMAL + "? k" + "ab" * 50_000 + "\n: x\n"))
    assert problem.message.startswith("unknown key 'kabab")
    assert len(problem.format()) < 400  # the field named and the message both shortened
    assert asked == []
