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


def test_parsed_patterns_are_cached_and_give_the_same_breaks(tmp_path, monkeypatch):
    """The second process reads pyphen's patterns from the cache; a damaged cache file is
    parsed anew and replaced."""
    import pyphen

    from kennisdag_pdf import hyphenation

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    words = ["samenwerkingsverband", "kennisdeling", "organisatieontwikkeling", "klantcontact"]

    def fresh() -> list:
        pyphen.hdcache.clear()  # as in a new process
        breaks = hyphenation.Hyphenator("nl_NL")
        return [list(breaks(word)) for word in words]

    parsed = fresh()
    files = list((tmp_path / "kennisdag-pdf").glob("hyphenation-hyph_nl_NL-*.marshal"))
    assert len(files) == 1
    def no_parsing(self, path):
        raise AssertionError("parsed although the cache holds the patterns")

    monkeypatch.setattr(pyphen.HyphDict, "__init__", no_parsing)
    assert fresh() == parsed
    files[0].write_bytes(b"not marshal data")
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fresh() == parsed
    assert files[0].read_bytes() != b"not marshal data"


def test_an_unwritable_cache_folder_is_no_problem(tmp_path, monkeypatch):
    import pyphen

    from kennisdag_pdf import hyphenation

    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # a file, not a folder
    pyphen.hdcache.clear()
    assert list(hyphenation.Hyphenator("nl_NL")("kennisdeling"))
