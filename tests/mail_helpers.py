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
