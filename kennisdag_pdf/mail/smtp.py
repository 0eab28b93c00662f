"""Talking to the SMTP server: TLS that is never quietly dropped, and one transaction whose
every failure says whether the message can have arrived.

STARTTLS is the default, and a server that does not offer it is refused, never used in plain
text: an attacker between us and the server can strip the offer from the server's answer.
`ssl` is TLS from the first byte (port 465); `none` is for a server on this machine only.
Certificates are checked against the system's CAs, or only those of --cafile.

The message data is sent by hand rather than with smtplib's sendmail, to know which side of
the final "." a broken connection fell on: before it, the server discards the message
(deferred, mail again); after it, the server may have accepted the message and its answer is
lost (unknown, RFC 1047), so it must not be mailed again without the organiser's say. The
reply to the final "." is judged strictly: 2xx sent, 4xx deferred, 5xx failed; anything else
(1xx, 3xx, text that is no SMTP reply, a reply cut off) leaves the message unknown, since a
server that says something we cannot read may well have kept it.

Replies are read by our own reader (_BoundedSMTP), not smtplib's, which keeps every line of
an endless multi-line reply: a reply has at most MAX_REPLY_LINES lines of MAX_REPLY_LINE
bytes and must be complete within the session's timeout. A reply over those bounds is a
protocol error that ends the session: deferred before the final "." was sent, unknown after.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import select
import socket
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, BadInput, KennisdagError
from .oauth import TokenProvider, TokenUnavailable, xoauth2_response
from .providers import TOKEN_HINT, explained, read_reply

LOST_AFTER_DATA = ("the connection broke after the message was sent and before the server "
                   "answered (RFC 1047): it may have arrived")


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    tls: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never shown, never logged
    cafile: Path | None = None
    timeout: float = 60.0
    auth: str = "password"  # or "xoauth2": user and a token from tokens
    tokens: TokenProvider | None = field(default=None, repr=False, compare=False)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self) -> Connection:
        return Connection(self)


class ServerRefused(KennisdagError):
    """The server cannot be used as set up (no STARTTLS, an untrusted certificate, a refused
    login or sender, a message over its size limit): no retry would help."""

    exit_code = EXIT_BAD_INPUT


class ServerUnavailable(Exception):
    """The server cannot be reached or talked to for now: a temporary failure."""


class SignInExpired(Exception):
    """Signed in with a token, the server asks to sign in again before the message (530 or
    535 to MAIL FROM): the token ran out during the session. Nothing was sent."""


class _TokenRefused(Exception):
    """The server refused a token that a fresh one may replace (an expired one)."""


@dataclass(frozen=True)
class Outcome:
    state: str  # the journal state it leads to: sent, failed, deferred or unknown
    reply: str  # the server's answer, or what went wrong
    connection_lost: bool = False
    too_large: bool = False  # the message, not the recipient, was refused: for its size
    stop: str | None = None  # the run cannot go on: why, and what to do (providers.py)
    pause: str | None = None  # a limit that only time lifts: why, and when to rerun
    retry_after: float | None = None  # seconds the server asked us to wait (HTTP Retry-After)


# Enhanced status codes (RFC 3463) that refuse a message for its size: 5.3.4 "message too big
# for system", 5.2.3 "message length exceeds administrative limit". Every recipient's message
# is about as large, so every one would be refused alike. (552 alone may be a full mailbox.)
_TOO_LARGE = re.compile(r"5\.(3\.4|2\.3)\b")


# One reply: RFC 5321 4.5.3.1.5 allows 512 octets a line; EHLO, the longest reply in practice,
# has one line per extension (about 20). Four times either is a generous ceiling.
MAX_REPLY_LINE = 2048  # bytes, CRLF included
MAX_REPLY_LINES = 100
_REPLY_LINE = re.compile(rb"([1-5][0-9][0-9])([ -]|\r?\n\Z)")


class ProtocolError(smtplib.SMTPServerDisconnected):
    """The server broke the protocol (a reply too long or too slow, replies out of step): the
    session is closed. An OSError, as a lost connection is, and judged like one."""


class _BoundedSMTP(smtplib.SMTP):
    """smtplib's session with a reply reader that bounds a reply's lines, bytes and time, and
    can tell whether the server has said (or hung up) anything that was not asked for."""

    _buffer = b""
    _buffered_from = None  # the socket the buffer was read from (STARTTLS replaces it)

    def getreply(self):
        if self._buffered_from is not self.sock:
            self._buffer, self._buffered_from = b"", self.sock
        deadline = time.monotonic() + (self.timeout if isinstance(self.timeout, (int, float))
                                       else 60.0)
        texts: list[bytes] = []
        code = None
        try:
            while True:
                line = self._read_line(deadline)
                match = _REPLY_LINE.match(line)
                if match is None:  # not an SMTP reply: as smtplib, code -1 and the text
                    return -1, line.strip()
                if code is not None and int(match.group(1)) != code:
                    raise ProtocolError("the server's reply changes its code midway")
                code = int(match.group(1))
                texts.append(line[4:].strip(b" \t\r\n"))
                if match.group(2) != b"-":
                    return code, b"\n".join(texts)
                if len(texts) >= MAX_REPLY_LINES:
                    raise ProtocolError(f"the server's reply runs past {MAX_REPLY_LINES} lines")
        except BaseException:
            self.close()
            raise
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)

    def _read_line(self, deadline: float) -> bytes:
        while True:
            end = self._buffer.find(b"\n", 0, MAX_REPLY_LINE)
            if end >= 0:
                line, self._buffer = self._buffer[:end + 1], self._buffer[end + 1:]
                return line
            if len(self._buffer) >= MAX_REPLY_LINE:
                raise ProtocolError(f"a line of the server's reply runs past "
                                    f"{MAX_REPLY_LINE} bytes")
            remaining = deadline - time.monotonic()
            if self.sock is None:
                raise smtplib.SMTPServerDisconnected("not connected")
            if remaining <= 0:
                raise ProtocolError("the server's reply did not come in time")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                raise ProtocolError("the server's reply did not come in time") from None
            except OSError as exc:  # worded as smtplib words them
                raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: "
                                                     f"{_describe(exc)}") from None
            if not chunk:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self._buffer += chunk

    def unasked(self) -> bool:
        """Has the server sent anything (or hung up) since its last reply was read? A server
        out of step: what we would read next is not the answer to what we send next."""
        if self._buffer and self._buffered_from is self.sock:
            return True
        if self.sock is None:
            return True
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        if not readable and not (isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()):
            return False
        # Readable may be only TLS housekeeping (a TLS 1.3 session ticket): look, not wait.
        self.sock.settimeout(0)
        try:
            chunk = self.sock.recv(4096)
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except OSError:
            return True  # reset: the server is gone
        finally:
            self.sock.settimeout(self.timeout)
        if chunk:
            self._buffer, self._buffered_from = chunk, self.sock
        return True  # what it said, or that it hung up


class _BoundedSMTP_SSL(_BoundedSMTP, smtplib.SMTP_SSL):
    pass


SSL_PORT = 465  # RFC 8314: submission with TLS from the first byte


def check_tls_choice(host: str, tls: str, port: int | None = None) -> None:
    """--tls none sends the password and every address in plain text: only to this machine.
    STARTTLS to port 465 would wait for a greeting that comes only after a TLS handshake:
    a minute per try before any message; say so at once instead."""
    if tls == "starttls" and port == SSL_PORT:
        raise BadInput.single("--smtp-port", f"{SSL_PORT} expects TLS from the first byte: add "
                                             f"--tls ssl (starttls is for port 587)")
    if tls != "none":
        return
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise BadInput.single("--tls", f"none is only for a server on this machine "
                                       f"(localhost, 127.0.0.1, ::1), not {host}; use "
                                       f"starttls or ssl")


class Connection:
    """One open, greeted, secured and (with --smtp-user) logged-in SMTP session."""

    def __init__(self, server: Server) -> None:
        self.server = server
        try:
            self.smtp = _open(server)
        except _TokenRefused as refused:
            # An access token lives about an hour: renew it once, on a new session (Gmail
            # closes one after a refused token), and only then call it refused.
            assert server.tokens is not None
            try:
                server.tokens.renew()
            except TokenUnavailable as exc:
                raise ServerRefused(f"{refused}; {exc}") from None
            self.smtp = _open(server, renewed=True)
        self.in_data = False  # between the go-ahead to DATA and the reply to the final "."

    def close(self) -> None:
        if self.in_data:  # a QUIT now would be taken as message text, and wait for an answer
            self.drop()
            return
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()

    def drop(self) -> None:
        """End a session gone wrong without QUIT, whose answer could be as long in coming."""
        self.smtp.close()

    def size_limit(self) -> int | None:
        """The largest message the server takes (its SIZE extension), if it says."""
        value = self.smtp.esmtp_features.get("size", "") if self.smtp.has_extn("size") else ""
        return int(value) if value.strip().isdigit() and int(value) > 0 else None

    def too_large(self, size: int) -> str | None:
        """Why a message of size bytes cannot go through this server, or None."""
        limit = self.size_limit()
        if limit is not None and size > limit:
            return (f"{self.server.where}: the server takes messages up to {limit} bytes; with "
                    f"the brochure attached one is {size} bytes")
        return None

    def transaction(self, sender: str, recipient: str, data: bytes,
                    before_data: Callable[[], None]) -> Outcome:
        """MAIL, RCPT, DATA; before_data() runs when only the message itself is left to send,
        which is the last moment at which a failure certainly leaves it undelivered."""
        return _with_provider_words(self._transaction(sender, recipient, data, before_data))

    def _transaction(self, sender: str, recipient: str, data: bytes,
                     before_data: Callable[[], None]) -> Outcome:
        # Each command is sent only to a server that has said nothing unasked since its last
        # reply: otherwise every reply read from then on answers the command before it.
        out_of_step = Outcome("deferred", "the server said more than it was asked before the "
                                          "message was sent", connection_lost=True)
        try:
            if self.smtp.unasked():
                return out_of_step
            code, reply = self.smtp.mail(sender)
            if code in (530, 535) and self.server.auth == "xoauth2":
                self.drop()  # the session's sign-in ran out: a new one, with a fresh token
                raise SignInExpired(f"{self.server.where}: {_text(code, reply)}")
            if 500 <= code < 600:
                raise ServerRefused(f"{self.server.where}: the server refuses the sender "
                                    f"{sender}: {explained(_text(code, reply))}")
            if code != 250:
                return self._refused(code, reply)
            if self.smtp.unasked():
                return out_of_step
            code, reply = self.smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(code, reply)
            if self.smtp.unasked():
                return out_of_step
            code, reply = self.smtp.docmd("DATA")
            if code != 354:
                return self._refused(code, reply)
            self.in_data = True
        except OSError as exc:  # smtplib's errors are OSErrors too
            return Outcome("deferred", f"connection lost before the message was sent: "
                                       f"{_describe(exc)}", connection_lost=True)
        if self.smtp.unasked():  # the next reply read would not answer our message
            return out_of_step
        before_data()
        # The final "." goes out on its own, after a look at whether the server hung up (or
        # spoke out of turn) while the rest went: then the "." never left, and without it no
        # server keeps a message. Only once it has been handed over is the outcome uncertain.
        try:
            self.smtp.send(_dot_stuffed(data))
        except OSError as exc:
            return Outcome("deferred", f"connection lost while the message was being sent: "
                                       f"{_describe(exc)}", connection_lost=True)
        if self.smtp.unasked():
            return Outcome("deferred", "the server hung up (or answered) before the end of the "
                                       "message was sent", connection_lost=True)
        try:
            self.smtp.send(END_OF_DATA)
        except OSError as exc:
            return Outcome("deferred", f"connection lost before the end of the message was "
                                       f"sent: {_describe(exc)}", connection_lost=True)
        try:
            code, reply = self.smtp.getreply()
            self.in_data = False
        except ProtocolError as exc:
            return Outcome("unknown", f"{exc} after the message was sent: it may have arrived",
                           connection_lost=True)
        except OSError:
            return Outcome("unknown", LOST_AFTER_DATA, connection_lost=True)
        outcome = _judged(code, reply)
        if outcome.state == "unknown":  # a server that says what it should not: start afresh
            return Outcome(outcome.state, outcome.reply, connection_lost=True)
        if outcome.state == "failed" and _TOO_LARGE.match(outcome.reply[4:]):
            return Outcome(outcome.state, outcome.reply, too_large=True)
        return outcome

    def _refused(self, code: int, reply: bytes) -> Outcome:
        """A refusal before the data: end the transaction so the session can go on. Nothing
        can have been delivered yet: 5xx fails the recipient, anything else defers them."""
        outcome = Outcome("failed" if 500 <= code < 600 else "deferred", _text(code, reply))
        if not (400 <= code < 600):  # no refusal a server should give: the session is unsure
            return Outcome(outcome.state, outcome.reply, connection_lost=True)
        if code == 421:  # the server is closing the session
            return Outcome(outcome.state, outcome.reply, connection_lost=True)
        try:
            self.smtp.rset()
        except OSError:
            return Outcome(outcome.state, outcome.reply, connection_lost=True)
        return outcome


def _with_provider_words(outcome: Outcome) -> Outcome:
    """A refusal that is about the sender or the account, not the recipient (5.2.252, a daily
    limit), leaves the recipient to be mailed by the same command once the cause is gone: a
    4xx or 5xx certainly left the message undelivered, so deferring it is safe. Unknown and
    sent are never changed."""
    if outcome.state not in ("failed", "deferred"):
        return outcome
    reading = read_reply(outcome.reply)
    if reading is None or not reading.effect:
        return outcome
    return Outcome("deferred", outcome.reply, connection_lost=True,
                   stop=reading.words if reading.effect == "stop" else None,
                   pause=reading.words if reading.effect == "pause" else None)


def _judged(code: int, reply: bytes) -> Outcome:
    """The reply to the final ".": only a 4xx says the message was not taken and may be sent
    again; what is neither 2xx, 4xx nor 5xx is unknown, never a reason to send again."""
    if 200 <= code < 300:
        return Outcome("sent", _text(code, reply))
    if 400 <= code < 500:
        return Outcome("deferred", _text(code, reply))
    if 500 <= code < 600:
        return Outcome("failed", _text(code, reply))
    return Outcome("unknown", f"{_text(code, reply)}: not an answer to a message; it may have "
                              f"arrived")


def _text(code: int, reply: bytes) -> str:
    return f"{code} {' '.join(reply.decode('utf-8', 'replace').split())}"[:500]


def _describe(exc: BaseException) -> str:
    """What went wrong, in the system's words: "Connection refused", not "[Errno 111] …"."""
    return (getattr(exc, "strerror", None) or str(exc)).strip() or type(exc).__name__


END_OF_DATA = b".\r\n"


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA sends it (RFC 5321 4.5.2): a line's leading dot doubled, ending in
    CRLF; END_OF_DATA follows it."""
    stuffed = re.sub(rb"(?m)^\.", b"..", data)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed


def _open(server: Server, *, renewed: bool = False) -> smtplib.SMTP:
    """A session ready for MAIL FROM, or why not: ServerRefused when no retry would help,
    ServerUnavailable when a later try may work, _TokenRefused when a fresh token may."""
    try:
        return _greeted(server, renewed)
    except ssl.SSLError as exc:  # before OSError, which it is
        raise _tls_refused(server, exc) from None
    except smtplib.SMTPConnectError as exc:
        message = (f"{server.where}: the server turns us away: "
                   f"{_text(exc.smtp_code, exc.smtp_error)}")
        raise (ServerRefused(message) if exc.smtp_code >= 500
               else ServerUnavailable(message)) from None
    except smtplib.SMTPResponseException as exc:  # EHLO, HELO or a login answered so
        message = f"{server.where}: {_text(exc.smtp_code, exc.smtp_error)}"
        raise (ServerRefused(message) if exc.smtp_code >= 500
               else ServerUnavailable(message)) from None
    except OSError as exc:
        raise ServerUnavailable(f"{server.where}: {_describe(exc)}") from None


def _greeted(server: Server, renewed: bool = False) -> smtplib.SMTP:
    context = None if server.tls == "none" else ssl.create_default_context(
        cafile=str(server.cafile) if server.cafile else None)
    if server.tls == "ssl":
        smtp: _BoundedSMTP = _BoundedSMTP_SSL(server.host, server.port, context=context,
                                              timeout=server.timeout)
    else:
        smtp = _BoundedSMTP(server.host, server.port, timeout=server.timeout)
    try:
        # The message and its final "." go out as two writes (so that a hang-up between them
        # can be told apart): without TCP_NODELAY the short second write waits for the ACK of
        # the first, a delayed ACK of up to 40 ms per message.
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        smtp.ehlo_or_helo_if_needed()
        if server.tls == "starttls":
            _starttls(smtp, server, context)
        if server.auth == "xoauth2":
            _xoauth2(smtp, server, renewed)
        elif server.user:
            _login(smtp, server)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _starttls(smtp: smtplib.SMTP, server: Server, context: ssl.SSLContext | None) -> None:
    if not smtp.has_extn("starttls"):
        raise ServerRefused(f"{server.where}: the server does not offer STARTTLS; refusing to "
                            f"send in plain text (--tls ssl for a server on port 465, "
                            f"--tls none only for a server on this machine)")
    try:
        code, reply = smtp.starttls(context=context)
    except smtplib.SMTPResponseException as exc:  # any answer but 220: never go on in plain text
        code, reply = exc.smtp_code, exc.smtp_error
    if code != 220:
        message = (f"{server.where}: the server refuses STARTTLS: {_text(code, reply)}; "
                   f"refusing to send in plain text")
        raise ServerRefused(message) if code >= 500 else ServerUnavailable(message)
    smtp.ehlo()


def _login(smtp: smtplib.SMTP, server: Server) -> None:
    if not smtp.has_extn("auth"):
        raise ServerRefused(f"{server.where}: the server offers no login (AUTH) for "
                            f"--smtp-user {server.user}")
    try:
        smtp.login(server.user or "", server.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        if exc.smtp_code >= 500:
            reply = _text(exc.smtp_code, exc.smtp_error)
            reading = read_reply(reply)
            raise ServerRefused(f"{server.where}: the server refuses the login of "
                                f"{server.user}: {reply}; " + (
                                    reading.words if reading else
                                    "check --smtp-user and KENNISDAG_SMTP_PASSWORD")) from None
        raise
    except smtplib.SMTPException as exc:
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            raise
        raise ServerRefused(f"{server.where}: cannot log in: {_describe(exc)}") from None


MAX_CHALLENGE = 4096  # bytes of a 334 error challenge kept (Google's JSON is under 100)


def _xoauth2(smtp: smtplib.SMTP, server: Server, renewed: bool) -> None:
    """Sign in with SASL XOAUTH2 (as Microsoft and Google define it): the user and a bearer
    token in one initial response. A refused token is answered either at once (535, 454) or
    with a 334 challenge carrying an error in JSON, to which the client sends an empty line and
    then gets the refusal proper."""
    assert server.tokens is not None
    mechanisms = smtp.esmtp_features.get("auth", "").upper().split() if smtp.has_extn(
        "auth") else []
    if "XOAUTH2" not in mechanisms:
        offered = ", ".join(mechanisms) or "no login at all"
        raise ServerRefused(f"{server.where}: the server does not offer XOAUTH2 (it offers "
                            f"{offered}); leave out --smtp-auth xoauth2 to log in with a "
                            f"password")
    code, reply = smtp.docmd("AUTH", "XOAUTH2 " + xoauth2_response(server.user or "",
                                                                   server.tokens.token()))
    if code == 334:  # the error, base64 JSON such as {"status":"401",…}
        challenge = _challenge(reply)
        try:
            code, reply = smtp.docmd("")
        except smtplib.SMTPServerDisconnected:  # some hang up at once: the refusal is the 334
            code, reply = 334, challenge.encode()
    if code == 235:
        return
    answer = _text(code, reply)
    reading = read_reply(answer)
    line = (f"{server.where}: the server refuses the token for {server.user} from "
            f"{server.tokens.source}: {answer}; "
            + (TOKEN_HINT if reading is None or reading.token else reading.words))
    if not renewed and (reading is None or reading.token):
        raise _TokenRefused(line)
    if 400 <= code < 500:
        raise ServerUnavailable(line)
    raise ServerRefused(line)


def _challenge(reply: bytes) -> str:
    """An XOAUTH2 error challenge, decoded for the message: its JSON, as one line."""
    try:
        text = base64.b64decode(reply[:MAX_CHALLENGE], validate=True).decode("utf-8", "replace")
    except ValueError:
        text = reply[:MAX_CHALLENGE].decode("ascii", "replace")
    return " ".join(text.split())[:300]


# OpenSSL's verify codes (X509_V_ERR_*) for a certificate made out to another name, and for
# one whose issuer is not among the trusted CAs; a private CA is the way out only of those.
_NAME_MISMATCH = {62, 64}
_UNKNOWN_ISSUER = {2, 18, 19, 20, 21}


def _tls_refused(server: Server, exc: ssl.SSLError) -> ServerRefused:
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = str(exc.verify_message).rstrip(".")
        if exc.verify_code in _NAME_MISMATCH:
            return ServerRefused(f"{server.where}: the server's certificate is made out to "
                                 f"another name ({why}); give --smtp-host the name on the "
                                 f"certificate")
        hint = ""
        if exc.verify_code in _UNKNOWN_ISSUER:
            hint = (f"; it is not signed by a CA in --cafile {server.cafile}" if server.cafile
                    else "; for a private CA give --cafile")
        return ServerRefused(f"{server.where}: the server's certificate is not trusted "
                             f"({why}){hint}")
    reason = str(exc.reason or exc)
    if reason.upper().replace(" ", "_") in _NOT_TLS:
        # OpenSSL words this differently from release to release; the user needs one reading.
        reason = "the server does not answer in TLS"
    return ServerRefused(f"{server.where}: TLS failed ({reason}); is --tls "
                         f"{server.tls} right for port {server.port}?")


# What OpenSSL (1.1 to 3.x) says when the other side answers in plain text.
_NOT_TLS = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG",
            "UNKNOWN_PROTOCOL", "HTTP_REQUEST", "UNEXPECTED_EOF_WHILE_READING"}
