"""The participant list: guests, then hosts, each sorted by surname the Dutch way."""

from __future__ import annotations

import math
import unicodedata

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether

from ..flowables import Element, MeasuredTable
from ..loader import LoadedEvent
from ..model import Participant
from .base import Context, part_heading, section_heading

# Tussenvoegsels (and their neighbours' equivalents) are ignored when sorting: 'Alain van der
# Heijde' files under H, as Dutch telephone books and the seed brochure do.
PARTICLES = frozenset("""
    van de der den het 't ’t ten ter te in op aan bij onder over uit voor tot vande vander
    d' d’ da dal de' del della dello di dos du des la le les lo von zu zum zur am im
""".split())

ROWS_PER_TABLE = 40  # long lists as a sequence of short tables: a table's cost grows with length
HOSTS_COMPANY = 3  # guests' rows kept on the hosts' page when the list breaks before them


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sort_key(person: Participant | str) -> tuple[str, str, str]:
    """(surname, given names, particles), each folded for comparison."""
    name = person if isinstance(person, str) else person.name
    override = None if isinstance(person, str) else person.sort_as
    words = name.split()
    surname_at = len(words) - 1
    particles_at = surname_at
    for i in range(1, len(words) - 1):
        if words[i].casefold() in PARTICLES:
            particles_at = i
            surname_at = i
            while surname_at < len(words) - 1 and words[surname_at].casefold() in PARTICLES:
                surname_at += 1
            break
    given = " ".join(words[:particles_at])
    particles = " ".join(words[particles_at:surname_at])
    surname = override or " ".join(words[surname_at:])
    return (_fold(surname), _fold(given), _fold(particles))


def sorted_people(people: list[Participant]) -> list[Participant]:
    return sorted(people, key=lambda p: (sort_key(p), p.name))


def affiliation(person: Participant) -> str:
    return ", ".join(part for part in (person.organisation, person.role) if part)


def build(loaded: LoadedEvent, ctx: Context) -> list:
    day = loaded.day
    people = day.listed_participants
    if not people:
        return []
    section = ctx.section()
    story: list = [part_heading(ctx, ctx.lang["participants"], "participants", section)]
    story += ctx.body(day.participants_intro, parent=section)
    guests = sorted_people([p for p in people if not p.host])
    hosts = sorted_people([p for p in people if p.host])
    name_width = name_column(people, ctx)
    if not guests or not hosts:
        return story + people_tables(guests or hosts, ctx, section.add("Table"), name_width)
    # The hosts (one to three rows) never stand alone on a page: they go with the guests,
    # and when the guests' table must break anyway, its last rows come along.
    table = section.add("Table")
    tail = len(guests) - min(len(guests), HOSTS_COMPANY)
    head = people_tables(guests[:tail], ctx, table, name_width)
    if head:  # continued by the rows kept with the hosts, without a gap
        head[-1].spaceAfter = 0
    story += head
    story.append(KeepTogether([
        *people_tables(guests[tail:], ctx, table, name_width),
        section_heading(ctx, ctx.lang["hosts"], "hosts", section),
        *people_tables(hosts, ctx, section.add("Table"), name_width)]))
    return story


def name_column(people: list[Participant], ctx: Context) -> float:
    """As wide as the widest name and the gap after it, within the theme's bounds: the
    organisation and role take the rest ('Ingrid ter Horst-Verhoeven' on one line)."""
    theme, measure = ctx.theme, ctx.theme.measure
    style = theme["name"]
    widest = max(stringWidth(person.name, style.fontName, style.fontSize) for person in people)
    width = theme.page.text_width
    return min(max(math.ceil(widest) + measure.cell_gap, width * measure.name_share_min),
               width * measure.name_share_max)


def people_tables(people: list[Participant], ctx: Context, structure: Element,
                  name_width: float) -> list[MeasuredTable]:
    """One data table (TR per person, the name heading its row) set as short tables."""
    theme, measure = ctx.theme, ctx.theme.measure
    tables = []
    for start in range(0, len(people), ROWS_PER_TABLE):
        chunk = people[start:start + ROWS_PER_TABLE]
        rows = []
        for person in chunk:
            row = structure.add("TR")
            rows.append([ctx.plain(person.name, "name",
                                   row.add("TH", attributes={"O": "Table", "Scope": "Row"})),
                         ctx.plain(affiliation(person), "affiliation",
                                   row.add("TD", keep_empty=True))])
        table = MeasuredTable(rows, colWidths=[name_width, theme.page.text_width - name_width],
                              hAlign="LEFT", splitInRow=1)
        table.setStyle(theme.table_style(
            "name",
            ("RIGHTPADDING", (0, 0), (-1, -1), measure.cell_gap),
            ("TOPPADDING", (0, 0), (-1, -1), measure.row_padding),
            # Name and affiliation differ in size: shift the smaller one onto the same baseline.
            ("TOPPADDING", (1, 0), (1, -1), measure.row_padding + theme["name"].fontSize
             - theme["affiliation"].fontSize),
            ("BOTTOMPADDING", (0, 0), (-1, -1), measure.row_padding),
            ("LINEBELOW", (0, 0), (-1, -1), measure.rule, theme.palette.rule)))
        tables.append(table)
    if tables:  # the short tables read as one: space after the last only
        tables[-1].spaceAfter = theme.body_leading * 0.5
    return tables
