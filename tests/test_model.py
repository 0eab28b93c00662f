"""kennisdag_pdf.model: validation rules, checked on plain dicts (no YAML involved)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from pydantic import ValidationError

from kennisdag_pdf.model import ALT_MAX, BODY_MAX, PLAIN_MAX, URL_MAX, KnowledgeDay
from kennisdag_pdf.schema import json_schema

BASE = {
    "event": {
        "id": "kennisdag-2011",
        "title": "Social media",
        "date": "2011-04-07",
        "venue": "Chateau St. Gerlach",
        "city": "Valkenburg",
        "language": "nl",
        "organisers": [{"name": "Mediaan"}],
    },
}


def with_(path: tuple, value) -> dict:
    data = copy.deepcopy(BASE)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def errors(data: dict) -> list[dict]:
    with pytest.raises(ValidationError) as info:
        KnowledgeDay.model_validate(data)
    return info.value.errors()


def only_error(data: dict) -> dict:
    found = errors(data)
    assert len(found) == 1, found
    return found[0]


def test_base_is_valid():
    day = KnowledgeDay.model_validate(BASE)
    assert day.event.date == dt.date(2011, 4, 7)
    assert day.participants == [] and day.conclusions is None


def test_models_are_frozen():
    day = KnowledgeDay.model_validate(BASE)
    with pytest.raises(ValidationError):
        day.event.title = "Iets anders"


def test_unknown_keys_are_forbidden():
    error = only_error(with_(("event", "titel"), "x"))
    assert error["type"] == "extra_forbidden"
    assert error["loc"] == ("event", "titel")


# --- slug ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", ["kennisdag-2011", "a", "2011", "kd-1-2-3"])
def test_good_slugs(slug):
    assert KnowledgeDay.model_validate(with_(("event", "id"), slug)).event.id == slug


@pytest.mark.parametrize("slug", ["Kennisdag-2011", "kennisdag 2011", "kennisdag--2011",
                                  "-kennisdag", "kennisdag-", "kennis_dag", "kennisdag.2011",
                                  "kënnisdag", ""])
def test_bad_slugs(slug):
    error = only_error(with_(("event", "id"), slug))
    assert error["loc"] == ("event", "id")
    if slug:
        assert error["type"] == "slug"
        assert repr(slug) in error["msg"]


def test_slug_max_length():
    assert KnowledgeDay.model_validate(with_(("event", "id"), "a" * 64))
    assert only_error(with_(("event", "id"), "a" * 65))["type"] == "string_too_long"


# --- URL -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://example.org", "http://example.org/foto's?a=1&b=2",
                                 "https://flickr.com/photos/kennisdag"])
def test_good_urls(url):
    assert KnowledgeDay.model_validate(with_(("event", "photos_url"), url)).event.photos_url == url


def test_url_is_stripped():
    day = KnowledgeDay.model_validate(with_(("event", "photos_url"), "  https://x.org  "))
    assert day.event.photos_url == "https://x.org"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/photos",
                                 "https://a b", "https://", "example.org", "//example.org",
                                 "file:///etc/passwd", "data:text/html,hi", "https://a\u202eb"])
def test_bad_urls(url):
    error = only_error(with_(("event", "photos_url"), url))
    assert error["loc"] == ("event", "photos_url")
    assert error["type"] == "url"


@pytest.mark.parametrize("url", ["https://[2001:db8::1/fotos", "https://:8080/fotos",
                                 "https://user@/fotos"])
def test_an_address_without_a_usable_host_is_not_a_web_address(url):
    error = only_error(with_(("event", "photos_url"), url))
    assert error["type"] == "url"
    assert error["msg"] == f"'{url}' is not a web address starting with https://"


def test_an_ipv6_web_address_is_fine():
    url = "https://[2001:db8::1]/fotos"
    assert KnowledgeDay.model_validate(with_(("event", "photos_url"), url)).event.photos_url == url


def test_url_max_length():
    url = "https://x.org/" + "a" * (URL_MAX - len("https://x.org/"))
    assert KnowledgeDay.model_validate(with_(("event", "photos_url"), url))
    assert only_error(with_(("event", "photos_url"), url + "a"))["type"] == "string_too_long"


# --- plain and body text -------------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u200f", "\u200b", "\u200d",
                                  "\ufeff", "\x00", "\x07", "\x1b", "\x85", "\u2028", "\u2029",
                                  "\ue000", "\U000e0001", "\ufffc"])
@pytest.mark.parametrize("where", [("event", "title"), ("event", "venue")])
def test_plain_text_refuses_invisible_and_control_characters(char, where):
    error = only_error(with_(where, f"Social{char}media"))
    assert error["type"] == "bad_character"
    assert error["loc"] == where
    assert f"U+{ord(char):04X}" in error["msg"]


@pytest.mark.parametrize("char, name", [("\x07", "control character"),
                                        ("\ue000", "private use character"),
                                        ("\u0378", "unassigned character"),
                                        ("\u202e", "RIGHT-TO-LEFT OVERRIDE")])
def test_a_refused_character_is_named_by_its_kind_when_it_has_no_name(char, name):
    error = only_error(with_(("event", "title"), f"Social{char}media"))
    assert error["msg"] == f"character U+{ord(char):04X} ({name}) is not allowed"


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\x00", "\u2028"])
def test_body_text_refuses_the_same_characters(char):
    error = only_error(with_(("lead",), f"Eerste alinea.\n\nTweede{char} alinea."))
    assert error["type"] == "bad_character"
    assert error["loc"] == ("lead",)


def test_soft_hyphen_is_allowed():
    title = "Arbeids\u00adongeschiktheids\u00adverzekering"
    assert KnowledgeDay.model_validate(with_(("event", "title"), title)).event.title == title


def test_newlines_and_tabs_are_allowed():
    day = KnowledgeDay.model_validate(with_(("event", "title"), "Social\nmedia\tnu"))
    assert day.event.title == "Social\nmedia\tnu"


def test_text_is_nfc_normalised():
    day = KnowledgeDay.model_validate(with_(("event", "venue"), "Caf\u0065\u0301"))
    assert day.event.venue == "Caf\u00e9"
    assert len(day.event.venue) == 4
    day = KnowledgeDay.model_validate(with_(("lead",), "Ree\u0308n"))
    assert day.lead == "Re\u00ebn"


def test_text_is_stripped():
    day = KnowledgeDay.model_validate(with_(("event", "title"), "  Social media \n"))
    assert day.event.title == "Social media"


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_empty_text_is_refused(text):
    error = only_error(with_(("event", "title"), text))
    assert error["type"] == "empty_text"


@pytest.mark.parametrize("text", ["\u00ad", "\u00ad\u00ad", " \u00ad \n\u00ad "])
@pytest.mark.parametrize("where", [("event", "title"), ("lead",)])
def test_text_of_soft_hyphens_only_is_empty(text, where):
    assert only_error(with_(where, text))["type"] == "empty_text"


@pytest.mark.parametrize("path, limit", [(("event", "title"), PLAIN_MAX),
                                         (("event", "venue"), PLAIN_MAX),
                                         (("event", "cover_image_alt"), ALT_MAX),
                                         (("lead",), BODY_MAX)])
def test_max_lengths(path, limit):
    at_limit = KnowledgeDay.model_validate(with_(path, "x" * limit))
    assert at_limit
    error = only_error(with_(path, "x" * (limit + 1)))
    assert error["type"] == "string_too_long"
    assert error["ctx"]["max_length"] == limit


def test_list_items_are_plain_text_with_their_own_limit():
    error = only_error(with_(("untreated_theses",), ["goed", "x" * (PLAIN_MAX + 1)]))
    assert error["loc"] == ("untreated_theses", 1)
    assert error["type"] == "string_too_long"


# --- structure -----------------------------------------------------------------------------------

def test_conclusions_need_at_least_one_point():
    error = only_error(with_(("conclusions",), {"intro": "Inleiding", "points": []}))
    assert error["type"] == "too_short"
    assert error["loc"] == ("conclusions", "points")
    day = KnowledgeDay.model_validate(with_(("conclusions",), {"points": ["Een punt."]}))
    assert day.conclusions.points == ["Een punt."]


def test_conclusions_points_are_required():
    error = only_error(with_(("conclusions",), {"intro": "Inleiding"}))
    assert error["type"] == "missing"
    assert error["loc"] == ("conclusions", "points")


def test_event_needs_an_organiser():
    assert only_error(with_(("event", "organisers"), []))["type"] == "too_short"


@pytest.mark.parametrize("language", ["fr", "NL", "nl_NL", ""])
def test_language_is_nl_or_en(language):
    assert only_error(with_(("event", "language"), language))["type"] == "literal_error"


def test_logo_path_must_be_relative():
    for logo in ("/etc/passwd", "C:\\logo.png", "\\\\server\\logo.png"):
        error = only_error(with_(("event", "organisers"), [{"name": "X", "logo": logo}]))
        assert error["type"] == "path", logo
    day = KnowledgeDay.model_validate(
        with_(("event", "organisers"), [{"name": "X", "logo": "assets/logo.png"}]))
    assert day.event.organisers[0].logo == "assets/logo.png"


@pytest.mark.parametrize("logo", ["assets/\nlogo.png", "assets/logo\x00.png",
                                  "assets/\u202elogo.png"])
def test_logo_path_refuses_control_and_invisible_characters(logo):
    error = only_error(with_(("event", "organisers"), [{"name": "X", "logo": logo}]))
    assert error["type"] == "bad_character"
    assert error["loc"] == ("event", "organisers", 0, "logo")


@pytest.mark.parametrize("logo", ["https://example.org/logo.png", "HTTP://example.org/a.png",
                                  "ftp://example.org/logo.png"])
def test_logo_path_is_not_a_web_address(logo):
    error = only_error(with_(("event", "organisers"), [{"name": "X", "logo": logo}]))
    assert error["type"] == "path"
    assert error["msg"].startswith(f"'{logo}' is a web address; images are never downloaded")


def test_participant_defaults():
    day = KnowledgeDay.model_validate(with_(("participants",), [{"name": "Jan"}]))
    person = day.participants[0]
    assert (person.host, person.organisation, person.role, person.sort_as) == (
        False, None, None, None)


@pytest.mark.parametrize("value, expected", [("true", True), ("False", False), ("TRUE", True),
                                             (True, True), (False, False)])
@pytest.mark.parametrize("flag", ["host", "listed"])
def test_flags_are_true_or_false(flag, value, expected):
    day = KnowledgeDay.model_validate(with_(("participants",), [{"name": "Jan", flag: value}]))
    assert getattr(day.participants[0], flag) is expected


@pytest.mark.parametrize("value", ["yes", "no", "on", "off", "1", "0", "y", "NO", "ja", "",
                                   1, 0, None])
@pytest.mark.parametrize("flag", ["host", "listed"])
def test_flags_refuse_other_words_and_numbers(flag, value):
    error = only_error(with_(("participants",), [{"name": "Jan", flag: value}]))
    assert error["loc"] == ("participants", 0, flag)
    assert error["type"].startswith("bool")


# --- JSON schema ---------------------------------------------------------------------------------

def test_json_schema_describes_the_file_format():
    schema = json_schema()
    assert isinstance(schema, dict)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    for name in ("event", "agenda", "participants", "theses", "conclusions"):
        assert name in schema["properties"], name
    assert "event" in schema["required"]
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_json_schema_nested_models_also_forbid_extra_keys():
    definitions = json_schema()["$defs"]
    for name in ("Event", "Participant", "Thesis", "Conclusions", "Organiser"):
        assert definitions[name]["additionalProperties"] is False, name
    assert set(definitions["Participant"]["properties"]) == {
        "name", "organisation", "role", "host", "sort_as", "listed"}


@pytest.mark.parametrize("text", ["jan@example.nl", "Mail a.b+c@sub.example.org gerust",
                                  "[mail](mailto:info@example.nl)"])
def test_email_addresses_do_not_belong_in_the_brochure_data(text):
    error = only_error({**with_(("event", "title"), "T"), "closing": text})
    assert error["type"] == "email_address"
    assert "looks like an e-mail address" in error["msg"]


@pytest.mark.parametrize("text", ["ICTloket.nl", "@mediaan op Twitter", "a @ b.nl"])
def test_text_that_is_not_an_address_is_fine(text):
    KnowledgeDay.model_validate({**BASE, "closing": text})


# --- issue 14: the e-mail scan is linear -----------------------------------------------------

import re as _re

from hypothesis import given, settings
from hypothesis import strategies as st

from kennisdag_pdf.model import MAX_ITEMS, email_address

# The former pattern, searched as a whole: the reference for what counts as an address.
_REFERENCE = _re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1_.+-@ é\n", max_size=40))
def test_email_scan_finds_what_the_reference_pattern_finds(text):
    found = _REFERENCE.search(text)
    assert email_address(text) == (found.group(0) if found else None)


@settings(max_examples=10, deadline=1000)  # the backtracking search took 1.6 s per text
@given(st.sampled_from(["@", "a@", "@a.", ".@", "+@"]), st.sampled_from("a-_é."))
def test_email_scan_of_pathological_text_finishes_within_the_deadline(head, letter):
    # Each text costs the former search 20,000² / 2 steps; the whole example, 50 of them.
    for _ in range(50):  # none holds a local part, '@' and a dotted domain
        assert email_address(head + letter * 19_999) is None


# --- issue 14: one limit for every URL -------------------------------------------------------

@pytest.mark.parametrize("link", [
    "[het album](https://example.org/{})", "<https://example.org/{}>",
    "[album](<https://example.org/{}>)", "[x](https://example.org/{} \"titel\")"])
def test_a_body_link_longer_than_the_url_limit_is_refused_at_its_field(link):
    address = link.format("a" * URL_MAX)
    error = only_error({**BASE, "closing": f"Zie {address}."})
    assert error["type"] == "url_too_long"
    assert error["loc"][0] == "closing"
    assert f"at most {URL_MAX} are allowed" in error["msg"]


def test_a_link_is_measured_as_the_pdf_holds_it_percent_encoded():
    # 60 characters as written, 9 bytes each once percent-encoded: 540 in the PDF.
    error = only_error({**BASE, "closing": "[album](https://example.org/" + "€" * 60 + ")"})
    assert error["type"] == "url_too_long"


def test_a_body_link_at_the_url_limit_is_fine():
    href = "https://example.org/" + "a" * (URL_MAX - len("https://example.org/"))
    KnowledgeDay.model_validate({**BASE, "closing": f"[album]({href})"})


# --- issue 14: every list has a maximum length -----------------------------------------------

_ITEM = {"organisers": {"name": "O"}, "agenda": {"title": "A"}, "participants": {"name": "P"},
         "chapters": {"title": "C", "body": "B"}, "theses": {"statement": "S", "body": "B"},
         "untreated_theses": "U", "conclusions_points": "P", "photos": {"image": "a.png"},
         "agenda_items": "I"}


def _with_items(name: str, count: int) -> dict:
    items = [_ITEM[name]] * count
    if name == "organisers":
        return with_(("event", "organisers"), items)
    if name == "agenda_items":
        return {**BASE, "agenda": [{"title": "A", "items": items}]}
    if name == "conclusions_points":
        return {**BASE, "conclusions": {"points": items}}
    return {**BASE, name: items}


@pytest.mark.parametrize("name", sorted(MAX_ITEMS))
def test_every_list_has_a_maximum_length(name):
    limit = MAX_ITEMS[name]
    KnowledgeDay.model_validate(_with_items(name, limit))
    error = only_error(_with_items(name, limit + 1))
    assert error["type"] == "too_long"


def test_the_list_limits_are_above_the_largest_benchmark_event():
    # bench/synthetic.py's 5,000-page event: 4,494 theses and 11,556 participants.
    assert MAX_ITEMS["theses"] > 4_494 and MAX_ITEMS["participants"] > 11_556


@settings(max_examples=200, deadline=None)
@given(destination=st.text(alphabet="aé€\U0001d11e&#;x<>\\ ()", min_size=1, max_size=60),
       form=st.sampled_from(["[a]({})", "[a](<{}>)", "<https://{}>", "[a]( {} )",
                             "[a](\n{})"]))
def test_the_quick_look_for_long_links_misses_none_the_parser_finds(destination, form):
    """A body whose links are all within URL_MAX may skip the Markdown parse; any body with a
    longer link (as the PDF holds it) must be looked at."""
    from kennisdag_pdf.model import _MAY_HOLD_LONG_LINK
    from kennisdag_pdf.text import link_targets

    body = "Zie " + form.format("https://example.org/" + destination * 9) + " hier."
    if any(len(href) > URL_MAX for href in link_targets(body)):
        assert _MAY_HOLD_LONG_LINK.search(body)


def test_a_long_address_is_quoted_shortened():
    error = only_error({**BASE, "closing": "a" * 5000 + "@example.org"})
    assert error["type"] == "email_address" and len(error["msg"]) < 200
