"""kennisdag_pdf.i18n: every language complete, consistent and able to hyphenate."""

from __future__ import annotations

import datetime as dt
import string
import typing

import pyphen
import pytest

from kennisdag_pdf.i18n import LANGUAGES, join_names, language
from kennisdag_pdf.model import Event

CODES = sorted(LANGUAGES)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_languages_match_the_model():
    allowed = set(typing.get_args(Event.model_fields["language"].annotation))
    assert set(LANGUAGES) == allowed
    for code, lang in LANGUAGES.items():
        assert lang.code == code
        assert language(code) is lang


@pytest.mark.parametrize("code", CODES)
def test_every_language_has_the_same_labels(code):
    assert set(LANGUAGES[code].labels) == set(LANGUAGES["nl"].labels)


@pytest.mark.parametrize("code", CODES)
def test_labels_are_not_empty(code):
    assert all(text.strip() for text in LANGUAGES[code].labels.values())


@pytest.mark.parametrize("code", CODES)
def test_placeholders_are_the_same_in_every_language(code):
    for key, template in LANGUAGES["nl"].labels.items():
        assert placeholders(LANGUAGES[code][key]) == placeholders(template), key


def test_templates_with_placeholders_format():
    # A placeholder typo such as {venu} would raise KeyError here.
    values = dict(date="d", venue="v", city="c", title="t", names="n", url="u", version="1",
                  page=1, pages=2, number=3, first=1, last=100)
    for lang in LANGUAGES.values():
        for key, template in lang.labels.items():
            assert "{" not in template.format(**values), key


@pytest.mark.parametrize("code, expected", [("nl", "7 april 2011"), ("en", "7 April 2011")])
def test_date_in_words(code, expected):
    assert LANGUAGES[code].date(dt.date(2011, 4, 7)) == expected


def test_date_single_digit_day_has_no_leading_zero():
    assert LANGUAGES["nl"].date(dt.date(2012, 12, 1)) == "1 december 2012"


@pytest.mark.parametrize("code, names, expected", [
    ("nl", ["Mediaan"], "Mediaan"),
    ("nl", ["Mediaan", "ICTloket.nl"], "Mediaan en ICTloket.nl"),
    ("nl", ["A", "B", "C"], "A, B en C"),
    ("en", ["Mediaan"], "Mediaan"),
    ("en", ["Mediaan", "ICTloket.nl"], "Mediaan and ICTloket.nl"),
    ("en", ["A", "B", "C"], "A, B and C"),
    ("nl", [], ""),
])
def test_join_names(code, names, expected):
    assert join_names(names, LANGUAGES[code]) == expected


@pytest.mark.parametrize("code", CODES)
def test_hyphenation_dictionary_exists(code):
    assert LANGUAGES[code].hyphenation in pyphen.LANGUAGES


@pytest.mark.parametrize("code, word, at_least", [
    ("nl", "arbeidsongeschiktheidsverzekering", 4),
    ("en", "internationalisation", 4),
])
def test_hyphenation_dictionary_hyphenates(code, word, at_least):
    assert code in LANGUAGES
    dictionary = pyphen.Pyphen(lang=LANGUAGES[code].hyphenation)
    points = dictionary.positions(word)
    assert len(points) >= at_least
    assert dictionary.inserted(word).replace("-", "") == word


def test_every_language_is_covered_by_the_hyphenation_test():
    covered = {"nl", "en"}
    assert set(LANGUAGES) <= covered, "add a long word for the new language above"
