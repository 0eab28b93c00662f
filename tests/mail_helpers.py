"""A real SMTP server on loopback for the mail tests: aiosmtpd in a thread, plain, with
STARTTLS, or TLS from the first byte, through a throwaway CA made by trustme.

The handler records every message it accepts and answers per address: a temporary (4xx) or
permanent (5xx) refusal, or a connection dropped after the message data and before the answer
(RFC 1047), so that every branch of the send loop meets a real server. Nothing here listens
on or talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from inprocess import run_in_process

LOOPBACK = "127.0.0.1"
RUN = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]
USER, PASSWORD = "organiser", "s3cret-Pa55word"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    encrypted: bool  # the session ran over TLS (STARTTLS or from the first byte)

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    def attachment(self) -> bytes:
        [part] = list(self.message.iter_attachments())
        return part.get_content()


@dataclass
class Handler:
    """Answers per recipient address; records what it accepted, in order."""

    temporary: dict[str, int] = field(default_factory=dict)  # address → 4xx answers left
    permanent: set[str] = field(default_factory=set)  # address → 550
    drop_after_data: set[str] = field(default_factory=set)  # accept, then hang up unanswered
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        key = address.lower()
        if self.temporary.get(key, 0) > 0:
            self.temporary[key] -= 1
            return "450 4.2.0 Mailbox busy, try again later"
        if key in self.permanent:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content,
                                          server.transport.get_extra_info("ssl_object")
                                          is not None))
        if any(address.lower() in self.drop_after_data for address in envelope.rcpt_tos):
            server.transport.close()  # the message arrived; its answer never will
            return "250 OK (never seen)"
        return "250 OK queued"

    def addresses(self) -> list[str]:
        with self.lock:
            return [address.lower() for r in self.received for address in r.recipients]


class LoopbackController(Controller):
    """aiosmtpd's threaded server on a free port that the kernel picks (port 0)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def _authenticate(server, session, envelope, mechanism, auth_data):
    if auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode():
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)  # aiosmtpd then answers 535


@contextmanager
def smtp_server(handler: Handler, *, tls: str = "none", ca: LoopbackCA | None = None,
                auth: bool = False, **options):
    """tls: none (no STARTTLS offered), starttls (offered) or ssl (TLS from the first byte);
    options go to aiosmtpd's SMTP (data_size_limit, …)."""
    options.update(server_hostname="localhost", ready_timeout=10)
    context = None
    if tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.certificate.configure_cert(context)
    if tls == "starttls":
        options["tls_context"] = context
    elif tls == "ssl":
        options["ssl_context"] = context
    if auth:
        options.update(authenticator=_authenticate, auth_required=True,
                       auth_require_tls=tls != "none")
    controller = LoopbackController(handler, hostname=LOOPBACK, port=0, **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def write_recipients(folder: Path, rows: list[tuple[str, ...]],
                     header: tuple[str, ...] = ("name", "email", "language", "salutation"),
                     sender: str = "Kennisdag <kennisdag@example.org>") -> Path:
    """recipients.csv and a mail.yaml naming the sender, in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "recipients.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    (folder / "mail.yaml").write_text(f"from: {sender}\n", encoding="utf-8")
    return path


def people(count: int, domain: str = "example.org") -> list[tuple[str, str, str, str]]:
    return [(f"Deelnemer {n}", f"deelnemer{n}@{domain}", "", "") for n in range(1, count + 1)]


def run_cli(*args, cwd: Path, env: dict | None = None, timeout: float = 120):
    return run_in_process(args, cwd=cwd, env=env, timeout=timeout)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class LoopbackCA:
    certificate: object  # trustme.LeafCert for 127.0.0.1 and localhost, for the server
    cafile: Path  # the CA's certificate (PEM), for --cafile


@contextmanager
def raw_server(session):
    """A bare socket server on loopback for replies no real server gives: session(socket,
    reader) runs for each connection, in a thread, until the test ends."""
    import socket

    listener = socket.create_server((LOOPBACK, 0))
    listener.settimeout(0.05)
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            with client:
                client.settimeout(5)
                try:
                    session(client, client.makefile("rb"))
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopping.set()
        thread.join(5)
        listener.close()


def read_command(reader) -> bytes:
    return reader.readline(4096).upper()


# --- OAuth2: XOAUTH2 on the loopback SMTP server, a token command, a fake Microsoft Graph ---

GOOGLE_CHALLENGE = '{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}'


@dataclass
class OAuthHandler(Handler):
    """Handler that signs in with SASL XOAUTH2. A token is good for `lifetime` messages (the
    server's idea of an hour); after that a session signed in with it is told so in the way
    `expiry` names: `530` (MAIL FROM answered 530 5.7.0), `drop` (the server hangs up at MAIL
    FROM), and on the next sign-in the token is refused as `refusal` says, after a Google-style
    334 error challenge when `challenge` is set."""

    lifetime: dict[str, int] = field(default_factory=dict)  # token → messages it is good for
    expiry: str = "530"
    refusal: str = "535 5.7.3 Authentication unsuccessful [SN4PR0601CA0001.namprd06.prod]"
    challenge: bool = False
    hang_up_after_challenge: bool = False  # … and close the connection at once, unanswered
    data_answer: str | None = None  # answer every message's data with this instead
    sign_ins: list[tuple[str, str]] = field(default_factory=list)  # (user, token) accepted
    refused: list[str] = field(default_factory=list)  # tokens refused
    empty_responses: int = 0  # empty lines answered to the error challenge
    used: dict[str, int] = field(default_factory=dict)  # token → messages sent with it

    def valid(self, token: str) -> bool:
        return token in self.lifetime and self.used.get(token, 0) < self.lifetime[token]

    async def auth_XOAUTH2(self, server, args):
        import base64

        blob = args[1] if len(args) > 1 else ""
        raw = base64.b64decode(blob).decode("ascii")
        fields = dict(part.split("=", 1) for part in raw.split("\x01") if part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        if raw.endswith("\x01\x01") and self.valid(token):
            self.sign_ins.append((user, token))
            return AuthResult(success=True, auth_data=token)
        self.refused.append(token)
        if self.hang_up_after_challenge:
            await server.push("334 " + base64.b64encode(GOOGLE_CHALLENGE.encode()).decode())
            server.transport.close()
            return AuthResult(success=False, handled=True)
        if self.challenge:
            answer = await server.challenge_auth(GOOGLE_CHALLENGE)
            if answer == b"":
                self.empty_responses += 1
        return AuthResult(success=False, handled=False, message=self.refusal)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        token = session.auth_data
        if not self.valid(token):
            if self.expiry == "drop":
                server.transport.close()
                return "421 4.7.0 closing"
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_answer:
            return self.data_answer
        with self.lock:
            self.used[session.auth_data] = self.used.get(session.auth_data, 0) + 1
        return await super().handle_DATA(server, session, envelope)


def token_script(folder: Path, prefix: str = "ya29.SECRET-") -> Path:
    """A token command: prints prefix + a counter that goes up each time it runs (so a renewed
    token differs from the expired one); the count is in folder/token-count."""
    script = folder / "print-token"
    script.write_text(f'#!/bin/sh\nn=$(cat "{folder}/token-count" 2>/dev/null || echo 0)\n'
                      f'n=$((n + 1))\necho "$n" > "{folder}/token-count"\n'
                      f'echo "{prefix}$n"\n', encoding="utf-8")
    script.chmod(0o700)
    return script


def tokens_issued(folder: Path) -> int:
    count = folder / "token-count"
    return int(count.read_text()) if count.exists() else 0


@dataclass
class FakeGraph:
    """The sendMail of Microsoft Graph as a loopback HTTP server: POST /v1.0/users/{from}/
    sendMail with base64 MIME. Tokens are good for `lifetime` requests; per address a list of
    answers to give first (`(status, headers)`, or "drop": read the request, then hang up
    unanswered), then 202."""

    lifetime: dict[str, int] = field(default_factory=dict)
    answers: dict[str, list] = field(default_factory=dict)
    allowed_senders: set[str] | None = None  # others: 403
    close_when_idle: bool = False  # close each connection after its answer, without a word
    received: list[Received] = field(default_factory=list)  # what was sent (202 or drop)
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (address, token, status)
    used: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def addresses(self) -> list[str]:
        with self.lock:
            return [address.lower() for r in self.received for address in r.recipients]

    def answer(self, path: str, token: str, body: bytes):
        import base64

        message = email.message_from_bytes(base64.b64decode(body, validate=True),
                                           policy=email.policy.default)
        address = message["To"].addresses[0].addr_spec.lower()
        sender = path.split("/users/", 1)[1].rsplit("/sendMail", 1)[0]
        with self.lock:
            if token not in self.lifetime or self.used.get(token, 0) >= self.lifetime[token]:
                status = (401, {})
            elif self.allowed_senders is not None and sender not in self.allowed_senders:
                status = (403, {})
            elif self.answers.get(address):
                status = self.answers[address].pop(0)
            else:
                status = (202, {})
            if status == "drop" or status[0] == 202:
                self.used[token] = self.used.get(token, 0) + 1
                self.received.append(Received(sender, [address], base64.b64decode(body), False))
            self.requests.append((address, token, 0 if status == "drop" else status[0]))
        return status


@contextmanager
def http_server(endpoint, ca: LoopbackCA | None = None):
    """A BaseHTTPRequestHandler class served on 127.0.0.1 in a thread, over HTTPS through the
    test CA when ca is given, until the block ends; yields its base address."""
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer((LOOPBACK, 0), endpoint)
    server.daemon_threads = True
    scheme = "http"
    if ca is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.certificate.configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"{scheme}://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def graph_server(graph: FakeGraph, ca: LoopbackCA | None = None):
    """FakeGraph on 127.0.0.1, in a thread, over HTTPS through the test CA when ca is given;
    yields its base address for KENNISDAG_GRAPH_URL."""
    import json
    import socket

    class Endpoint(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # kept alive, as Graph's connections are

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            status = graph.answer(self.path, token, body)
            if status == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            code, headers = status
            errors = {401: "InvalidAuthenticationToken", 403: "ErrorAccessDenied",
                      413: "RequestEntityTooLarge", 429: "ApplicationThrottled",
                      503: "ServiceUnavailable", 400: "ErrorInvalidRecipients",
                      500: "InternalServerError"}
            payload = b"" if code == 202 else json.dumps(
                {"error": {"code": errors.get(code, "Error"), "message": "fake"}}).encode()
            self.send_response(code)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            if graph.close_when_idle:
                self.close_connection = True

    with http_server(Endpoint, ca) as base:
        yield f"{base}/v1.0"


@dataclass
class FakeIdentity:
    """Microsoft's identity platform as far as MSAL asks it, on loopback over HTTPS: the
    tenant's OpenID configuration, the device-code endpoint (answering `pending` times
    authorization_pending before it gives a token, or refusing with `refuse_device_code`) and
    the token endpoint for device codes, authorization codes and refresh tokens. Access tokens
    are `at-N-SECRET`, refresh tokens `rt-N-SECRET`; a refresh token in `revoked` gives
    invalid_grant."""

    client_id: str = "11111111-2222-3333-4444-555555555555"
    account: str = "kennisdag@example.org"
    pending: int = 1
    refuse_device_code: str | None = None  # an AADSTS error description
    revoked: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)  # every token given out
    grants: list[str] = field(default_factory=list)  # grant types asked for, in order
    scopes: list[str] = field(default_factory=list)  # scope of each token request
    codes: dict[str, str] = field(default_factory=dict)  # authorization code → its nonce
    base: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def configuration(self, tenant: str) -> dict:
        root = f"{self.base}/{tenant}"
        return {"issuer": f"{root}/v2.0", "authorization_endpoint": f"{root}/oauth2/v2.0/"
                "authorize", "token_endpoint": f"{root}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode"}

    def device_code(self, form: dict) -> tuple[int, dict]:
        self.scopes.append(form.get("scope", ""))
        if self.refuse_device_code:
            return 400, {"error": "invalid_request",
                         "error_description": self.refuse_device_code}
        return 200, {"device_code": "device-SECRET", "user_code": "ABCD-EFGH",
                     "verification_uri": "https://microsoft.com/devicelogin", "interval": 0,
                     "expires_in": 60, "message": "To sign in, open https://microsoft.com/"
                     "devicelogin and enter the code ABCD-EFGH.\x1b[2J"}

    def token(self, form: dict) -> tuple[int, dict]:
        import base64
        import json
        import time

        grant = form.get("grant_type", "")
        nonce = {}
        with self.lock:
            self.grants.append(grant.rsplit(":", 1)[-1])
            scope = form.get("scope") or self.scopes[-1]  # a device code: the one it was for
            self.scopes.append(scope)
            if grant.endswith("device_code"):
                if self.pending > 0:
                    self.pending -= 1
                    return 400, {"error": "authorization_pending",
                                 "error_description": "AADSTS70016: pending"}
            elif grant == "refresh_token":
                if form.get("refresh_token") in self.revoked or \
                        form.get("refresh_token") not in self.issued:
                    return 400, {"error": "invalid_grant", "error_description":
                                 "AADSTS700082: The refresh token has expired.\r\nTrace ID: 1"}
            elif grant == "authorization_code":
                if form.get("code") not in self.codes:
                    return 400, {"error": "invalid_grant", "error_description": "AADSTS70000"}
                nonce = {"nonce": self.codes[form["code"]]}
            else:
                return 400, {"error": "unsupported_grant_type"}
            number = len(self.issued) // 2 + 1
            access, refresh = f"at-{number}-SECRET", f"rt-{number}-SECRET"
            self.issued += [access, refresh]

        def part(data: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        now = int(time.time())
        id_token = ".".join([part({"alg": "none", "typ": "JWT"}), part({
            "aud": self.client_id, "iss": f"{self.base}/tenant/v2.0", "iat": now,
            "nbf": now, "exp": now + 3600, "sub": "subject", "oid": "object-id",
            "tid": "tenant-id", "preferred_username": self.account, **nonce}), ""])
        return 200, {"token_type": "Bearer", "scope": scope,
                     "expires_in": 3600, "access_token": access, "refresh_token": refresh,
                     "id_token": id_token,
                     "client_info": part({"uid": "object-id", "utid": "tenant-id"})}


class JsonEndpoint(BaseHTTPRequestHandler):
    """What the fake identity providers' endpoints share: HTTP/1.1, quiet, a form in and JSON
    out."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def form(self) -> dict[str, str]:
        import urllib.parse

        length = int(self.headers.get("Content-Length") or 0)
        return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))

    def reply(self, code: int, data: dict) -> None:
        import json

        payload = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def identity_server(identity: FakeIdentity, ca: LoopbackCA):
    """FakeIdentity on 127.0.0.1 over HTTPS through the test CA, in a thread; yields its base
    address for KENNISDAG_LOGIN_URL."""
    class Endpoint(JsonEndpoint):
        def do_GET(self):
            parts = self.path.split("/")
            if self.path.endswith("/v2.0/.well-known/openid-configuration"):
                self.reply(200, identity.configuration(parts[1]))
            else:
                self.reply(404, {"error": "not_found"})

        def do_POST(self):
            form = self.form()
            if self.path.endswith("/devicecode"):
                self.reply(*identity.device_code(form))
            elif self.path.endswith("/token"):
                self.reply(*identity.token(form))
            else:
                self.reply(404, {"error": "not_found"})

    with http_server(Endpoint, ca) as base:
        identity.base = base
        yield base


# --- the send loop on one recipients list (test_mail_send, test_mail_graph) ---------------------

SENDER_NAME, SENDER_EMAIL = "Kennisdag 2011", "kennisdag@example.org"


class Clock:
    """Time that passes only when the send loop sleeps: waits are exact and cost nothing."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class Mailing:
    """One recipients list with its journal and composer, to run the send loop on, through an
    SMTP server or Graph (any transport send_mailing takes)."""

    def __init__(self, folder, screen, rows) -> None:
        from kennisdag_pdf.mail.journal import default_path
        from kennisdag_pdf.mail.message import Brochure, Composer
        from kennisdag_pdf.mail.recipients import read_recipients
        from kennisdag_pdf.mail.settings import Address, MailSettings

        self.folder = folder
        self.listed = read_recipients(write_recipients(folder, rows))
        self.journal_path = default_path(folder / "recipients.csv")
        self.composer = Composer(Brochure(screen.loaded.day.event, screen.pdf),
                                 MailSettings(), Address(SENDER_NAME, SENDER_EMAIL))
        self.clock = Clock()

    @property
    def sleeps(self) -> list[float]:
        return self.clock.sleeps

    def send(self, transport, pacing=None, *, retry_unknown=False):
        from kennisdag_pdf.mail.deliver import Pacing, send_mailing
        from kennisdag_pdf.mail.journal import Journal

        pacing = pacing or Pacing(per_minute=0, retry_wait=0, pause_after=5)
        with Journal.open(self.journal_path) as journal:
            journal.begin("kennisdag-2011", self.composer.brochure.sha256, self.listed,
                          retry_unknown=retry_unknown)
            return send_mailing(journal, self.listed, self.composer, transport, pacing,
                                sleep=self.clock.sleep, clock=self.clock)

    def states(self) -> dict[str, str]:
        from kennisdag_pdf.mail.journal import Journal

        with Journal.read(self.journal_path) as journal:
            return {d.address: d.state for d in journal.deliveries()}

    def replies(self) -> dict[str, str]:
        from kennisdag_pdf.mail.journal import Journal

        with Journal.read(self.journal_path) as journal:
            return {d.address: d.reply for d in journal.deliveries()}
