"""mail.yaml beside the recipients CSV: the sender, a Reply-To and the texts per language.

    from: Kennisdag 2011 <kennisdag@example.org>
    reply_to: Anna de Vries <anna@example.org>
    nl:
      subject: Het verslag van ‘{title}’
      body: |
        {salutation},

        In de bijlage het verslag van {date}.
    en:
      subject: The report of ‘{title}’
    smtp_auth: xoauth2                 # how to send, so that the command line stays short
    token_command: oama access kennisdag@example.org
    via: graph
    provider: microsoft                # whose sign-in: `login` and the mailing read these
    client_id: 00000000-0000-0000-0000-000000000000
    tenant: example.org

Every key is optional: a text not given is the built-in one (texts.MAIL_TEXTS), the sender
can come from --from instead. Addresses live here or in options, never in the event file.

The file is read with yaml.safe_load (data only: no tags, no objects) and, for the line of each
key, composed by the same safe loader; every problem is reported with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import BadInput, Problem
from ..i18n import LANGUAGES
from .headers import control_problem, header_problem
from .inputs import read_text
from .texts import DERIVED, MAIL_TEXTS, PLACEHOLDERS
from ..units import MB

FILE_NAME = "mail.yaml"
MAX_SETTINGS_BYTES = MB
MAX_DEPTH = 4  # the format needs 2 levels; 2 more get a message about the structure instead
ADDRESS_KEYS = ("from", "reply_to")
# How to send: the command line's --smtp-auth, --token-command and --via, which win.
SENDING_KEYS = {"smtp_auth": ("password", "xoauth2"), "token_command": None,
                "via": ("smtp", "graph")}
# Whose sign-in (`kennisdag-pdf login` and the mailing): the options of `login`, which win.
SIGN_IN_KEYS = {"provider": ("microsoft", "google"), "client_id": None, "tenant": None}
# A client id: Microsoft's is a GUID, Google's 1234-abcd.apps.googleusercontent.com; a tenant
# is a domain, a GUID or organizations/common. signin.py checks the options by the same.
SIGN_IN_PATTERNS = {"client_id": (re.compile(r"[A-Za-z0-9._-]{1,200}"),
                                  "a client id, such as 00000000-0000-0000-0000-000000000000 "
                                  "or 1234-abcd.apps.googleusercontent.com"),
                    "tenant": (re.compile(r"[A-Za-z0-9.-]{1,100}"),
                               "a tenant's domain or id, such as example.org")}
KEYS = (*ADDRESS_KEYS, *LANGUAGES, *SENDING_KEYS, *SIGN_IN_KEYS)
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@dataclass(frozen=True)
class Address:
    name: str  # may be empty: the address alone is shown
    email: str


@dataclass(frozen=True)
class MailSettings:
    sender: Address | None = None
    reply_to: Address | None = None
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # language → key → text
    smtp_auth: str | None = None
    token_command: str | None = None  # run only by a sending run, and only from a file
    via: str | None = None            # that no other user can change
    provider: str | None = None       # microsoft or google: whose kept sign-in a mailing uses
    client_id: str | None = None      # for `kennisdag-pdf login`
    tenant: str | None = None         # for `kennisdag-pdf login microsoft`

    def text(self, language: str, key: str) -> str:
        return self.texts.get(language, {}).get(key) or MAIL_TEXTS[language][key]


def read_settings(folder: Path) -> MailSettings:
    """The mail.yaml in folder, or the built-in settings when there is none."""
    path = folder / FILE_NAME
    if not path.exists():
        return MailSettings()
    return read_settings_file(path)


def read_settings_file(path: Path) -> MailSettings:
    """One mail settings file (`login --settings FILE` may name another than mail.yaml)."""
    name, _, text = read_text(path, kind="mail settings file", limit=MAX_SETTINGS_BYTES)
    _refuse_control_characters(text, name)
    _refuse_deep_nesting(text, name)
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        why = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
        raise BadInput.single(name, f"not valid YAML: {' '.join(str(why).split())}",
                              line=mark.line + 1 if mark else 0) from None
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise BadInput.single(name, f"expected a mapping with the keys "
                                    f"{', '.join(KEYS)}", line=1)
    problems: list[Problem] = []
    settings = _Reader(name, problems).settings(data, root)
    if settings.token_command and not problems:
        _refuse_shared_command(path, name, _Reader.key_line(root, "token_command"))
    if problems:
        raise BadInput(problems)
    return settings


def _refuse_shared_command(path: Path, name: str, line: int) -> None:
    """A token command runs as the organiser, with their mail account's keys at hand: only
    from a file that no other user may change (as ssh treats its config)."""
    mode = path.stat().st_mode
    if mode & 0o022:
        raise BadInput.single(name, f"other users may change this file (mode "
                                    f"{mode & 0o777:o}), and the command in it would run as "
                                    f"you: chmod go-w {path.name}, or give --token-command",
                              line=line, field="token_command")


def _refuse_control_characters(text: str, name: str) -> None:
    """Before the YAML parser, whose own complaint about them spans lines and names none."""
    for index, ch in enumerate(text):
        problem = None if ch in "\n\r\t" else control_problem(ch)
        if problem:
            raise BadInput.single(name, problem, line=text.count("\n", 0, index) + 1)


def _refuse_deep_nesting(text: str, name: str) -> None:
    """Before composing, which recurses once per level (5,000 levels: RecursionError). The
    parser's events come without recursion; the first level past MAX_DEPTH stops it."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise BadInput.single(name, f"nested far too deep for mail settings (they "
                                                f"need {MAX_DEPTH - 2} levels: a language, "
                                                f"then its texts)",
                                          line=event.start_mark.line + 1)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass  # reported, located, by the parse that follows


def parse_address(text: str) -> tuple[Address | None, str | None]:
    """'Name <address>' or 'address' → (Address, None), or (None, why not)."""
    from email_validator import EmailNotValidError, validate_email

    problem = header_problem(text)
    if problem:
        return None, problem
    match = re.fullmatch(r"\s*(?:(?P<name>[^<>]*?)\s*<(?P<named>[^<>]*)>|(?P<bare>[^<>\s]+))\s*",
                         text)
    if not match:
        return None, f"'{text}' is not 'Name <address>' or an address"
    name = (match["name"] or "").strip().strip('"').strip()
    if "@" in name:  # 'alice@example.org)<bob@example.org>' would send as bob, looking like alice
        return None, f"'{text}' holds two addresses; write 'Name <address>' with one"
    try:
        checked = validate_email((match["named"] or match["bare"]).strip(),
                                 check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        return None, f"'{text}' is not an email address: {exc}"
    return Address(name, checked.ascii_email or checked.normalized), None


def template_problem(text: str, key: str) -> str | None:
    """Why the placeholders of the text for key cannot be filled, or None."""
    known = [name for name in PLACEHOLDERS if key not in DERIVED or name not in DERIVED]
    for match in _PLACEHOLDER.finditer(text):
        if match[1] is not None and match[1] not in known:
            return (f"unknown placeholder {match[0]} here; known: "
                    f"{', '.join('{' + name + '}' for name in known)} "
                    f"(write {{{{ and }}}} for a brace)")
    if re.search(r"[{}]", _PLACEHOLDER.sub("", text)):
        return "a lone { or }: write {{ and }} for a brace"
    return None


def placeholders(text: str) -> set[str]:
    """The names of the placeholders in a text ({{ and }} are literal braces)."""
    return {match[1] for match in _PLACEHOLDER.finditer(text) if match[1] is not None}


def fill(text: str, values: dict[str, str]) -> str:
    """A checked text with its placeholders filled in (no str.format: no attribute access)."""
    return _PLACEHOLDER.sub(lambda m: values[m[1]] if m[1] is not None else m[0][0], text)


class _Reader:
    """Checks the parsed data against the nodes, which know each key's line."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = problems

    def refuse(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(line, 0, field, message, self.name))

    def settings(self, data: dict, root: yaml.MappingNode) -> MailSettings:
        lines = self.key_lines(root, "")
        addresses: dict[str, Address | None] = {}
        texts: dict[str, dict[str, str]] = {}
        sending: dict[str, str] = {}
        for key, value in data.items():
            line = lines.get(str(key), 0)
            if key in ADDRESS_KEYS:
                addresses[key] = self.address(value, line, key)
            elif key in LANGUAGES:
                texts[key] = self.texts(value, self.node(root, key), line, key)
            elif key in SENDING_KEYS or key in SIGN_IN_KEYS:
                choice = self.sending(value, line, key)
                if choice:
                    sending[key] = choice
            else:
                self.refuse(line, str(key), f"unknown key; the keys are {', '.join(KEYS)}")
        if sending.get("tenant") and sending.get("provider", "microsoft") != "microsoft":
            self.refuse(lines.get("tenant", 0), "tenant", "only with provider: microsoft "
                                                          "(Google has no tenants)")
        return MailSettings(addresses.get("from"), addresses.get("reply_to"), texts, **sending)

    def sending(self, value, line: int, key: str) -> str | None:
        choices = {**SENDING_KEYS, **SIGN_IN_KEYS}[key]
        if not isinstance(value, str) or not value.strip():
            self.refuse(line, key, "must be " + (
                " or ".join(choices) if choices else "a command, as text"
                if key == "token_command" else "text (put it in quotes if it looks like a "
                                               "number)"))
            return None
        value = value.strip()
        if choices and value not in choices:
            self.refuse(line, key, f"'{value}' is not one of {', '.join(choices)}")
            return None
        problem = control_problem(value)
        if problem:
            self.refuse(line, key, problem)
            return None
        if key in SIGN_IN_PATTERNS and not SIGN_IN_PATTERNS[key][0].fullmatch(value):
            self.refuse(line, key, f"'{value[:60]}' is not {SIGN_IN_PATTERNS[key][1]}")
            return None
        return value

    def address(self, value, line: int, field: str) -> Address | None:
        if not isinstance(value, str):
            self.refuse(line, field, "must be 'Name <address>' or an address")
            return None
        address, problem = parse_address(value)
        if problem:
            self.refuse(line, field, problem)
        return address

    def texts(self, value, node, line: int, language: str) -> dict[str, str]:
        if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
            self.refuse(line, language, f"must be a mapping with the keys "
                                        f"{', '.join(MAIL_TEXTS[language])}")
            return {}
        lines = self.key_lines(node, language + ".")
        texts: dict[str, str] = {}
        for key, text in value.items():
            field, where = f"{language}.{key}", lines.get(str(key), line)
            if key not in MAIL_TEXTS[language]:
                self.refuse(where, field, f"unknown key; the keys are "
                                          f"{', '.join(MAIL_TEXTS[language])}")
            elif not isinstance(text, str) or not text.strip():
                self.refuse(where, field, "must be text (put it in quotes if it looks like a "
                                          "number or a date)")
            else:
                problem = (control_problem(text, multiline=True) if key == "body"
                           else header_problem(text.strip())) or template_problem(text, key)
                if problem:
                    self.refuse(where, field, problem)
                texts[key] = text.strip()
        return texts

    def key_lines(self, node: yaml.MappingNode, prefix: str) -> dict[str, int]:
        """Each key's line; a key given twice is refused (safe_load would keep the last)."""
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in lines:
                self.refuse(line, prefix + key, f"appears twice (also on line {lines[key]})")
            lines.setdefault(key, line)
        return lines

    @staticmethod
    def key_line(root: yaml.MappingNode, key: str) -> int:
        return next((k.start_mark.line + 1 for k, _ in root.value if k.value == key), 0)

    @staticmethod
    def node(root: yaml.MappingNode, key: str):
        return next((value for key_node, value in root.value if key_node.value == key), None)
