"""One personal message per recipient, byte for byte what is sent and what the dry run shows.

    multipart/mixed
      multipart/alternative
        text/plain   the text in the recipient's language, salutation filled in
        text/html    the same text, escaped, as paragraphs
      application/pdf  the screen brochure, under a readable file name

One To and nothing else: no Cc, no Bcc, so no recipient sees another's address. Every byte is
7-bit (quoted-printable and base64), so that no server needs 8BITMIME. The Message-ID is
derived from the event, the PDF's SHA-256 and the address: the same brochure to the same
person always has the same Message-ID, so a duplicate is recognisable in a mailbox or a server
log, and a changed brochure is a different message.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass, field
from functools import cached_property
from email import policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime

from ..errors import BadInput, Problem, format_path
from ..i18n import join_names, language as language_table
from ..sourcemap import SourceMap
from ..model import Event
from .headers import check_header_block, header_problem
from .recipients import Recipient, RecipientList
from .settings import Address, MailSettings, fill, placeholders
from .texts import HTML_PAGE

# CRLF line ends as SMTP wants them, and 7-bit bodies that any server relays unchanged.
_POLICY = policy.SMTP.clone(cte_type="7bit")
# Stands in for the brochure while a message is serialised (57 bytes: one line of base64);
# its line is then replaced by the brochure's base64, encoded once per mailing. The email
# package otherwise encodes and writes the PDF line by line for every message, 20 ms each.
_PLACEHOLDER = hashlib.sha512(b"kennisdag-pdf attachment placeholder").digest()[:57]
_PLACEHOLDER_LINE = binascii.b2a_base64(_PLACEHOLDER, newline=False) + b"\r\n"
# Characters that some file system or mail program does not accept in a file name.
_UNSAFE_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')


@dataclass(frozen=True)
class Brochure:
    event: Event
    pdf: bytes = field(repr=False)
    source_map: SourceMap | None = field(default=None, repr=False)  # to locate event fields

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @cached_property
    def base64_lines(self) -> bytes:
        """The PDF as the email package encodes it (lines of 76 characters, as _POLICY's
        max_line_length gives), with CRLF line ends as it is sent."""
        per_line = _POLICY.max_line_length // 4 * 3
        return b"".join(binascii.b2a_base64(self.pdf[i:i + per_line], newline=False) + b"\r\n"
                        for i in range(0, len(self.pdf), per_line))


@dataclass(frozen=True)
class Outgoing:
    recipient: Recipient
    message_id: str
    data: bytes = field(repr=False)  # CRLF line ends, ready for SMTP DATA and for a .eml file


def message_id(event_id: str, pdf_sha256: str, key: str, domain: str) -> str:
    digest = hashlib.sha256(f"{event_id}\0{pdf_sha256}\0{key}".encode()).hexdigest()[:32]
    return f"<{digest}.{event_id}@{domain}>"


def attachment_name(text: str) -> str:
    """'Verslag kennisdag Social media.' → 'Verslag kennisdag Social media.pdf'."""
    name = " ".join(_UNSAFE_IN_FILE_NAMES.sub(" ", text).split())[:100].rstrip(" .")
    return (name or "brochure") + ".pdf"


def html_body(text: str, subject: str, lang: str) -> str:
    """The plain text as HTML: a blank line starts a paragraph, a line break stays one."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    shown = "\n".join("<p>" + "<br>\n".join(html.escape(line) for line in part.split("\n"))
                      + "</p>" for part in paragraphs)
    return HTML_PAGE.format(lang=html.escape(lang), subject=html.escape(subject),
                            paragraphs=shown)


class Composer:
    """Builds the messages of one mailing: one brochure, one sender, the texts per language."""

    def __init__(self, brochure: Brochure, settings: MailSettings, sender: Address) -> None:
        self.brochure = brochure
        self.settings = settings
        self.sender = sender
        self.domain = sender.email.rpartition("@")[2]

    def language_of(self, recipient: Recipient) -> str:
        return recipient.language or self.brochure.event.language

    def values(self, recipient: Recipient) -> dict[str, str]:
        """What the placeholders of the recipient's texts stand for."""
        code = self.language_of(recipient)
        event = self.brochure.event
        values = {
            "name": recipient.name,
            "title": event.title,
            "date": language_table(code).date(event.date),
            "venue": event.venue,
            "city": event.city,
            "organisers": join_names([o.name for o in event.organisers], language_table(code)),
        }
        values["salutation"] = recipient.salutation or fill(
            self.settings.text(code, "salutation"), values)
        values["attachment"] = attachment_name(fill(self.settings.text(code, "attachment"),
                                                    values))
        return values

    def subject(self, recipient: Recipient) -> str:
        return self._subject(self.language_of(recipient), self.values(recipient))

    def _subject(self, code: str, values: dict[str, str]) -> str:
        return " ".join(fill(self.settings.text(code, "subject"), values).split())

    def check(self, recipients: RecipientList) -> None:
        """Every subject as it will be sent is fit for a header: refused before the first
        message, with the CSV line, rather than halfway through. A subject made unfit by the
        event itself (an encoded word in its title) is reported once, at the event's field,
        not at every line of the CSV, where nothing is wrong."""
        problems = self._event_problems({self.language_of(r) for r in recipients.recipients})
        if problems:
            raise BadInput(problems)
        for recipient in recipients.recipients:
            problem = header_problem(self.subject(recipient))
            if problem:
                problems.append(Problem(recipient.line, 0, "subject", problem, recipients.name))
        if problems:
            raise BadInput(problems)

    def _event_problems(self, languages: set[str]) -> list[Problem]:
        event = self.brochure.event
        fields = {"title": [(("event", "title"), event.title)],
                  "venue": [(("event", "venue"), event.venue)],
                  "city": [(("event", "city"), event.city)],
                  "organisers": [(("event", "organisers", n, "name"), o.name)
                                 for n, o in enumerate(event.organisers)]}
        used: set[str] = set()
        for code in languages:
            subject = placeholders(self.settings.text(code, "subject"))
            if "salutation" in subject:  # the built-in salutation, where the CSV has none
                subject |= placeholders(self.settings.text(code, "salutation"))
            used |= subject
        problems = []
        for key in sorted(used & set(fields)):
            for field_path, value in fields[key]:
                problem = header_problem(value)
                if problem:
                    message = f"{problem}; the mail's subject is made from it"
                    source = self.brochure.source_map
                    problems.append(source.problem(field_path, message) if source else
                                    Problem(0, 0, format_path(field_path), message))
        return problems

    def compose(self, recipient: Recipient) -> Outgoing:
        code = self.language_of(recipient)
        values = self.values(recipient)
        subject = self._subject(code, values)
        text = fill(self.settings.text(code, "body"), values).strip() + "\n"
        ident = message_id(self.brochure.event.id, self.brochure.sha256, recipient.key,
                           self.domain)
        msg = EmailMessage(policy=_POLICY)
        msg["From"] = _header_address(self.sender)
        msg["To"] = _header_address(Address(recipient.name, recipient.email))
        if self.settings.reply_to:
            msg["Reply-To"] = _header_address(self.settings.reply_to)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(dt.datetime.now().astimezone())
        msg["Message-ID"] = ident
        msg.set_content(text)
        msg.add_alternative(html_body(text, subject, code), subtype="html")
        msg.add_attachment(_PLACEHOLDER, maintype="application", subtype="pdf",
                           filename=values["attachment"])
        msg["Content-Language"] = code  # after the parts: making them moves Content-* down
        data = msg.as_bytes()
        check_header_block(data, list(msg.keys()))
        return Outgoing(recipient, ident, _with_brochure(data, self.brochure))


def _with_brochure(data: bytes, brochure: Brochure) -> bytes:
    """The serialised message with the brochure's base64 where the placeholder's line is. The
    attachment is the last part: its body is the last placeholder line, after anything the
    organiser or the CSV wrote, whatever they wrote."""
    at = data.rindex(_PLACEHOLDER_LINE)
    return data[:at] + brochure.base64_lines + data[at + len(_PLACEHOLDER_LINE):]


def _header_address(address: Address) -> HeaderAddress:
    return HeaderAddress(display_name=address.name, addr_spec=address.email)
