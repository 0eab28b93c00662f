"""Everything the brochure prints that the user did not write: one table per language.

Adding a language is one more entry in LANGUAGES (and 'nl' | 'en' in model.Event.language);
tests check that every language has every label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # as in the YAML file
    locale: str  # Babel locale for dates
    pdf_lang: str  # BCP 47 tag for the PDF's /Lang
    hyphenation: str  # pyphen dictionary
    labels: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.labels[key]

    def date(self, day: dt.date) -> str:
        """'7 april 2011' / '7 April 2011'."""
        from babel.dates import format_date

        return format_date(day, format="long", locale=self.locale)


LANGUAGES: dict[str, Language] = {
    "nl": Language("nl", "nl_NL", "nl-NL", "nl_NL", {
        "contents": "Inhoud",
        "opening": "Opening",
        "agenda": "Agenda",
        "participants": "Deelnemers",
        "guests": "Deelnemers",
        "hosts": "Namens de organisatie",
        "theses": "Stellingen",
        "theses_range": "Stellingen {first}–{last}",
        "thesis": "Stelling {number}",
        "untreated_theses": "Stellingen niet behandeld",
        "conclusions": "Conclusies",
        "closing": "Slotwoord",
        "photos": "Foto’s",
        "colophon": "Colofon",
        "folio": "pagina {page} van {pages}",
        "date_at_venue": "{date} in {venue}",
        "organised_by": "Een kennisdag van",
        "cover_kicker": "Verslag van de kennisdag",
        "subject": "Verslag van de kennisdag van {date} in {venue}, {city}",
        "keywords": "kennisdag, verslag, stellingen",
        "colophon_report": "Verslag van de kennisdag ‘{title}’",
        "colophon_held": "Gehouden op {date} in {venue}, {city}.",
        "colophon_organisers": "Organisatie: {names}.",
        "colophon_photos": "Foto’s: {url}",
        "colophon_built": "Versie van {date}, opgemaakt met kennisdag-pdf {version}.",
        "colophon_built_event": "Versie van {date} (de dag van de kennisdag), "
                                "opgemaakt met kennisdag-pdf {version}.",
        "and": "en",
    }),
    "en": Language("en", "en_GB", "en-GB", "en_GB", {
        "contents": "Contents",
        "opening": "Opening",
        "agenda": "Agenda",
        "participants": "Participants",
        "guests": "Participants",
        "hosts": "Hosts",
        "theses": "Theses",
        "theses_range": "Theses {first}–{last}",
        "thesis": "Thesis {number}",
        "untreated_theses": "Theses not discussed",
        "conclusions": "Conclusions",
        "closing": "Closing words",
        "photos": "Photos",
        "colophon": "Colophon",
        "folio": "page {page} of {pages}",
        "date_at_venue": "{date} at {venue}",
        "organised_by": "A knowledge day by",
        "cover_kicker": "Report of the knowledge day",
        "subject": "Report of the knowledge day of {date} at {venue}, {city}",
        "keywords": "knowledge day, report, theses",
        "colophon_report": "Report of the knowledge day ‘{title}’",
        "colophon_held": "Held on {date} at {venue}, {city}.",
        "colophon_organisers": "Organised by {names}.",
        "colophon_photos": "Photos: {url}",
        "colophon_built": "Version of {date}, typeset with kennisdag-pdf {version}.",
        "colophon_built_event": "Version of {date} (the day of the event), "
                                "typeset with kennisdag-pdf {version}.",
        "and": "and",
    }),
}


def language(code: str) -> Language:
    return LANGUAGES[code]


def join_names(names: list[str], lang: Language) -> str:
    """['A', 'B', 'C'] → 'A, B en C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {lang['and']} " + names[-1]
