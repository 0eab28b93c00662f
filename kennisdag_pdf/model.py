"""The knowledge day as typed data: what the YAML file may say, with no layout knowledge.

Two kinds of text: *plain* fields (titles, names, statements, list items) print exactly as
written; *body* fields hold Markdown paragraphs (emphasis, strong, links). Both are checked here
for characters that have no business in a brochure (control characters, bidi overrides, …).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict,
                      StringConstraints)
from pydantic_core import PydanticCustomError

PLAIN_MAX = 600  # a thesis statement is the longest plain text: a few lines
BODY_MAX = 20_000  # about eight pages of text in one field; more is a pasted file
BODY_PROBLEMS_SHOWN = 3  # of one body field's Markdown problems, in its one line
URL_MAX = 500  # any address: event.photos_url and every link in a body field
# A description of an image is read aloud in one go, with no way to skim it: two or three
# sentences. What needs more belongs in a caption or the text, where every reader has it.
ALT_MAX = 300
# How many items each list may hold: about twice the largest event we build (`make bench`'s
# 5,000-page event has 4,494 theses and 11,556 participants; bench/synthetic.py), far below
# what takes hours and gigabytes (a megabyte of one-letter untreated theses made 20,168
# pages in 160 s and 1.8 GB).
MAX_ITEMS = {
    "organisers": 20,
    "agenda": 200,
    "agenda_items": 100,
    "participants": 20_000,
    "chapters": 200,
    "theses": 10_000,
    "untreated_theses": 2_000,
    "conclusions_points": 1_000,
    "photos": 500,
}

# Bidi controls can reorder what the reader sees (Trojan Source, CVE-2021-42574).
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A soft hyphen is a deliberate hyphenation hint, the only invisible format character we keep.
SOFT_HYPHEN = "\u00ad"
_ALLOWED_FORMAT = {SOFT_HYPHEN}
# The object replacement character stands in for an embedded object (a picture pasted from a
# word processor): a YAML file cannot carry the object, and a reader gets nothing from it
# (PDFium does not even extract it).
_PLACEHOLDER = "\ufffc"
# What the message calls a character that has no name of its own.
_UNNAMED = {"Cc": "control character", "Co": "private use character",
            "Cn": "unassigned character"}


def _bad_character(text: str, *, allow_newlines: bool) -> str | None:
    # Nearly all text is printable (no control, format, private-use, unassigned or separator
    # character other than the space): str.isprintable() says so in C, character by
    # character in Python is only needed for the rest.
    plain = text.replace("\n", "").replace("\t", "") if allow_newlines else text
    if plain.isprintable() and _PLACEHOLDER not in plain:
        return None
    for ch in text:
        if ch in "\n\t" and allow_newlines:
            continue
        cat = unicodedata.category(ch)
        if ch in _BIDI or ch == _PLACEHOLDER or cat in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or (
            cat == "Cf" and ch not in _ALLOWED_FORMAT
        ):
            name = unicodedata.name(ch, "") or _UNNAMED.get(cat, "unnamed character")
            return f"character U+{ord(ch):04X} ({name}) is not allowed"
    return None


# Recipients live in their own file (the mail step): an address in the brochure data would be
# printed, archived and mailed to everyone. An address is a local part, '@' and a domain of two
# or more dot-separated labels. The scan starts at each '@' instead of letting one regular
# expression search for the local part: that search tries every start in a run of letters and
# rescans the run from each (quadratic: '@' + 20,000 letters took 1.6 s). Here each character
# is looked at a bounded number of times, since neither part can hold an '@': a domain match
# stops at the next one, and the local part is walked back once, for the one address reported.
_LOCAL_CHAR = re.compile(r"[\w.+-]")
# Unambiguous: a label ([\w-]+) cannot hold the '.' that ends it, so a failed match gives back
# each character once.
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")


def email_address(text: str) -> str | None:
    """The first thing in text that looks like an e-mail address, in time linear in len(text)."""
    at = text.find("@")
    while at != -1:
        domain = _DOMAIN.match(text, at + 1)
        if domain and at > 0 and _LOCAL_CHAR.match(text, at - 1):
            start = at - 1
            while start > 0 and _LOCAL_CHAR.match(text, start - 1):
                start -= 1
            return text[start:domain.end()]
        at = text.find("@", at + 1)
    return None


def _clean(text: str, *, allow_newlines: bool) -> str:
    text = unicodedata.normalize("NFC", text).strip()
    # Soft hyphens are invisible: a title of nothing else would print as nothing.
    if not text.replace(SOFT_HYPHEN, "").strip():
        raise PydanticCustomError("empty_text", "must not be empty")
    bad = _bad_character(text, allow_newlines=allow_newlines)
    if bad:
        raise PydanticCustomError("bad_character", bad)
    address = email_address(text)
    if address:
        raise PydanticCustomError(
            "email_address", "'{address}' looks like an e-mail address; addresses do not "
                             "belong in the brochure data (recipients live in their own file)",
            {"address": address if len(address) <= 60 else address[:59] + "…"})
    return text


def _plain(text: str) -> str:
    # A folded YAML scalar may carry line breaks into a title: they are spaces in print.
    return _clean(text, allow_newlines=True)


# Where a link address longer than URL_MAX could stand: after '](' (a bare or <…> address) or
# '<' (an autolink), 42 characters or more: percent-encoding makes at most 12 of one (a 4-byte
# character), 12 × 41 < 500. Only a body that has one is parsed as Markdown to measure its
# links exactly: most have none, and need neither markdown-it nor its time. Linear: each
# match attempt reads at most the whitespace after '](' and 42 characters.
_MAY_HOLD_LONG_LINK = re.compile(r"\]\([ \t\n]*(?:<[^\n]{42}|[^ \t\n]{42})|<[^<> \t\n]{42}")


def _body(text: str) -> str:
    text = _clean(text, allow_newlines=True)
    from .text import body_problems, link_targets

    # Nothing the writer asked for is dropped in silence: a heading, an image or a link the
    # brochure cannot make is refused, with where it is and what to write instead.
    problems = body_problems(text)
    if problems:
        said = "; ".join(problems[:BODY_PROBLEMS_SHOWN])
        if len(problems) > BODY_PROBLEMS_SHOWN:
            said += f"; and {len(problems) - BODY_PROBLEMS_SHOWN:,} more in this text"
        raise PydanticCustomError("markdown", "{problems}", {"problems": said})
    # One limit for every address: print turns each link into a QR code, which cannot hold
    # much more than 2,000 characters ("code length overflow" halfway through a build).
    if not _MAY_HOLD_LONG_LINK.search(text):
        return text
    for href in link_targets(text):
        if len(href) > URL_MAX:
            raise PydanticCustomError(
                "url_too_long", "a link's address is {length} characters long (as written "
                                "into the PDF); at most {limit} are allowed: link to a shorter "
                                "address", {"length": len(href), "limit": URL_MAX})
    return text


PlainText = Annotated[
    str, StringConstraints(max_length=PLAIN_MAX), AfterValidator(_plain),
    Field(description="Plain text: printed exactly as written."),
]
# Never drawn (it is the image's text for readers who cannot see it), checked as plain text.
AltText = Annotated[
    str, StringConstraints(max_length=ALT_MAX), AfterValidator(_plain),
    Field(description="What the image shows, in a sentence, for readers who cannot see it "
                      "(screen readers read it aloud); not printed."),
]
BodyText = Annotated[
    str, StringConstraints(max_length=BODY_MAX), AfterValidator(_body),
    Field(description="Markdown paragraphs separated by blank lines; bulleted (- ) and "
                      "numbered (1. ) lists; inline *emphasis*, **strong** and "
                      "[links](https://…); raw HTML is printed as text."),
]


def _slug(text: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", text):
        raise PydanticCustomError(
            "slug", "'{value}' is not a slug: use lowercase letters, digits and single "
                    "hyphens, such as kennisdag-2011", {"value": text})
    return text


def _url(text: str) -> str:
    text = text.strip()
    bad = _bad_character(text, allow_newlines=False)
    if bad or any(ch.isspace() for ch in text):
        raise PydanticCustomError("url", "a URL may not contain spaces or control characters")
    try:
        parts = urlsplit(text)
    except ValueError:  # an unclosed '[' of an IPv6 address, for one
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise PydanticCustomError(
            "url", "'{value}' is not a web address starting with https://", {"value": text})
    return text


# A web address where a file belongs: the brochure is built offline, from files beside the YAML.
_WEB_ADDRESS = re.compile(r"(?:https?|ftps?)://", re.IGNORECASE)


def _relative_path(text: str) -> str:
    text = text.strip()
    if not text:
        raise PydanticCustomError("path", "must be a file name relative to the YAML file")
    # A line break (a quoted "\n", a folded block) would split the path in every message.
    bad = _bad_character(text, allow_newlines=False)
    if bad:
        raise PydanticCustomError("bad_character", bad)
    if _WEB_ADDRESS.match(text):
        raise PydanticCustomError(
            "path", "'{value}' is a web address; images are never downloaded: save the image "
                    "in assets/ and give that path", {"value": text})
    if text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
        raise PydanticCustomError(
            "path", "'{value}' is an absolute path; give a path relative to the YAML file",
            {"value": text})
    return text


def _true_or_false(value: object) -> object:
    # Only the words true and false (in any case): pydantic would also take yes, on, 1, y and
    # their opposites, and a 'NO' or 'ja' must not quietly become a yes or no.
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise PydanticCustomError("bool_parsing", "'{value}' is not true or false",
                                  {"value": value})
    return value  # a bool from code passes; anything else fails the strict check


Flag = Annotated[bool, BeforeValidator(_true_or_false), Strict()]
Slug = Annotated[str, StringConstraints(max_length=64), AfterValidator(_slug)]
Url = Annotated[str, StringConstraints(max_length=URL_MAX), AfterValidator(_url)]
AssetPath = Annotated[
    str, StringConstraints(max_length=255), AfterValidator(_relative_path),
    Field(description="Path of an image (PNG or JPEG) relative to the YAML file, inside its "
                      "folder, such as assets/logo.png."),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organiser(_Model):
    name: PlainText
    logo: AssetPath | None = None
    logo_alt: AltText | None = Field(
        None, description="What the logo shows, for readers who cannot see it; without it "
                          "they hear the organiser's name.")
    name_in_logo: Flag = Field(
        False, description="true: the logo spells the organiser's name, so the cover prints "
                           "the logo alone; otherwise the name is printed under the logo.")


class Event(_Model):
    id: Slug = Field(description="Short name used for output files, the archive and mail.")
    title: PlainText
    subtitle: PlainText | None = None
    date: dt.date = Field(description="ISO date: YYYY-MM-DD.")
    venue: PlainText
    city: PlainText
    language: Literal["nl", "en"]
    organisers: list[Organiser] = Field(min_length=1, max_length=MAX_ITEMS["organisers"])
    photos_url: Url | None = None
    cover_image: AssetPath | None = Field(
        None, description="A photo or picture set full-bleed across the top of the cover.")
    cover_image_alt: AltText | None = Field(
        None, description="What the cover picture shows, in a sentence, for readers who "
                          "cannot see it; validate warns when a cover picture has none.")


class AgendaItem(_Model):
    title: PlainText
    items: list[PlainText] = Field(default_factory=list, max_length=MAX_ITEMS["agenda_items"],
                                   description="Sub-items, lettered a., b., … in print.")


class Participant(_Model):
    name: PlainText
    organisation: PlainText | None = None
    role: PlainText | None = None
    host: Flag = Field(False, description="Hosts are listed after the guests.")
    sort_as: PlainText | None = Field(
        None, description="Overrides the surname used for sorting (rarely needed).")
    listed: Flag = Field(
        True, description="false: someone who asked not to be named. Kept in your file, "
                          "printed in no PDF and left out of the archive's copy of the source.")


class Chapter(_Model):
    title: PlainText
    body: BodyText


class Thesis(_Model):
    statement: PlainText
    body: BodyText


class Photo(_Model):
    image: AssetPath
    caption: PlainText | None = None
    alt: AltText | None = Field(
        None, description="What the photo shows, for readers who cannot see it; without it "
                          "they hear the caption.")


class Conclusions(_Model):
    intro: BodyText | None = None
    points: list[BodyText] = Field(min_length=1, max_length=MAX_ITEMS["conclusions_points"])


class KnowledgeDay(_Model):
    """One knowledge day: the whole content of one brochure."""

    event: Event
    lead: BodyText | None = Field(None, description="Opening paragraph(s), before the agenda.")
    agenda: list[AgendaItem] = Field(default_factory=list, max_length=MAX_ITEMS["agenda"])
    opening: BodyText | None = Field(None, description="Opening words, after the agenda.")
    participants_intro: BodyText | None = None
    participants: list[Participant] = Field(default_factory=list,
                                            max_length=MAX_ITEMS["participants"])
    chapters: list[Chapter] = Field(default_factory=list, max_length=MAX_ITEMS["chapters"],
                                    description="Free chapters placed before the theses.")
    theses: list[Thesis] = Field(default_factory=list, max_length=MAX_ITEMS["theses"])
    untreated_theses: list[PlainText] = Field(default_factory=list,
                                              max_length=MAX_ITEMS["untreated_theses"])
    conclusions: Conclusions | None = None
    closing: BodyText | None = Field(None, description="Closing words.")
    photos_note: PlainText | None = Field(
        None, description="Sentence pointing to the photos; a link when event.photos_url is set.")
    photos: list[Photo] = Field(default_factory=list, max_length=MAX_ITEMS["photos"],
                                description="Photos of the day, printed on their own pages.")

    @property
    def listed_participants(self) -> list[Participant]:
        """The participants the brochure may name (privacy: `listed: false` is never printed)."""
        return [p for p in self.participants if p.listed]


SourcePath = tuple[str | int, ...]


# --- alternative text --------------------------------------------------------------------------
# What a reader who cannot see an image hears instead (a tagged PDF's /Alt). Only what the file
# says about the image is honest: a description written for it, or a text printed with it
# (a caption, the organiser's name that a logo stands for). Never a file name or the word
# "image": None says there is nothing, and validate warns.

def _spoken(text: str | None) -> str | None:
    # As print shows it: a folded line break is a space, and a soft hyphen is a hint for the
    # typesetter that a screen reader would only stumble over.
    return " ".join(text.replace(SOFT_HYPHEN, "").split()) if text else None


def cover_alt_text(event: Event) -> str | None:
    """The cover picture's alternative text: cover_image_alt; None without a cover picture
    or a description of it."""
    return _spoken(event.cover_image_alt) if event.cover_image else None


def logo_alt_text(organiser: Organiser) -> str | None:
    """A logo's alternative text: logo_alt, else the organiser's name (a logo stands for
    it); None without a logo."""
    return _spoken(organiser.logo_alt or organiser.name) if organiser.logo else None


def photo_alt_text(photo: Photo) -> str | None:
    """A photo's alternative text: alt, else its caption; None when it has neither."""
    return _spoken(photo.alt or photo.caption)


def alt_texts(day: KnowledgeDay) -> list[tuple[SourcePath, str, str | None]]:
    """Every image the brochure places: the field that names it, its file as written there,
    and its alternative text (None: nothing honest to say); logos, cover picture, photos."""
    event = day.event
    found: list[tuple[SourcePath, str, str | None]] = [
        (("event", "organisers", i, "logo"), org.logo, logo_alt_text(org))
        for i, org in enumerate(event.organisers) if org.logo]
    if event.cover_image:
        found.append((("event", "cover_image"), event.cover_image, cover_alt_text(event)))
    found += [(("photos", i, "image"), photo.image, photo_alt_text(photo))
              for i, photo in enumerate(day.photos)]
    return found
