"""One message per recipient: headers, language, salutation, the HTML alternative with the
user's text escaped, the brochure attached intact, a Message-ID that marks a duplicate, and the
dry run's outbox."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from mail_helpers import sha256

from kennisdag_pdf.mail.message import Brochure, Composer, attachment_name, message_id
from kennisdag_pdf.mail.outbox import write_outbox
from kennisdag_pdf.mail.recipients import Recipient, RecipientList
from kennisdag_pdf.mail.settings import Address, MailSettings, read_settings

# The loopback server, the test CA and the session's screen brochure (fixtures).
pytest_plugins = ["mail_fixtures"]

SENDER = Address("Kennisdag 2011", "kennisdag@example.org")


def recipient(name="Anna de Vries", email_address="anna@example.org", language=None,
              salutation=None, line=2) -> Recipient:
    return Recipient(line, name, email_address, language, salutation)


@pytest.fixture
def composer(screen_2011) -> Composer:
    return Composer(Brochure(screen_2011.loaded.day.event, screen_2011.pdf),
                    MailSettings(reply_to=Address("", "anna@example.org")), SENDER)


def parsed(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def body(message, kind: str) -> str:
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


def test_a_message_for_one_recipient_in_the_events_language(composer, screen_2011):
    outgoing = composer.compose(recipient())
    message = parsed(outgoing.data)
    assert message["From"] == "Kennisdag 2011 <kennisdag@example.org>"
    assert message["To"] == "Anna de Vries <anna@example.org>"
    assert len(message["To"].addresses) == 1
    assert message["Cc"] is None and message["Bcc"] is None
    assert message["Reply-To"] == "anna@example.org"
    assert message["Subject"] == "Verslag van de kennisdag ‘Social media.’"
    assert message["Content-Language"] == "nl"
    assert message["Message-ID"] == outgoing.message_id
    plain = body(message, "plain")
    assert plain.startswith("Beste Anna de Vries,\n\nHartelijk dank voor uw deelname aan de "
                            "kennisdag ‘Social media.’ op 7 april 2011 in Chateau St. Gerlach")
    html = body(message, "html")
    assert '<html lang="nl">' in html and "<p>Beste Anna de Vries,</p>" in html
    [attachment] = message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Verslag kennisdag Social media.pdf"
    assert sha256(attachment.get_content()) == sha256(screen_2011.pdf)


def test_language_and_salutation_come_from_the_recipient(composer):
    message = parsed(composer.compose(recipient(language="en", salutation="Dear Sarah")).data)
    assert message["Subject"] == "Report of the knowledge day ‘Social media.’"
    assert message["Content-Language"] == "en"
    plain = body(message, "plain")
    assert plain.startswith("Dear Sarah,\n\nThank you for taking part in the knowledge day "
                            "‘Social media.’ on 7 April 2011 at Chateau St. Gerlach")
    [attachment] = message.iter_attachments()
    assert attachment.get_filename() == "Knowledge day report Social media.pdf"


def test_every_byte_is_seven_bit_with_crlf_line_ends(composer):
    data = composer.compose(recipient(name="Zoë Ångström-Ødegård")).data
    assert max(data) < 128
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert parsed(data)["To"].addresses[0].display_name == "Zoë Ångström-Ødegård"


def test_user_text_is_escaped_in_the_html(tmp_path, screen_2011):
    (tmp_path / "mail.yaml").write_text(
        "from: x@example.org\nnl:\n  body: |\n    {salutation},\n\n    <b>bold</b> & co\n",
        encoding="utf-8")
    composer = Composer(Brochure(screen_2011.loaded.day.event, screen_2011.pdf),
                        read_settings(tmp_path), SENDER)
    message = parsed(composer.compose(
        recipient(name='<script>alert("x")</script>', salutation=None)).data)
    html = body(message, "html")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert body(message, "plain").startswith(
        'Beste <script>alert("x")</script>,\n\n<b>bold</b> & co')


def test_the_message_id_marks_the_same_brochure_to_the_same_address(composer, screen_2011):
    first = composer.compose(recipient()).message_id
    assert composer.compose(recipient(email_address="Anna@example.org")).message_id == first
    assert composer.compose(recipient(email_address="bob@example.org")).message_id != first
    changed = message_id("kennisdag-2011", sha256(screen_2011.pdf + b"\n"), "anna@example.org",
                         "example.org")
    assert changed != first
    assert first.endswith(".kennisdag-2011@example.org>")


def test_a_subject_unfit_for_a_header_is_refused_before_sending(tmp_path, screen_2011):
    from kennisdag_pdf.errors import BadInput

    (tmp_path / "mail.yaml").write_text("nl:\n  subject: Voor {name}\n", encoding="utf-8")
    composer = Composer(Brochure(screen_2011.loaded.day.event, screen_2011.pdf),
                        read_settings(tmp_path), SENDER)
    listed = RecipientList("recipients.csv", "0" * 64, (
        recipient(), recipient(name="=?utf-8?q?x=0A?=", email_address="b@example.org", line=3)))
    with pytest.raises(BadInput) as caught:
        composer.check(listed)
    assert caught.value.lines() == ["recipients.csv:3: subject: encoded word =?utf-8?q?x=0A?= "
                                    "hides a line break or control character"]


def test_an_unfit_subject_made_from_the_event_is_reported_once_at_its_field(tmp_path,
                                                                             screen_2011):
    from kennisdag_pdf.errors import BadInput

    event = screen_2011.loaded.day.event.model_copy(
        update={"title": "Social media =?utf-8?q?=0D=0AX-Priority:_1?="})
    listed = RecipientList("recipients.csv", "0" * 64, (
        recipient(), recipient(email_address="b@example.org", language="en", line=3)))
    composer = Composer(Brochure(event, screen_2011.pdf), MailSettings(), SENDER)
    with pytest.raises(BadInput) as caught:
        composer.check(listed)
    assert caught.value.lines() == ["event.title: encoded word =?utf-8?q?=0D=0AX-Priority:_1?= "
                                    "hides a line break or control character; the mail's "
                                    "subject is made from it"]
    (tmp_path / "mail.yaml").write_text("nl:\n  subject: Het verslag\nen:\n  subject: The "
                                        "report\n", encoding="utf-8")
    Composer(Brochure(event, screen_2011.pdf), read_settings(tmp_path), SENDER).check(listed)


@pytest.mark.parametrize("text, name", [
    ("Verslag kennisdag Social media.", "Verslag kennisdag Social media.pdf"),
    ("Report: A/B testing?", "Report A B testing.pdf"),
    ("...", "brochure.pdf"),
])
def test_attachment_names_are_readable_and_safe(text, name):
    assert attachment_name(text) == name


def test_the_outbox_holds_this_dry_run_beside_the_organisers_own_files(tmp_path, composer):
    folder = tmp_path / "outbox"
    folder.mkdir()
    mine = {"001-old@example.org.eml": b"named like ours, but not ours", "notes.txt": b"mine",
            "draft.eml": b"the organiser's own"}
    for name, data in mine.items():
        (folder / name).write_bytes(data)
    people = [recipient(), recipient(name="Bob", email_address="bob+kd@example.org", line=3)]
    written = write_outbox(folder, people, composer.compose).written
    assert [p.name for p in written] == ["001-anna@example.org.eml",
                                         "002-bob+kd@example.org.eml"]
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        ["001-anna@example.org.eml", "002-bob+kd@example.org.eml", *mine])
    assert all((folder / name).read_bytes() == data for name, data in mine.items())
    assert parsed(Path(written[1]).read_bytes())["To"] == "Bob <bob+kd@example.org>"


@pytest.mark.parametrize("size", [0, 1, 56, 57, 58, 114, 1000, None])
def test_the_brochure_is_attached_as_the_email_package_encodes_it(screen_2011, monkeypatch,
                                                                  size):
    """The brochure's base64 is made once per mailing and put where a placeholder stood: the
    message must be, byte for byte, what the email package makes of the whole PDF."""
    import random

    from kennisdag_pdf.mail import message as module

    pdf = screen_2011.pdf if size is None else bytes(i % 256 for i in range(size))
    composer = Composer(Brochure(screen_2011.loaded.day.event, pdf), MailSettings(), SENDER)
    monkeypatch.setattr(module, "format_datetime", lambda moment: "Sun, 06 Dec 2026 20:00:00 "
                                                                   "+0000")
    random.seed(7)  # the MIME boundaries
    fast = composer.compose(recipient()).data
    monkeypatch.setattr(module, "_PLACEHOLDER", pdf)
    monkeypatch.setattr(module, "_with_brochure", lambda data, brochure: data)
    random.seed(7)
    assert fast == composer.compose(recipient()).data
    [attachment] = parsed(fast).iter_attachments()
    assert attachment.get_content() == pdf
