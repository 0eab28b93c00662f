"""Hyphenation: the Dutch dictionary for ordinary words, names kept whole."""

from __future__ import annotations

import pytest

from kennisdag_pdf.hyphenation import Hyphenator


@pytest.fixture(scope="module")
def dutch() -> Hyphenator:
    return Hyphenator("nl_NL")


def test_ordinary_words_follow_the_dictionary(dutch):
    heads = [head for head, _ in dutch("arbeidsongeschiktheidsverzekering")]
    assert "arbeids" in heads and "arbeidsonge" in heads
    assert all(head + tail == "arbeidsongeschiktheidsverzekering"
               for head, tail in dutch("arbeidsongeschiktheidsverzekering"))


def test_names_are_never_broken_inside(dutch):
    assert list(dutch("Berlusconi")) == []
    assert list(dutch("Eurlings")) == []


def test_names_may_break_at_their_own_hyphen(dutch):
    assert list(dutch("T-Mobile")) == [("T-", "Mobile")]
    assert list(dutch("Zuid-Limburgse")) == [("Zuid-", "Limburgse")]
    assert list(dutch("Jansen-van-Dam")) == [("Jansen-van-", "Dam"), ("Jansen-", "van-Dam")]


def test_english_dictionary():
    heads = [head for head, _ in Hyphenator("en_GB")("organisation")]
    assert heads and all("organisation".startswith(h) for h in heads)
