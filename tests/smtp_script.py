"""The loopback SMTP server of a bad-input case, scripted by the case's smtp.yaml.

The server is aiosmtpd on 127.0.0.1 (see mail_helpers.py); smtp.yaml says how it answers. Every
key is optional; an answer is an SMTP reply line ("450 4.2.0 Mailbox busy") or `drop` (hang up
without answering). A list of answers is used one per try, the last one for every later try.

    tls: none                 # none (default), starttls, or ssl: TLS from the first byte; the
                              # certificate comes from the test CA, whose PEM is {cafile}
    certificate_for: [mail.example.org]   # the names on the certificate (default: 127.0.0.1,
                              # localhost), to test a certificate for another host
    listen: false             # nothing listens on {smtp_port}: the connection is refused
    greeting: 421 4.7.0 Too many connections   # instead of "220 …", then hang up
    starttls: 454 4.7.0 TLS not available   # offer STARTTLS, then answer it so (no TLS)
    size: 20000               # the SIZE the server offers and enforces (default: aiosmtpd's
                              # 32 MiB; 0: none offered, none enforced)
    auth: {user: organiser, password: s3cret}   # a login is required (over TLS unless tls: none)
    mail: 451 4.7.1 Slow down # the answer to MAIL FROM
    rcpt:                     # per recipient address, the answer to RCPT TO (default 250)
      bob@example.org: 550 5.1.1 No such user here
      carla@example.org: [450 4.2.0 Mailbox busy, 250]
    data:                     # per recipient address, the answer after the message data
      dave@example.org: drop  # took the message, never answered (RFC 1047)
    env:                      # set for the command (the password: KENNISDAG_SMTP_PASSWORD)
      KENNISDAG_SMTP_PASSWORD: wrong

The server keeps every message it took (a `data` answer of 250 or `drop`); the runner checks
them against expected-delivered.txt.
"""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult, syntax
from mail_helpers import LOOPBACK, LoopbackController

KEYS = {"tls", "certificate_for", "listen", "greeting", "starttls", "size", "auth", "mail",
        "rcpt", "data", "env"}
DROP = "drop"


def _answers(value) -> list[str]:
    answers = [str(item).strip() for item in (value if isinstance(value, list) else [value])]
    for answer in answers:
        assert answer == DROP or answer[:3].isdigit(), f"not an SMTP answer: {answer!r}"
    return answers


@dataclass
class Script:
    """smtp.yaml, checked."""

    tls: str = "none"
    certificate_for: list[str] = field(default_factory=lambda: [LOOPBACK, "localhost"])
    listen: bool = True
    greeting: str | None = None
    starttls: str | None = None  # the answer to STARTTLS, which is then offered without TLS
    size: int | None = None
    auth: dict[str, str] | None = None
    mail: list[str] = field(default_factory=list)
    rcpt: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, list[str]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Script:
        import yaml

        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert isinstance(raw, dict) and set(raw) <= KEYS, f"smtp.yaml: keys are {sorted(KEYS)}"
        script = cls(**{key: value for key, value in raw.items()
                        if key not in ("mail", "rcpt", "data", "certificate_for", "env")})
        assert script.tls in ("none", "starttls", "ssl"), script.tls
        if script.starttls:
            _answers(script.starttls)
        script.certificate_for = list(raw.get("certificate_for", script.certificate_for))
        script.mail = _answers(raw["mail"]) if "mail" in raw else []
        for key in ("rcpt", "data"):
            setattr(script, key, {address.lower(): _answers(answers)
                                  for address, answers in (raw.get(key) or {}).items()})
        script.env = {str(k): str(v) for k, v in (raw.get("env") or {}).items()}
        if script.greeting:
            _answers(script.greeting)
        return script


class ScriptedHandler:
    """aiosmtpd's handler hooks, answering as the script says; keeps what it took."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.tries: dict[tuple[str, str], int] = {}
        self.received: list[str] = []  # the envelope recipients of every message taken
        self.lock = threading.Lock()

    def _next(self, command: str, key: str, answers: list[str]) -> str | None:
        if not answers:
            return None
        with self.lock:
            count = self.tries.get((command, key), 0)
            self.tries[(command, key)] = count + 1
        return answers[min(count, len(answers) - 1)]

    @staticmethod
    async def _say(server, answer: str | None, accepted: str) -> str:
        if answer == DROP:
            server.transport.close()
            return "421 never seen"  # the transport is closed: this is not sent
        if answer is None or answer.startswith("250"):
            return answer or accepted
        if answer.startswith("421"):  # the server says it is closing, then does
            await server.push(answer)
            server.transport.close()
        return answer

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.script.starttls and "250-STARTTLS" not in responses:
            responses.insert(-1, "250-STARTTLS")  # offered, but there is no TLS behind it
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        answer = self._next("MAIL", "", self.script.mail)
        if answer is None or answer.startswith("250"):
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
        return await self._say(server, answer, "250 OK")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self._next("RCPT", address.lower(), self.script.rcpt.get(address.lower(), []))
        if answer is None or answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return await self._say(server, answer, "250 OK")

    async def handle_DATA(self, server, session, envelope):
        answers = [self._next("DATA", address.lower(), self.script.data.get(address.lower(), []))
                   for address in envelope.rcpt_tos]
        answer = next((a for a in answers if a and not a.startswith("250")), None)
        if answer is None or answer == DROP:
            with self.lock:
                self.received.extend(address.lower() for address in envelope.rcpt_tos)
        return await self._say(server, answer, "250 OK queued")


class _ScriptedSMTP(SMTP):
    greeting: str | None = None
    starttls: str | None = None

    async def _handle_client(self) -> None:
        if self.greeting is None:
            return await super()._handle_client()
        await self.push(self.greeting)  # a refusal instead of "220 …": then hang up
        self.transport.close()

    @syntax("STARTTLS")
    async def smtp_STARTTLS(self, arg: str) -> None:
        if self.starttls is None:
            return await super().smtp_STARTTLS(arg)
        await self.push(self.starttls)


class _Controller(LoopbackController):
    def __init__(self, handler, script: Script, **options) -> None:
        super().__init__(handler, **options)
        self.script = script

    def factory(self):
        with warnings.catch_warnings():  # "AUTH without TLS" (tls: none, or ssl; see above)
            warnings.simplefilter("ignore")
            server = _ScriptedSMTP(self.handler, **self.SMTP_kwargs)
        server.greeting, server.starttls = self.script.greeting, self.script.starttls
        return server


@dataclass
class Running:
    port: int
    handler: ScriptedHandler | None  # None: nothing listens


def _free_port() -> int:
    with socket.socket() as probe:  # a port on which nothing listens once the probe is gone
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@contextmanager
def scripted_server(script: Script, ca=None):
    """The server the script describes on a free loopback port; ca: a trustme.CA for TLS."""
    if not script.listen:
        yield Running(_free_port(), None)
        return
    handler = ScriptedHandler(script)
    options: dict = {"server_hostname": "localhost", "ready_timeout": 10}
    if script.size is not None:
        options["data_size_limit"] = script.size or None
    if script.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*script.certificate_for).configure_cert(context)
        options["tls_context" if script.tls == "starttls" else "ssl_context"] = context
    if script.auth:
        user, password = script.auth["user"].encode(), script.auth["password"].encode()

        def authenticate(server, session, envelope, mechanism, auth_data):
            if auth_data.login == user and auth_data.password == password:
                return AuthResult(success=True, auth_data=auth_data)
            return AuthResult(success=False, handled=False)  # aiosmtpd answers 535

        # aiosmtpd counts only STARTTLS as TLS here; with tls: ssl the session is TLS anyway
        options.update(authenticator=authenticate, auth_required=True,
                       auth_require_tls=script.tls == "starttls")
    controller = _Controller(handler, script, hostname=LOOPBACK, port=0, **options)
    controller.start()
    try:
        yield Running(controller.port, handler)
    finally:
        controller.stop()
