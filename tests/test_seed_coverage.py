"""Every sentence of the 2011 report is in the brochure, in the seed's order."""

from __future__ import annotations

import re

from conftest import DATA, SEED, loose_pattern, page_texts, squash, text_blocks

from kennisdag_pdf.theme import PAGE_SIZES

REPAIR = re.compile(r'^#\s+"(?P<old>[^"]+)" → "(?P<new>[^"]*)"', re.MULTILINE)


def repairs(yaml_text: str) -> list[tuple[str, str]]:
    return [(m["old"], m["new"]) for m in REPAIR.finditer(yaml_text)]


def seed_units(yaml_text: str) -> list[str]:
    """The seed, repaired as the data file says, as a list of sentences."""
    text = SEED.read_text(encoding="utf-8")
    for old, new in repairs(yaml_text):
        assert old in text, f"the data file lists a repair of {old!r} that the seed lacks"
        text = text.replace(old, new)
    units = []
    for line in text.splitlines():
        # Structure the extraction flattened into text: table bars, list markers, and the
        # thesis heading's colon (the brochure sets label and statement as two lines).
        line = line.replace("|", " ")
        line = re.sub(r"^\s*[-•]\s+", "", line)
        line = re.sub(r"^(Stelling \d+):", r"\1", line)
        units += [u for u in re.split(r"(?<=[.!?’])\s+(?=[A-Z‘(])", line) if u.strip()]
    return units


def body_text(pdf: bytes) -> str:
    """Cover and body pages, text block only: no running heads, no folios, no contents."""
    texts = text_blocks(pdf, PAGE_SIZES["a5"][0])
    full = page_texts(pdf)
    kept = [full[0]]  # the cover has no furniture
    kept += [t for t in texts[1:] if not t.lstrip().startswith("Inhoud")]
    return squash("\n".join(kept))


def coverage(yaml_text: str, pdf: bytes) -> tuple[int, list[str]]:
    return seed_missing(yaml_text, body_text(pdf))


def seed_missing(yaml_text: str, text: str) -> tuple[int, list[str]]:
    """The seed's sentences (units) of the event file, and those not found in text after
    the one before them."""
    position, missing = 0, []
    units = seed_units(yaml_text)
    for unit in units:
        match = loose_pattern(unit).search(text, position)
        if match:
            position = match.end()
        else:
            missing.append(unit)
    return len(units), missing


def test_every_seed_sentence_in_order(brochure_2011):
    yaml_text = brochure_2011.loaded.source_bytes.decode("utf-8")
    total, missing = coverage(yaml_text, brochure_2011.pdf)
    assert total > 200
    assert missing == [], f"{len(missing)} of {total} seed sentences missing or out of order"


def test_coverage_check_can_fail(brochure_2011):
    """A sentence dropped from the data must be reported."""
    yaml_text = brochure_2011.loaded.source_bytes.decode("utf-8")
    pdf = brochure_2011.pdf
    text = body_text(pdf)
    unit = "Feit blijft: authenticiteit staat voorop."
    assert loose_pattern(unit).search(text)
    assert not loose_pattern("Feit blijft: authenticiteit staat achterop.").search(text)


def test_repairs_are_listed():
    yaml_text = DATA / "kennisdag-2011.yaml"
    found = dict(repairs(yaml_text.read_text(encoding="utf-8")))
    for old in ("net-werken", "defi-nitieve", "kin-derschoenen", "alsde", "liniet"):
        assert old in found
