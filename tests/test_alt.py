"""Descriptions of images (`logo_alt`, `cover_image_alt`, a photo's `alt`): what the format
accepts, the alternative text each image gets with its honest fallbacks, and the warnings at
the images that readers who cannot see them would learn nothing about."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA
from PIL import Image
from test_model import only_error, with_

from kennisdag_pdf.build import Report, make, validate
from kennisdag_pdf.errors import BadInput, Problem
from kennisdag_pdf.model import (ALT_MAX, PLAIN_MAX, KnowledgeDay, alt_texts, cover_alt_text,
                                 logo_alt_text, photo_alt_text)
from kennisdag_pdf.schema import json_schema

ORGANISER = ("event", "organisers", 0)
WHERE = {  # each description beside the image it describes: its field, its image's field
    "logo_alt": (ORGANISER + ("logo_alt",), ORGANISER + ("logo",), {"event": {"organisers": [
        {"name": "Mediaan", "logo": "assets/logo.png"}]}}),
    "cover_image_alt": (("event", "cover_image_alt"), ("event", "cover_image"), {"event": {
        "cover_image": "assets/cover.jpg"}}),
    "alt": (("photos", 0, "alt"), ("photos", 0, "image"),
            {"photos": [{"image": "assets/zaal.jpg"}]}),
}


def data_with(field: str, text) -> dict:
    path, _, images = WHERE[field]
    data = with_(("photos",), images.get("photos", []))
    data["event"].update(images.get("event", {}))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = text
    return data


# --- the format ----------------------------------------------------------------------------------

@pytest.mark.parametrize("field", WHERE)
def test_a_description_is_plain_text_beside_its_image(field):
    day = KnowledgeDay.model_validate(data_with(field, "  Een vuur\u00adtoren\nboven  de naam. "))
    alts = {image_field: alt for image_field, _, alt in alt_texts(day)}
    # Read as print shows it: trimmed, a line break a space, no hyphenation hint.
    assert alts[WHERE[field][1]] == "Een vuurtoren boven de naam."


@pytest.mark.parametrize("field", WHERE)
def test_a_description_has_its_own_limit(field):
    assert ALT_MAX < PLAIN_MAX
    assert KnowledgeDay.model_validate(data_with(field, "x" * ALT_MAX))
    error = only_error(data_with(field, "x" * (ALT_MAX + 1)))
    assert error["loc"] == WHERE[field][0]
    assert (error["type"], error["ctx"]["max_length"]) == ("string_too_long", ALT_MAX)


@pytest.mark.parametrize("field", WHERE)
@pytest.mark.parametrize("text, kind", [("", "empty_text"), ("  \u00ad ", "empty_text"),
                                        ("Logo\u202e", "bad_character"),
                                        ("Mail jan@example.org", "email_address")])
def test_a_description_is_checked_like_any_plain_text(field, text, kind):
    error = only_error(data_with(field, text))
    assert (error["loc"], error["type"]) == (WHERE[field][0], kind)


def test_an_organiser_has_no_bare_alt():
    """One spelling: `alt` beside a logo in an organiser would leave its owner unclear."""
    error = only_error(with_(ORGANISER, {"name": "Mediaan", "logo": "a.png", "alt": "x"}))
    assert (error["loc"], error["type"]) == (ORGANISER + ("alt",), "extra_forbidden")


def test_old_files_need_no_description():
    day = KnowledgeDay.model_validate(data_with("alt", None))
    assert (day.event.organisers[0].logo_alt, day.event.cover_image_alt, day.photos[0].alt) \
        == (None, None, None)


# --- the alternative text each image gets --------------------------------------------------------

def day_of(organisers=None, cover=None, photos=()) -> KnowledgeDay:
    data = with_(("photos",), list(photos))
    data["event"]["organisers"] = organisers or [{"name": "Mediaan"}]
    data["event"].update(cover or {})
    return KnowledgeDay.model_validate(data)


def test_a_logo_is_its_description_or_else_the_organisers_name():
    day = day_of([{"name": "Mediaan", "logo": "a.png"},
                  {"name": "ICTloket.nl", "logo": "b.png", "logo_alt": "Een wereldbol"},
                  {"name": "Zonder logo", "logo_alt": "Niet gebruikt"}])
    assert [logo_alt_text(org) for org in day.event.organisers] == [
        "Mediaan", "Een wereldbol", None]


def test_the_cover_has_nothing_honest_to_fall_back_on():
    assert cover_alt_text(day_of(cover={"cover_image": "c.jpg"}).event) is None
    described = day_of(cover={"cover_image": "c.jpg", "cover_image_alt": "Een zaal vol mensen"})
    assert cover_alt_text(described.event) == "Een zaal vol mensen"
    # A description of a cover that is not there describes nothing.
    assert cover_alt_text(day_of(cover={"cover_image_alt": "Een zaal"}).event) is None


def test_a_photo_is_its_description_or_else_its_caption():
    day = day_of(photos=[{"image": "a.jpg", "caption": "De zaal", "alt": "Twintig mensen"},
                         {"image": "b.jpg", "caption": "De spre\u00adkers in de\nRidderzaal"},
                         {"image": "c.jpg"}])
    assert [photo_alt_text(photo) for photo in day.photos] == [
        "Twintig mensen", "De sprekers in de Ridderzaal", None]


def test_every_placed_image_is_listed_with_its_field_and_file():
    day = day_of([{"name": "Mediaan"}, {"name": "ICTloket.nl", "logo": "b.png"}],
                 {"cover_image": "c.jpg"}, [{"image": "p.jpg"}, {"image": "q.jpg", "alt": "Q"}])
    assert alt_texts(day) == [
        (("event", "organisers", 1, "logo"), "b.png", "ICTloket.nl"),
        (("event", "cover_image"), "c.jpg", None),
        (("photos", 0, "image"), "p.jpg", None),
        (("photos", 1, "image"), "q.jpg", "Q")]
    # Never a file name or a word standing in for a description.
    assert all(alt not in (image, "image", "") for _, image, alt in alt_texts(day))


# --- the files on disk ---------------------------------------------------------------------------

EVENT = """\
event:
  id: kd-alt
  title: Titel
  date: 2011-04-07
  venue: Zaal
  city: Utrecht
  language: nl
  organisers:
    - name: Organisator
      logo: assets/logo.png
  cover_image: assets/cover.jpg
{cover_alt}lead: |
  Een alinea.
photos:
  - image: assets/zaal.jpg
    caption: De zaal.
  - image: assets/sprekers.jpg
{photo_alt}"""
COVER_LINE, PHOTO_LINE = 11, 17  # line of cover_image and of the second photo's image


def event_folder(tmp_path: Path, cover_alt: str = "", photo_alt: str = "") -> Path:
    (tmp_path / "assets").mkdir(exist_ok=True)
    Image.new("RGB", (300, 100), (20, 90, 120)).save(tmp_path / "assets" / "logo.png")
    for name in ("cover.jpg", "zaal.jpg", "sprekers.jpg"):
        Image.new("RGB", (320, 200), (200, 180, 90)).save(tmp_path / "assets" / name)
    path = tmp_path / "event.yaml"
    path.write_text(EVENT.format(cover_alt=cover_alt, photo_alt=photo_alt), encoding="utf-8")
    return path


def warnings_of_validate(path: Path) -> list[Problem]:
    said: list[Problem] = []
    validate(path, report=Report(warn=said.append))
    return said


UNDESCRIBED = [
    f"event.yaml:{COVER_LINE}:3: event.cover_image: warning: 'assets/cover.jpg' has no "
    f"description for readers who cannot see it: add cover_image_alt: with a sentence saying "
    f"what it shows",
    f"event.yaml:{PHOTO_LINE}:5: photos[1].image: warning: 'assets/sprekers.jpg' has no "
    f"description for readers who cannot see it: add alt: (or a caption:) with a sentence "
    f"saying what it shows"]


def test_validate_warns_at_each_image_without_a_description(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = event_folder(tmp_path)
    assert [w.format() for w in warnings_of_validate(Path("event.yaml"))] == UNDESCRIBED
    path.write_text(path.read_text().replace("  cover_image: assets/cover.jpg",
                                             "  # no cover picture"))
    assert [w.format() for w in warnings_of_validate(Path("event.yaml"))] == UNDESCRIBED[1:]


def test_described_images_give_no_warning(tmp_path):
    path = event_folder(tmp_path, cover_alt="  cover_image_alt: Een zaal vol mensen.\n",
                        photo_alt="    alt: Twee sprekers aan een tafel.\n")
    assert warnings_of_validate(path) == []


def test_a_description_too_long_is_refused_at_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    event_folder(tmp_path, photo_alt=f"    alt: {'x' * (ALT_MAX + 1)}\n")
    with pytest.raises(BadInput) as info:
        validate(Path("event.yaml"))
    assert info.value.lines() == [
        f"event.yaml:{PHOTO_LINE + 1}:5: photos[1].alt: is {ALT_MAX + 1} characters long; "
        f"at most {ALT_MAX} are allowed here"]


def test_a_description_may_hold_what_the_fonts_cannot_draw(tmp_path):
    """It is read aloud, never drawn; a caption is drawn, and still checked."""
    path = event_folder(tmp_path, cover_alt="  cover_image_alt: Koffie ☕ en taart.\n")
    assert len(warnings_of_validate(path)) == 1  # the photo's, not the cover's
    path.write_text(path.read_text().replace("caption: De zaal.", "caption: Koffie ☕."))
    with pytest.raises(BadInput, match=r"photos\[0\]\.caption: character '☕'"):
        validate(path)


def test_the_data_files_leave_no_photo_or_logo_undescribed():
    warned = [w for name in ("kennisdag-2011.yaml", "example-en.yaml")
              for w in warnings_of_validate(DATA / name)]
    assert all(w.field == "event.cover_image" for w in warned), warned


@pytest.mark.parametrize("profile", ["screen", "archive"])
def test_a_build_warns_at_the_users_own_lines(tmp_path, monkeypatch, profile):
    """Also the archive copy, which is rendered from its published source in another file."""
    monkeypatch.chdir(tmp_path)
    event_folder(tmp_path)
    said: list[Problem] = []
    made = make(Path("event.yaml"), profile, "a5", lambda loaded, chosen: tmp_path / "x.pdf",
                report=Report(warn=said.append))
    assert made.finished.pdf.startswith(b"%PDF-")
    assert [w.format() for w in said] == UNDESCRIBED


def test_no_warning_when_the_build_stops_before_its_layout(tmp_path, monkeypatch):
    from kennisdag_pdf.errors import OutputError

    monkeypatch.chdir(tmp_path)
    event_folder(tmp_path)
    said: list[Problem] = []
    with pytest.raises(OutputError):
        make(Path("event.yaml"), "screen", "a5", lambda loaded, chosen: tmp_path / "assets" /
             "cover.jpg", report=Report(warn=said.append))
    assert said == []


def test_the_published_source_keeps_the_descriptions(tmp_path):
    """An archive copy rebuilt from its source must describe its images as the original."""
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.published import published_event

    path = event_folder(tmp_path, cover_alt="  cover_image_alt: Een zaal vol mensen.\n",
                        photo_alt="    alt: Twee sprekers.\n")
    original = load(path)
    again, _ = published_event(original)
    assert alt_texts(again.day) == alt_texts(original.day)
    assert again.day.event.cover_image_alt == "Een zaal vol mensen."


# --- the JSON Schema -----------------------------------------------------------------------------

def test_the_schema_offers_each_description_beside_its_image():
    defs = json_schema()["$defs"]
    for model, field in [("Organiser", "logo_alt"), ("Event", "cover_image_alt"),
                         ("Photo", "alt")]:
        prop = defs[model]["properties"][field]
        [text] = [option for option in prop["anyOf"] if option.get("type") == "string"]
        assert text["maxLength"] == ALT_MAX
        assert "cannot see" in prop["description"]
        assert field not in defs[model].get("required", [])
