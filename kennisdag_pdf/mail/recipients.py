"""The recipients CSV: who gets the brochure, every row checked before anything is sent.

The format every address book and mailing tool exports: a first row naming the columns,
`name` and `email`, optionally `language` and `salutation`, separated by commas (or, as
spreadsheets in Dutch settings save them, semicolons). Addresses live here and nowhere in the
event file, so they can never reach a printed or archived PDF.

A mistake found halfway through a mailing would leave half the list mailed and the rest
waiting for a fix, so every row is checked first and every problem reported at once, each
with its CSV line: an address that is not one, a duplicate, an empty name, a control
character or line break anywhere (header injection, see headers.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import MAX_REPORTED, BadInput, Problem
from ..i18n import LANGUAGES
from .headers import control_problem, header_problem
from .inputs import read_text
from ..units import MB

COLUMNS = ("name", "email", "language", "salutation")
REQUIRED = ("name", "email")
MAX_CSV_BYTES = 20 * MB
# A knowledge day has tens to hundreds of participants; a list past these is the wrong file,
# and reading it out would cost a minute and gigabytes (a million rows, a problem in each).
MAX_RECIPIENTS = 50_000  # rows: checking each address costs about 50 µs
MAX_LINE_CHARS = 10_000  # a name, an address and a salutation take a few hundred
_LONG_LINE = re.compile(r"[^\n]{%d,}" % (MAX_LINE_CHARS + 1))


@dataclass(frozen=True)
class Recipient:
    line: int  # where the row begins in the CSV
    name: str
    email: str  # as validated: ASCII, the domain in lower case
    language: str | None  # None: the event's language
    salutation: str | None  # None: the language's salutation text

    @property
    def key(self) -> str:
        """One message per address: Anna@Example.org and anna@example.org are one person."""
        return self.email.lower()


@dataclass(frozen=True)
class RecipientList:
    name: str  # the CSV as the user would type it
    sha256: str  # of the file's bytes: the journal refuses to resume a different list
    recipients: tuple[Recipient, ...]


def read_recipients(path: Path) -> RecipientList:
    name, raw, text = read_text(path, kind="recipients CSV file", limit=MAX_CSV_BYTES)
    long_line = _LONG_LINE.search(text)
    if long_line:
        raise BadInput.single(name, f"a line of more than {MAX_LINE_CHARS:,} characters; a "
                                    f"recipient's line is far shorter: is it the right file?",
                              line=text.count("\n", 0, long_line.start()) + 1)
    rows = _rows(text, name)
    header_line, header = next(rows, (1, []))
    columns = _columns(header, header_line, name)
    problems: list[Problem] = []
    recipients: list[Recipient] = []
    seen: dict[str, int] = {}
    listed = list(itertools.islice(rows, MAX_RECIPIENTS + 1))  # counted before any check
    if len(listed) > MAX_RECIPIENTS:
        raise BadInput.single(name, f"more than {MAX_RECIPIENTS:,} recipients; a knowledge "
                                    f"day's list is far shorter: is it the right file?",
                              line=listed[-1][0])
    for line, row in listed:
        if len(problems) >= MAX_REPORTED - 1:  # the rest would not be shown: stop reading
            problems.append(Problem(0, 0, "", f"stopped at line {line} after "
                                              f"{len(problems)} problems: is it the right file?",
                                    name))
            break
        recipient = _recipient(columns, row, line, name, problems)
        if recipient is None:
            continue
        if recipient.key in seen:
            problems.append(Problem(line, 0, "email", f"{recipient.email} is already on line "
                                                      f"{seen[recipient.key]}", name))
            continue
        seen[recipient.key] = line
        recipients.append(recipient)
    if problems:
        raise BadInput(problems)
    if not recipients:
        raise BadInput.single(name, "no recipients: the file has only its header row")
    return RecipientList(name, hashlib.sha256(raw).hexdigest(), tuple(recipients))


def _rows(text: str, name: str):
    """(line where the row begins, fields) for every row that is not blank."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for row in reader:
            if any(field.strip() for field in row):
                yield line, row
            line = reader.line_num + 1  # a quoted field may span lines
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            # only a quote never closed makes a field that long, once no line is
            raise BadInput.single(name, f"a quoted field runs on for more than "
                                        f"{csv.field_size_limit() // 1024} kB: is a quote (\") "
                                        f"in this row never closed?", line=line) from None
        raise BadInput.single(name, f"not a valid CSV row: {exc}", line=reader.line_num) from None


def _columns(header: list[str], line: int, name: str) -> list[str]:
    columns = [column.strip().lower() for column in header]
    problems = [Problem(line, 0, "", f"column '{column}' is not one of "
                                     f"{', '.join(COLUMNS)}", name)
                for column in columns if column not in COLUMNS]
    problems += [Problem(line, 0, "", f"column '{column}' appears twice", name)
                 for column in sorted(set(columns)) if columns.count(column) > 1]
    problems += [Problem(line, 0, "", f"no '{column}' column; the first row names the columns: "
                                      f"{','.join(COLUMNS)} (the last two are optional)", name)
                 for column in REQUIRED if column not in columns]
    if problems:
        raise BadInput(problems)
    return columns


def _recipient(columns: list[str], fields: list[str], line: int, name: str,
               problems: list[Problem]) -> Recipient | None:
    """The row as a Recipient, or None with its problems added. Empty fields at the end may
    be left out, as some exports do."""
    if len(fields) > len(columns):
        problems.append(Problem(line, 0, "", f"{len(fields)} fields where the first row names "
                                             f"{len(columns)}; a comma in a name needs quotes "
                                             f"around the name", name))
        return None
    row = dict(zip(columns, fields + [""] * (len(columns) - len(fields))))
    before = len(problems)

    def refuse(field: str, message: str) -> None:
        problems.append(Problem(line, 0, field, message, name))

    unsafe = set()
    for field, value in row.items():
        problem = header_problem(value) if field in ("name", "email") else control_problem(value)
        if problem:
            refuse(field, problem)
            unsafe.add(field)
    full_name = row["name"].strip()
    if not full_name and "name" not in unsafe:
        refuse("name", "is empty")
    email = "" if "email" in unsafe else _address(row["email"].strip(),
                                                  lambda message: refuse("email", message))
    language = row.get("language", "").strip().lower() or None
    if language is not None and "language" not in unsafe and language not in LANGUAGES:
        refuse("language", f"'{language}' is not one of {', '.join(LANGUAGES)} "
                           f"(leave it empty for the event's language)")
    salutation = row.get("salutation", "").strip().rstrip(",").strip() or None
    if len(problems) > before:
        return None
    return Recipient(line, full_name, email, language, salutation)


def _address(text: str, refuse) -> str:
    """The address as validated (syntax only: no DNS look-up, the server is the judge)."""
    from email_validator import EmailNotValidError, validate_email

    if not text:  # the list is the mailing: whoever has no address is not on it
        refuse("is empty; leave out of this file whoever has no address or wants no mail")
        return ""
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        refuse(f"'{text}' is not an email address: {exc}")
        return ""
    return checked.ascii_email or checked.normalized
