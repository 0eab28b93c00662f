"""Event YAML → the plain content structure both peer references typeset.

The peers exist to put kennisdag-pdf's times next to other engines for the *same* text, so the
text is extracted once, here, and both peers get the identical structure: a title block and
sections of plain paragraphs, in the brochure's order. What only our tool does (cover artwork,
images, tables, Markdown emphasis, validation, hyphenation) is deliberately left out: the peers
are bare engines with the fixed features of issue 7, not second implementations of the tool.
Reading the YAML is part of each peer's timed run, as it is of kennisdag-pdf's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    new_page: bool = False  # each thesis starts a new page


@dataclass
class Brochure:
    title: str
    subtitle: str
    place: str  # date, venue, city
    sections: list[Section]

    def to_dict(self) -> dict:
        return asdict(self)


def paragraphs(body: str | None) -> list[str]:
    """A body field's paragraphs (separated by blank lines), each on one line."""
    if not body:
        return []
    return [" ".join(block.split()) for block in body.split("\n\n") if block.strip()]


def load_brochure(path: Path) -> Brochure:
    with open(path, encoding="utf-8") as stream:
        day = yaml.load(stream, Loader=Loader)
    event = day["event"]
    sections = [
        Section("Inleiding", paragraphs(day.get("lead"))),
        Section("Agenda", _agenda(day.get("agenda", []))),
        Section("Opening", paragraphs(day.get("opening"))),
        Section("Deelnemers", paragraphs(day.get("participants_intro"))
                + [_participant(p) for p in day.get("participants", [])
                   if p.get("listed", True)]),
        *(Section(c["title"], paragraphs(c["body"])) for c in day.get("chapters", [])),
        *(Section(f"Stelling {n}: {t['statement']}", paragraphs(t["body"]), new_page=True)
          for n, t in enumerate(day.get("theses", []), start=1)),
        Section("Stellingen niet behandeld", [f"– {s}" for s in day.get("untreated_theses", [])]),
        Section("Conclusies", _conclusions(day.get("conclusions"))),
        Section("Slotwoord", paragraphs(day.get("closing")) + paragraphs(day.get("photos_note"))),
    ]
    return Brochure(event["title"], event.get("subtitle") or "",
                    f"{event['date']}, {event['venue']}, {event['city']}",
                    [section for section in sections if section.paragraphs])


def _agenda(items: list[dict]) -> list[str]:
    lines = []
    for number, item in enumerate(items, start=1):
        lines.append(f"{number}. {item['title']}")
        lines += [f"{chr(ord('a') + i)}. {sub}" for i, sub in enumerate(item.get("items", []))]
    return lines


def _participant(person: dict) -> str:
    details = ", ".join(person[key] for key in ("organisation", "role") if person.get(key))
    return f"{person['name']} – {details}" if details else person["name"]


def _conclusions(conclusions: dict | None) -> list[str]:
    if not conclusions:
        return []
    return paragraphs(conclusions.get("intro")) + [
        text for point in conclusions["points"] for text in paragraphs(point)]
