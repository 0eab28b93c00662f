"""kennisdag_pdf.parts.participants: the participant list sorted by surname, the Dutch way."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kennisdag_pdf.loader import load
from kennisdag_pdf.model import Participant
from kennisdag_pdf.parts.participants import affiliation, sort_key, sorted_people

ROOT = Path(__file__).resolve().parent.parent
DATA_2011 = ROOT / "data" / "kennisdag-2011.yaml"
SEED = ROOT / "tests" / "data" / "kennisdag-2011-social-media.txt"


def people(*names: str) -> list[Participant]:
    return [Participant(name=name) for name in names]


def order(persons: list[Participant]) -> list[str]:
    return [p.name for p in sorted_people(persons)]


def shuffled(names: list[str], seed: int = 7) -> list[str]:
    out = list(names)
    random.Random(seed).shuffle(out)
    assert out != names  # the test must actually have something to sort
    return out


DUTCH_ORDER = [
    "Anna de Boer",
    "Leo Hauben",
    "Lieke ten Have",
    "Alain van der Heijde",
    "Youp van ’t Hek",
    "Theo van Kessel",
    "Jos van Leeuwen",
    "Jan de Vries",
]


def test_tussenvoegsels_are_ignored():
    assert order(people(*shuffled(DUTCH_ORDER))) == DUTCH_ORDER


@pytest.mark.parametrize("name, surname, given, particles", [
    ("Alain van der Heijde", "heijde", "alain", "van der"),
    ("Youp van ’t Hek", "hek", "youp", "van ’t"),
    ("Youp van 't Hek", "hek", "youp", "van 't"),
    ("Lieke ten Have", "have", "lieke", "ten"),
    ("Jan de Vries", "vries", "jan", "de"),
    ("Hans Jan van den Berg", "berg", "hans jan", "van den"),
    ("Leo Hauben", "hauben", "leo", ""),
    ("Madonna", "madonna", "", ""),
    ("Van Morrison", "morrison", "van", ""),  # a first word is never a particle
    ("Jan van", "van", "jan", ""),  # nor is a last one
])
def test_sort_key_parts(name, surname, given, particles):
    assert sort_key(name) == (surname, given, particles)
    assert sort_key(Participant(name=name)) == (surname, given, particles)


def test_accents_are_folded():
    expected = ["Jan Eskes", "Erik Ésveld", "Jan Fokker"]
    # Without folding 'É' (U+00C9) would sort after every unaccented letter.
    assert order(people("Jan Fokker", "Erik Ésveld", "Jan Eskes")) == expected
    assert sort_key("Erik Ésveld")[0] == "esveld"


def test_case_is_folded():
    assert order(people("Kees Zwart", "piet de lange", "Ans Adema")) == [
        "Ans Adema", "piet de lange", "Kees Zwart"]


def test_same_surname_sorts_by_given_name():
    assert order(people("Roel Swieringa", "Dick Swieringa", "Anna van Swieringa")) == [
        "Anna van Swieringa", "Dick Swieringa", "Roel Swieringa"]


def test_single_word_names_sort_among_surnames():
    assert order(people("Zoë Zwart", "Madonna", "Jan Jansen", "Cher")) == [
        "Cher", "Jan Jansen", "Madonna", "Zoë Zwart"]


def test_sort_as_overrides_the_surname():
    plain = Participant(name="Kees van Dongen")
    override = Participant(name="Kees van Dongen", sort_as="Van Dongen")
    others = people("Jan de Vries", "Leo Hauben", "Jos van Leeuwen")
    assert order([plain, *others])[:2] == ["Kees van Dongen", "Leo Hauben"]
    assert order([override, *others]) == [
        "Leo Hauben", "Jos van Leeuwen", "Kees van Dongen", "Jan de Vries"]


def test_sorting_is_deterministic_for_equal_keys():
    twins = [Participant(name="Jan de Vries"), Participant(name="Jan De Vries")]
    assert order(twins) == order(list(reversed(twins)))


def test_affiliation():
    assert affiliation(Participant(name="A", organisation="Nuon", role="manager")) == \
        "Nuon, manager"
    assert affiliation(Participant(name="A", role="Ondernemer")) == "Ondernemer"
    assert affiliation(Participant(name="A", organisation="L1")) == "L1"
    assert affiliation(Participant(name="A")) == ""


def seed_rows() -> list[str]:
    rows = [line.split(" | ")[0].strip()
            for line in SEED.read_text(encoding="utf-8").splitlines() if " | " in line]
    assert len(rows) == 18
    return rows


def test_2011_guests_are_in_the_brochure_order():
    rows = seed_rows()
    guests = [p for p in load(DATA_2011).day.participants if not p.host]
    assert order(list(reversed(guests))) == rows[:15]


def test_2011_hosts_are_in_the_brochure_order():
    rows = seed_rows()
    hosts = [p for p in load(DATA_2011).day.participants if p.host]
    assert order(list(reversed(hosts))) == rows[15:]
