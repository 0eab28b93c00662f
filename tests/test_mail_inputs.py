"""The mail step's inputs: the recipients CSV, mail.yaml, the texts per language, and our own
header-injection checks, all refused with a located one-line message before anything is sent."""

from __future__ import annotations

import base64
import string

import pytest

from kennisdag_pdf.errors import BadInput
from kennisdag_pdf.i18n import LANGUAGES
from kennisdag_pdf.mail.headers import HeaderInjection, check_header_block, header_problem
from kennisdag_pdf.mail.recipients import read_recipients
from kennisdag_pdf.mail.settings import fill, parse_address, read_settings, template_problem
from kennisdag_pdf.mail.texts import DERIVED, MAIL_TEXTS, PLACEHOLDERS


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Messages name files as the user would type them: relative to the working folder."""
    monkeypatch.chdir(tmp_path)


def problems(path) -> list[str]:
    with pytest.raises(BadInput) as caught:
        read_recipients(path)
    return caught.value.lines()


def csv_file(tmp_path, text: str, encoding="utf-8"):
    path = tmp_path / "recipients.csv"
    path.write_bytes(text.encode(encoding))
    return path


# --- the texts table ------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_language_has_every_mail_text(code):
    assert set(MAIL_TEXTS) == set(LANGUAGES)
    assert set(MAIL_TEXTS[code]) == set(MAIL_TEXTS["nl"])
    for key, text in MAIL_TEXTS[code].items():
        assert text.strip()
        assert template_problem(text, key) is None, (code, key)
        used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        assert used <= set(PLACEHOLDERS)
        if key in DERIVED:
            assert not used & set(DERIVED)


def test_fill_knows_no_attribute_access_and_keeps_doubled_braces():
    assert template_problem("{name.__class__}", "body") is not None
    assert fill("{{literal}} {name}", {"name": "Anna"}) == "{literal} Anna"


# --- the recipients CSV ---------------------------------------------------------------------

def test_the_template_csv_reads(tmp_path):
    from kennisdag_pdf.new import TEMPLATES

    listed = read_recipients(TEMPLATES / "recipients.csv")
    assert [(r.line, r.name, r.email, r.language, r.salutation) for r in listed.recipients] == [
        (2, "Anna de Vries", "anna@example.org", "nl", "Beste Anna"),
        (3, "Pieter Jansen", "pieter@example.org", "nl", None),
        (4, "Sarah Baker", "sarah@example.org", "en", "Dear Sarah"),
    ]
    assert len(listed.sha256) == 64


def test_empty_fields_at_the_end_may_be_left_out(tmp_path):
    path = csv_file(tmp_path, "name,email,language,salutation\nEva,eva@example.org\n")
    [eva] = read_recipients(path).recipients
    assert (eva.name, eva.email, eva.language, eva.salutation) == (
        "Eva", "eva@example.org", None, None)


def test_spreadsheet_exports_read_too(tmp_path):
    """A byte-order mark, semicolons, capitals in the header, blank lines, quoted fields."""
    path = csv_file(tmp_path, '\ufeffName;Email\n"Vries; Anna de";anna@example.org\n\n'
                              'Jan;JAN@Example.ORG\n')
    listed = read_recipients(path)
    assert [(r.line, r.name, r.email) for r in listed.recipients] == [
        (2, "Vries; Anna de", "anna@example.org"), (4, "Jan", "JAN@example.org")]
    assert listed.recipients[1].key == "jan@example.org"


def test_every_problem_is_reported_with_its_line(tmp_path):
    path = csv_file(tmp_path, "name,email,language,salutation\n"
                              "Anna,anna@example.org,nl,\n"
                              ",nobody@example.org,,\n"
                              "Bob,bob@example,en,\n"
                              "Carla,ANNA@example.org,,\n"
                              "Dirk,dirk@example.org,de,\n"
                              "Eva,eva@example.org,nl,Hoi Eva,x\n"
                              '"Multi\nline",multi@example.org,,\n'
                              "Fons,fons@example.org,,Hoi\tFons\n")
    assert problems(path) == [
        "recipients.csv:3: name: is empty",
        "recipients.csv:4: email: 'bob@example' is not an email address: The part after the "
        "@-sign is not valid. It should have a period.",
        "recipients.csv:5: email: ANNA@example.org is already on line 2",
        "recipients.csv:6: language: 'de' is not one of nl, en (leave it empty for the "
        "event's language)",
        "recipients.csv:7: 5 fields where the first row names 4; a comma in a name needs "
        "quotes around the name",
        "recipients.csv:8: name: line break (U+000A) is not allowed in a mail's fields",
        "recipients.csv:10: salutation: character U+0009 (control character) is not allowed",
    ]


def test_a_row_without_an_address_says_how_to_leave_someone_out(tmp_path):
    """G8: a participant without an address (or who wants no mail) is not on the list; a
    silent skip would look the same as a forgotten address."""
    path = csv_file(tmp_path, "name,email\nAnna,anna@example.org\nPiet Puk,\nKlaas Vaak\n")
    message = "email: is empty; leave out of this file whoever has no address or wants no mail"
    assert problems(path) == [f"recipients.csv:3: {message}", f"recipients.csv:4: {message}"]


@pytest.mark.parametrize("header, message", [
    ("name,e-mail", "column 'e-mail' is not one of name, email, language, salutation"),
    ("name", "no 'email' column; the first row names the columns"),
    ("name,email,email", "column 'email' appears twice"),
])
def test_the_header_row_names_the_columns(tmp_path, header, message):
    path = csv_file(tmp_path, f"{header}\nAnna,anna@example.org\n")
    assert any(line.startswith(f"recipients.csv:1: {message}") for line in problems(path))


@pytest.mark.parametrize("text, message", [
    ("name,email\n", "recipients.csv: no recipients: the file has only its header row"),
    ("name,email\n,\n \n", "recipients.csv: no recipients: the file has only its header row"),
    ("", "recipients.csv: file is empty"),
])
def test_empty_files_are_refused(tmp_path, text, message):
    assert problems(csv_file(tmp_path, text)) == [message]


def test_a_csv_in_a_local_code_page_is_refused_with_its_line(tmp_path):
    path = csv_file(tmp_path, "name,email\nAnna,anna@example.org\nJosé,jose@example.org\n",
                    "cp1252")
    assert problems(path) == ["recipients.csv:3:4: byte 0xE9 is not UTF-8; save the file as "
                              "UTF-8"]
    path.write_bytes("name,email\n".encode("utf-16"))
    assert problems(path) == ["recipients.csv: file is saved as UTF-16; save it as UTF-8"]


# The event file's decoder reads the mail files too: what it tells apart, it tells apart here.
@pytest.mark.parametrize("raw, message", [
    ("name,email\n".encode("utf-16-le"), "file is saved as UTF-16; save it as UTF-8"),
    ("name,email\n".encode("utf-32"), "file is saved as UTF-32; save it as UTF-8"),
    (b"%PDF-1.7\n", "is a PDF, not a recipients CSV file"),
    (b"PK\x03\x04rest", "is a ZIP archive or an Office document, not a recipients CSV file"),
    (b"name,email\rAnna,anna@example.org\r\xe9", "3:1: byte 0xE9 is not UTF-8; save the file "
                                                   "as UTF-8"),
])
def test_the_mail_files_share_the_event_files_decoder(tmp_path, raw, message):
    path = csv_file(tmp_path, "")
    path.write_bytes(raw)
    assert problems(path) == [f"recipients.csv:{message}" if message[0].isdigit() else
                              f"recipients.csv: {message}"]


def test_addresses_that_need_smtputf8_are_refused(tmp_path):
    path = csv_file(tmp_path, "name,email\nJosé,josé@example.org\nBücher,a@bücher.de\n")
    [line] = problems(path)
    assert line.startswith("recipients.csv:2: email: 'josé@example.org' is not an email "
                           "address: Internationalized characters before the @-sign")


# Header injection: a raw line break, one hidden in an RFC 2047 encoded word (Q or base64, any
# case), and other separators a mail program may treat as one.
def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


INJECTIONS = [
    "Anna\r\nBcc: everyone@example.net",
    "Anna\nBcc: everyone@example.net",
    "Anna\rBcc: everyone@example.net",
    "Anna\x85Bcc: everyone@example.net",
    "Anna\u2028Bcc: everyone@example.net",
    "Anna\x00",
    "=?utf-8?q?Anna=0D=0ABcc:_everyone@example.net?=",
    "=?UTF-8?Q?Anna=0aBcc:_everyone@example.net?=",
    "=?iso-8859-1?q?Anna=0D=0A?=",
    f"=?utf-8?b?{_b64('Anna' + chr(13) + chr(10) + 'Bcc: everyone@example.net')}?=",
    f"=?utf-8?B?{_b64('Anna' + chr(10))}?=",
    f"Anna =?utf-8?b?{_b64(chr(0x2028))}?=",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_header_injection_in_a_name_is_refused_with_its_line(tmp_path, payload):
    path = tmp_path / "recipients.csv"
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("name", "email"), ("Ok", "ok@example.org"),
                                      (payload, "anna@example.org")])
    [line] = problems(path)
    assert line.startswith("recipients.csv:3: name: ")
    assert "line break" in line or "control character" in line or "hides" in line


@pytest.mark.parametrize("payload", INJECTIONS[:4] + ["anna@example.org\r\nBcc: x@example.net",
                                                      "=?utf-8?q?anna=0D=0A?=@example.org"])
def test_header_injection_in_an_address_is_refused(tmp_path, payload):
    path = tmp_path / "recipients.csv"
    path.write_text('name,email\nAnna,"' + payload.replace('"', '""') + '"\n', encoding="utf-8",
                    newline="")
    [line] = problems(path)
    assert line.startswith("recipients.csv:2: email: ")


def test_harmless_encoded_words_are_refused_too_and_plain_names_pass():
    assert "write plain text" in header_problem("=?utf-8?q?Anna?=")
    for name in ("José Müller-Lüdenscheidt", "O'Brien, Anna", "Anna (organiser) <x>", "李小龙"):
        assert header_problem(name) is None
    assert "U+202E" in header_problem("Anna \u202etxt.exe")


@pytest.mark.parametrize("text, message", [
    ("Anna\u200b de Vries", "character U+200B (ZERO WIDTH SPACE) is not allowed"),
    ("Anna\ufeff", "character U+FEFF (ZERO WIDTH NO-BREAK SPACE) is not allowed"),
    ("Anna\U000e0041", "character U+E0041 (TAG LATIN CAPITAL LETTER A) is not allowed"),
    ("Anna\ue000", "character U+E000 (private use character) is not allowed"),
])
def test_invisible_characters_are_refused_as_in_the_event_file(tmp_path, text, message):
    """Format (Cf), private-use and unassigned characters, as model._bad_character refuses
    them in the event file (A15): invisible in a name that looks like any other."""
    assert header_problem(text) == message
    path = csv_file(tmp_path, f"name,email,language,salutation\n{text},anna@example.org,,"
                              f"Beste {text}\n")
    assert problems(path) == [f"recipients.csv:2: name: {message}",
                              f"recipients.csv:2: salutation: {message}"]
    assert header_problem("Zoë Ångström-Ødegård, Wil\u00adlem") is None  # a soft hyphen is kept


def test_a_finished_header_block_must_hold_exactly_the_headers_set():
    good = b"From: a@example.org\r\nSubject: x\r\n folded\r\n\r\nbody\r\n"
    check_header_block(good, ["From", "Subject"])
    for bad in (b"From: a@example.org\r\nBcc: b@example.org\r\nSubject: x\r\n\r\n",
                b"From: a@example.org\nBcc: b@example.org\r\nSubject: x\r\n\r\n",
                b"From: a@example.org\r\nSubject: x\rBcc: b\r\n\r\n",
                b"From: a@example.org\r\nno colon here\r\nSubject: x\r\n\r\n",
                b"From: a@example.org\r\nFrom: b@example.org\r\n\r\n"):
        with pytest.raises(HeaderInjection):
            check_header_block(bad, ["From", "Subject"])


# --- mail.yaml ------------------------------------------------------------------------------

def settings_problems(tmp_path, text: str) -> list[str]:
    (tmp_path / "mail.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        read_settings(tmp_path)
    return caught.value.lines()


def test_mail_yaml_sets_sender_reply_to_and_texts(tmp_path):
    (tmp_path / "mail.yaml").write_text(
        "from: '\"Kennisdag, 2011\" <kennisdag@example.org>'\n"
        "reply_to: anna@Example.org\n"
        "en:\n"
        "  subject: The report of {title}\n"
        "  body: |\n"
        "    {salutation},\n\n"
        "    Here it is: {{attached}}.\n", encoding="utf-8")
    settings = read_settings(tmp_path)
    assert (settings.sender.name, settings.sender.email) == ("Kennisdag, 2011",
                                                             "kennisdag@example.org")
    assert (settings.reply_to.name, settings.reply_to.email) == ("", "anna@example.org")
    assert settings.text("en", "subject") == "The report of {title}"
    assert settings.text("en", "body") == "{salutation},\n\nHere it is: {{attached}}."
    assert settings.text("nl", "subject") == MAIL_TEXTS["nl"]["subject"]
    assert read_settings(tmp_path / "nowhere").sender is None


def test_mail_yaml_problems_are_located_by_line(tmp_path):
    lines = settings_problems(tmp_path, (
        "from: Kennisdag <kennisdag@example>\n"
        "bcc: everyone@example.org\n"
        "nl:\n"
        "  subject: |\n"
        "    Verslag\n"
        "    Bcc: everyone@example.org\n"
        "  body: Beste {naam}\n"
        "  footer: x\n"
        "en:\n"
        "  subject: 2011\n"
        "  body: 'Hi {salutation}'\n"
        "  body: 'twice'\n"))
    assert lines == [
        "mail.yaml:1: from: 'Kennisdag <kennisdag@example>' is not an email address: The part "
        "after the @-sign is not valid. It should have a period.",
        "mail.yaml:2: bcc: unknown key; the keys are from, reply_to, nl, en, smtp_auth, "
        "token_command, via, provider, client_id, tenant",
        "mail.yaml:4: nl.subject: line break (U+000A) is not allowed in a mail's fields",
        "mail.yaml:7: nl.body: unknown placeholder {naam} here; known: {salutation}, {name}, "
        "{title}, {date}, {venue}, {city}, {organisers}, {attachment} (write {{ and }} for a "
        "brace)",
        "mail.yaml:8: nl.footer: unknown key; the keys are subject, salutation, body, "
        "attachment",
        "mail.yaml:10: en.subject: must be text (put it in quotes if it looks like a number or "
        "a date)",
        "mail.yaml:12: en.body: appears twice (also on line 11)",
    ]


@pytest.mark.parametrize("text, message", [
    ("from: [unclosed\n", "mail.yaml:2: not valid YAML: "),
    ("- a list\n", "mail.yaml:1: expected a mapping with the keys from, reply_to, nl, en"),
    ("from: !!python/object:os.system x\n", "mail.yaml:1: not valid YAML: could not "
                                            "determine a constructor"),
    ("nl: text\n", "mail.yaml:1: nl: must be a mapping with the keys subject, salutation"),
    ("nl:\n  salutation: Beste {salutation}\n", "mail.yaml:2: nl.salutation: unknown "
                                                "placeholder {salutation}"),
    ("reply_to: =?utf-8?q?a=0D=0A?= <a@example.org>\n", "mail.yaml:1: reply_to: encoded "
                                                         "word"),
    ("nl:\n  body: Hoi\n  subject: a\x01b\n", "mail.yaml:3: character U+0001 (control "
                                              "character) is not allowed"),
])
def test_mail_yaml_refuses(tmp_path, text, message):
    assert settings_problems(tmp_path, text)[0].startswith(message)


def test_mail_yaml_names_whose_sign_in(tmp_path):
    """provider, client_id and tenant: for `kennisdag-pdf login` and the mailing's choice of
    the kept sign-in (docs/mail.md, section 6)."""
    (tmp_path / "mail.yaml").write_text(
        "provider: microsoft\nclient_id: 00000000-0000-0000-0000-000000000000\n"
        "tenant: example.org\n", encoding="utf-8")
    settings = read_settings(tmp_path)
    assert (settings.provider, settings.client_id, settings.tenant) == (
        "microsoft", "00000000-0000-0000-0000-000000000000", "example.org")
    assert settings_problems(tmp_path, "provider: yahoo\nclient_id: 12345\n"
                                       "tenant: 'example org'\n") == [
        "mail.yaml:1: provider: 'yahoo' is not one of microsoft, google",
        "mail.yaml:2: client_id: must be text (put it in quotes if it looks like a number)",
        "mail.yaml:3: tenant: 'example org' is not a tenant's domain or id, such as "
        "example.org",
    ]
    assert settings_problems(tmp_path, "client_id: 'a/b'\n") == [
        "mail.yaml:1: client_id: 'a/b' is not a client id, such as "
        "00000000-0000-0000-0000-000000000000 or 1234-abcd.apps.googleusercontent.com"]
    assert settings_problems(tmp_path, "from: k@example.org\nprovider: google\n"
                                       "tenant: example.org\n") == [
        "mail.yaml:3: tenant: only with provider: microsoft (Google has no tenants)"]


@pytest.mark.parametrize("text", ["alice@example.org)<bob@example.org>",
                                  '"alice@example.org" <bob@example.org>'])
def test_a_sender_that_reads_as_another_address_is_refused(text):
    """G4: shown as alice, sent as bob; refused rather than guessed."""
    assert parse_address(text) == (None, f"'{text}' holds two addresses; write "
                                         f"'Name <address>' with one")


def test_parse_address():
    assert parse_address("Anna de Vries <anna@example.org>")[0].name == "Anna de Vries"
    assert parse_address("anna@example.org")[0].email == "anna@example.org"
    assert parse_address("Anna <a@example.org> <b@example.org>")[1] is not None
    assert parse_address("Anna\r\n <a@example.org>")[1].startswith("line break")


# --- bounded answers for hostile inputs (issue 14 item 19) ------------------------------------

def settings_problems(tmp_path, text: str) -> list[str]:
    (tmp_path / "mail.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        read_settings(tmp_path)
    return caught.value.lines()


@pytest.mark.parametrize("value, line", [
    ("[" * 5000 + "]" * 5000, 3),  # flow lists: composing them recursed past Python's limit
    ("{a: " * 3000 + "b" + "}" * 3000, 3),
    ("\n" + "".join(" " * (level + 4) + "- x:\n" for level in range(0, 1200, 2)), 5),
], ids=["flow-lists", "flow-mappings", "block-mappings-in-lists"])
def test_mail_settings_nested_thousands_deep_are_refused_in_one_line(tmp_path, value, line):
    lines = settings_problems(tmp_path, f"from: K <k@example.org>\nnl:\n  subject: {value}\n")
    assert lines == [f"mail.yaml:{line}: nested far too deep for mail settings (they need 2 "
                     f"levels: a language, then its texts)"]


def test_mail_settings_as_deep_as_the_format_allows_get_the_structural_message(tmp_path):
    lines = settings_problems(tmp_path, "nl:\n  subject: [[a]]\n")
    assert lines == ["mail.yaml:2: nl.subject: must be text (put it in quotes if it looks like "
                     "a number or a date)"]


def test_a_recipients_line_far_too_long_is_refused_before_parsing(tmp_path):
    path = csv_file(tmp_path, "name,email\nAnna,anna@example.org\n" + "," * 10_000_000 + "\n")
    assert problems(path) == ["recipients.csv:3: a line of more than 10,000 characters; a "
                              "recipient's line is far shorter: is it the right file?"]


def test_a_quote_never_closed_is_named_as_such(tmp_path):
    """Lines of a normal length, one field past the csv module's 128 kB."""
    path = csv_file(tmp_path, "name,email\nAnna,anna@example.org\n\"Bob" + ("b" * 9000 + "\n") * 16)
    assert problems(path) == ["recipients.csv:3: a quoted field runs on for more than 128 kB: "
                              "is a quote (\") in this row never closed?"]


def test_too_many_recipients_are_refused_before_any_is_checked(tmp_path, monkeypatch):
    from kennisdag_pdf.mail import recipients

    monkeypatch.setattr(recipients, "MAX_RECIPIENTS", 100)
    checked = []
    monkeypatch.setattr(recipients, "_recipient", lambda *a: checked.append(a))
    path = csv_file(tmp_path, "name,email\n" + "".join(f"P{n},p{n}@example.org\n"
                                                       for n in range(101)))
    assert problems(path) == ["recipients.csv:102: more than 100 recipients; a knowledge day's "
                              "list is far shorter: is it the right file?"]
    assert checked == []


def test_reading_stops_once_more_problems_could_not_be_shown(tmp_path):
    """A million bad rows took 78 s and 1.6 GB to report 50 of them."""
    path = csv_file(tmp_path, "name,email\n" + "x,y\n" * 40_000)
    lines = problems(path)
    assert len(lines) == 50
    assert lines[0] == "recipients.csv: stopped at line 51 after 49 problems: is it the right file?"
    assert lines[-1].startswith("recipients.csv:50: email: 'y' is not an email address")
