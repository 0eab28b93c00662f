"""Sending through Microsoft Graph (`--via graph`) where a tenant has SMTP AUTH switched off.

The same message the dry run writes is sent as MIME, base64-encoded, in the body of
POST /users/{From}/sendMail (Graph's "send mail in MIME format"), signed in with a bearer
token. The journal's guarantees carry over by reading HTTP as smtp.py reads SMTP:

    202 (any 2xx)          sent
    429, 503               deferred, and the next try waits Retry-After (Graph throttles so:
                           the request was not carried out)
    401                    the token ran out: renewed once and sent once more (the journal
                           still says `sending`); refused again, the run stops
    403, 404, 413          about the sender, the token's rights or the size, the same for
                           every message: deferred, and the run stops with the reason
    other 4xx              failed (Graph refuses this message)
    other 5xx, 1xx, 3xx    unknown: the service may have sent it before it failed
    connection lost        deferred while the request was still being written (Graph never
                           acts on a request that did not arrive whole); unknown once all of
                           it was written and before the answer came

Graph takes requests up to 4 MB, and base64 makes a message 4/3 as large: a message over
MAX_REQUEST once encoded is refused before the first one goes out. (Graph's upload sessions
for large attachments work on drafts with JSON attachments, not on MIME; a brochure over 3 MB
goes through SMTP instead.)

http.client, not a third-party client, because its steps are the ones the journal needs: the
request's last byte handed to the socket is the point after which the outcome is unknown, and
requests or httpx would retry or hide that point. Sent items are kept in the mailbox's Sent
Items, as Graph does with MIME (it has no option for it there).

KENNISDAG_GRAPH_URL replaces https://graph.microsoft.com/v1.0 for the tests only (a fake Graph
on loopback); plain http is allowed only to this machine.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import ipaddress
import json
import math
import select
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadInput
from .oauth import TokenProvider, TokenUnavailable
from .smtp import Outcome, ServerRefused, ServerUnavailable

GRAPH = "https://graph.microsoft.com/v1.0"
BASE_VARIABLE = "KENNISDAG_GRAPH_URL"  # for the tests only
MAX_REQUEST = 4_000_000  # bytes of request body: Graph's "4 MB", with room to spare
MAX_ANSWER = 64 * 1024  # bytes of an answer's body read: Graph's errors are under 1 kB
LOST_AFTER_REQUEST = ("the connection broke after the message was handed to Microsoft Graph "
                      "and before it answered: it may have been sent")


def graph_base(environ) -> str:
    """Graph's address, or the test's fake one from KENNISDAG_GRAPH_URL."""
    base = (environ.get(BASE_VARIABLE) or GRAPH).rstrip("/")
    parts = urllib.parse.urlsplit(base)
    if parts.scheme == "https" and parts.hostname:
        return base
    if parts.scheme == "http" and _loopback(parts.hostname or ""):
        return base
    raise BadInput.single(BASE_VARIABLE, "for tests only: an https:// address, or http:// to "
                                         "this machine (127.0.0.1, localhost)")


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class GraphService:
    base: str  # https://graph.microsoft.com/v1.0
    sender: str  # the From address: whose mailbox sends
    tokens: TokenProvider = field(repr=False, compare=False)
    cafile: Path | None = None
    timeout: float = 60.0

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.base).hostname or ""

    @property
    def where(self) -> str:
        return "Microsoft Graph" if self.base == GRAPH else self.base

    @property
    def path(self) -> str:
        prefix = urllib.parse.urlsplit(self.base).path
        return f"{prefix}/users/{urllib.parse.quote(self.sender, safe='@')}/sendMail"

    def connect(self) -> GraphSession:
        return GraphSession(self)


class GraphSession:
    """One kept-alive connection to Graph; the same face as smtp.Connection."""

    def __init__(self, server: GraphService) -> None:
        self.server = server
        self.http = self._connected()
        self.answered = False  # a fresh connection may still hold TLS housekeeping to read

    def _connected(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.server.base)
        if parts.scheme == "https":
            context = ssl.create_default_context(
                cafile=str(self.server.cafile) if self.server.cafile else None)
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=self.server.timeout, context=context)
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                                    timeout=self.server.timeout)
        try:
            connection.connect()
        except ssl.SSLCertVerificationError as exc:
            connection.close()
            raise ServerRefused(f"{self.server.where}: its certificate is not trusted "
                                f"({str(exc.verify_message).rstrip('.')}); for a private CA "
                                f"give --cafile") from None
        except OSError as exc:
            connection.close()
            raise ServerUnavailable(f"{self.server.where}: "
                                    f"{getattr(exc, 'strerror', None) or exc}") from None
        return connection

    def close(self) -> None:
        self.http.close()

    drop = close

    def too_large(self, size: int) -> str | None:
        encoded = 4 * math.ceil(size / 3)
        if encoded > MAX_REQUEST:
            return (f"{self.server.where}: takes requests up to {MAX_REQUEST // 1_000_000} MB, "
                    f"and a message sent through it is base64-encoded: with the brochure "
                    f"attached one is {size} bytes, {encoded} encoded. Make the brochure "
                    f"smaller, or send through SMTP (--smtp-auth xoauth2)")
        return None

    def transaction(self, sender: str, recipient: str, data: bytes,
                    before_data: Callable[[], None]) -> Outcome:
        """One sendMail; before_data() runs just before the request goes out. The envelope is
        the message's own: Graph sends to its To and as its From."""
        body = base64.b64encode(data)
        if self.answered and self._stale():  # closed while idle: a request would be lost
            self.http.close()
            try:
                self.http = self._connected()
            except ServerUnavailable as exc:
                return Outcome("deferred", str(exc), connection_lost=True)
            self.answered = False
        before_data()
        outcome, refused_token = self._post(body)
        if not refused_token:
            return outcome
        # 401: the token ran out during the mailing. The request was not carried out; the
        # journal still says `sending`, so a crash now still leaves the recipient unknown.
        try:
            self.server.tokens.renew()
        except TokenUnavailable as exc:
            return Outcome("deferred", outcome.reply, connection_lost=True,
                           stop=f"Microsoft Graph refuses the token; {exc}")
        if outcome.connection_lost:
            self.http.close()
            try:
                self.http = self._connected()
            except ServerUnavailable as exc:
                return Outcome("deferred", str(exc), connection_lost=True)
        outcome, refused_token = self._post(body)
        if refused_token:
            return Outcome("deferred", outcome.reply, connection_lost=True,
                           stop=f"Microsoft Graph refuses the renewed token too "
                                f"({self.server.tokens.source}): it may be for another "
                                f"service than Graph, or lack the Mail.Send permission")
        return outcome

    def _stale(self) -> bool:
        sock = self.http.sock
        if sock is None:
            return True
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)  # an idle connection has nothing to say but its end

    def _post(self, body: bytes) -> tuple[Outcome, bool]:
        """The request and its judged answer; whether it was a 401."""
        try:
            self.http.putrequest("POST", self.server.path, skip_accept_encoding=True)
            self.http.putheader("Authorization", f"Bearer {self.server.tokens.token()}")
            self.http.putheader("Content-Type", "text/plain")
            self.http.putheader("Content-Length", str(len(body)))
            self.http.endheaders(body)  # headers and body: one request, whole or cut short
        except (OSError, http.client.HTTPException) as exc:
            # Not all of it was handed over: Graph never acts on a request cut short.
            return Outcome("deferred", f"connection lost while the message was being sent: "
                                       f"{getattr(exc, 'strerror', None) or exc}",
                           connection_lost=True), False
        try:
            response = self.http.getresponse()
            answer = response.read(MAX_ANSWER)
        except (OSError, http.client.HTTPException):
            return Outcome("unknown", LOST_AFTER_REQUEST, connection_lost=True), False
        self.answered = True
        # An answer longer than we read, or one that ends the connection: start afresh.
        lost = bool(response.length) or response.will_close
        status = response.status
        reply = _reply(status, response.reason, answer)
        retry_after = _retry_after(response.getheader("Retry-After"))
        if 200 <= status < 300:
            return Outcome("sent", reply, connection_lost=lost), False
        if status == 401:
            return Outcome("deferred", reply, connection_lost=lost), True
        if status in (429, 503):
            return Outcome("deferred", reply, connection_lost=lost,
                           retry_after=retry_after), False
        if status in (403, 404, 413):
            return Outcome("deferred", reply, connection_lost=True,
                           stop=self._stop_words(status)), False
        if 400 <= status < 500:
            return Outcome("failed", reply, connection_lost=lost), False
        return Outcome("unknown", f"{reply}: not an answer that says whether it was sent; it "
                                  f"may have been", connection_lost=True), False

    def _stop_words(self, status: int) -> str:
        sender = self.server.sender
        if status == 403:
            return (f"Microsoft Graph may not send as {sender}: the token needs the Mail.Send "
                    f"permission (Mail.Send.Shared for a mailbox not the signed-in account's "
                    f"own), and the account 'Send As' rights on {sender}")
        if status == 404:
            return (f"Microsoft Graph knows no mailbox {sender} in this organisation: check "
                    f"the From address (--from, or from: in mail.yaml)")
        return (f"the message is too large for Microsoft Graph (4 MB a request, base64): "
                f"make the brochure smaller, or send through SMTP")


def _reply(status: int, reason: str, answer: bytes) -> str:
    """'429 Too Many Requests: ApplicationThrottled: …', one line, as the journal keeps it."""
    text = f"{status} {reason}".strip()
    try:
        error = json.loads(answer.decode("utf-8", "replace")).get("error", {})
        detail = ": ".join(str(part) for part in (error.get("code"), error.get("message"))
                           if part)
    except (ValueError, AttributeError):
        detail = ""
    if detail:
        text += ": " + detail
    return " ".join(text.split())[:500]


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait: Retry-After as seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
