"""Sending to a real SMTP server on loopback (aiosmtpd): plain, STARTTLS and TLS through a
throwaway CA, a server without STARTTLS, logins, 4xx and 5xx per address, a connection that
breaks after the data, pausing, the rate limit and the server's size limit.

These call the send loop directly with a brochure built once for the session; the command
line itself is tested in test_mail_cli.py.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

import pytest
from mail_helpers import (LOOPBACK, PASSWORD, USER, Handler, Mailing, people, sha256,
                          smtp_server)

from kennisdag_pdf.mail.deliver import Pacing
from kennisdag_pdf.mail.settings import Address
from kennisdag_pdf.mail.smtp import (LOST_AFTER_DATA, Connection, Server, ServerRefused,
                                     check_tls_choice)

# The loopback server, the test CA and the session's screen brochure (fixtures).
pytest_plugins = ["mail_fixtures"]

SENDER = Address("Kennisdag 2011", "kennisdag@example.org")
NO_WAITING = Pacing(per_minute=0, retry_wait=0, pause_after=5)


@pytest.fixture
def five(tmp_path, screen_2011) -> Mailing:
    rows = people(5)
    rows[1] = ("Sarah Baker", "sarah@example.org", "en", "Dear Sarah")
    return Mailing(tmp_path, screen_2011, rows)


def plain(port: int) -> Server:
    return Server(LOOPBACK, port, "none")


def test_every_recipient_gets_one_intact_personal_message(five, screen_2011):
    handler = Handler()
    with smtp_server(handler) as server:
        result = five.send(plain(server.port))
    assert result.outcomes == {"sent": 5} and result.paused is None
    assert set(five.states().values()) == {"sent"}
    expected = [r.email for r in five.listed.recipients]
    assert handler.addresses() == expected
    for received, recipient in zip(handler.received, five.listed.recipients):
        message = received.message
        assert received.sender == "kennisdag@example.org"
        assert [a.addr_spec for a in message["To"].addresses] == [recipient.email]
        assert message["Cc"] is None and message["Bcc"] is None
        assert message["Message-ID"] == five.composer.compose(recipient).message_id
        assert sha256(received.attachment()) == sha256(screen_2011.pdf)
    assert handler.received[1].message["Subject"].startswith("Report of the knowledge day")
    assert handler.received[0].message["Subject"].startswith("Verslag van de kennisdag")


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_through_a_test_ca(five, loopback_ca, tls):
    handler = Handler()
    with smtp_server(handler, tls=tls, ca=loopback_ca) as server:
        result = five.send(Server(LOOPBACK, server.port, tls, cafile=loopback_ca.cafile))
    assert result.outcomes == {"sent": 5}
    assert len(handler.received) == 5 and all(r.encrypted for r in handler.received)


def test_a_certificate_from_an_unknown_ca_is_refused(five, loopback_ca, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    handler = Handler()
    with smtp_server(handler, tls="starttls", ca=loopback_ca) as server:
        with pytest.raises(ServerRefused, match="certificate is not trusted"):
            five.send(Server(LOOPBACK, server.port, "starttls"))
    assert handler.received == []


def test_a_server_without_starttls_is_refused_unless_tls_none(five):
    handler = Handler()
    with smtp_server(handler, tls="none") as server:
        with pytest.raises(ServerRefused) as caught:
            five.send(Server(LOOPBACK, server.port, "starttls"))
        assert str(caught.value) == (
            f"{LOOPBACK}:{server.port}: the server does not offer STARTTLS; refusing to send in "
            "plain text (--tls ssl for a server on port 465, --tls none only for a server on "
            "this machine)")
        assert handler.received == []
        assert set(five.states().values()) == {"pending"}
        assert five.send(plain(server.port)).outcomes == {"sent": 5}


def test_starttls_to_the_ssl_port_is_refused_at_once_with_the_way_out():
    check_tls_choice("smtp.example.org", "starttls", 587)
    check_tls_choice("smtp.example.org", "ssl", 465)
    with pytest.raises(Exception, match="465 expects TLS from the first byte: add --tls ssl"):
        check_tls_choice("smtp.example.org", "starttls", 465)


def test_tls_none_only_to_this_machine():
    for host in ("localhost", "127.0.0.1", "127.8.9.10", "::1"):
        check_tls_choice(host, "none")
    for host in ("smtp.example.org", "192.168.1.10", "10.0.0.1"):
        with pytest.raises(Exception, match="only for a server on this machine"):
            check_tls_choice(host, "none")


def test_login_over_starttls(five, loopback_ca):
    handler = Handler()
    with smtp_server(handler, tls="starttls", ca=loopback_ca, auth=True) as server:
        wrong = Server(LOOPBACK, server.port, "starttls", USER, "wrong", loopback_ca.cafile)
        with pytest.raises(ServerRefused, match="refuses the login of organiser: 535"):
            Connection(wrong)
        anonymous = Server(LOOPBACK, server.port, "starttls", cafile=loopback_ca.cafile)
        with pytest.raises(ServerRefused, match="530 5.7.0 Authentication required"):
            five.send(anonymous)
        server_settings = Server(LOOPBACK, server.port, "starttls", USER, PASSWORD,
                                 loopback_ca.cafile)
        assert PASSWORD not in repr(server_settings)
        assert five.send(server_settings).outcomes == {"sent": 5}


def test_temporary_refusals_are_retried_with_backoff(five):
    first, second = (r.email for r in five.listed.recipients[:2])
    handler = Handler(temporary={first: 1, second: 99})
    with smtp_server(handler) as server:
        result = five.send(plain(server.port), Pacing(0, retry_wait=2, pause_after=5))
    assert handler.addresses().count(first) == 1 and second not in handler.addresses()
    assert five.states()[first] == "sent"
    assert five.states()[second] == "deferred"  # three tries in this run; the next run retries
    assert five.replies()[second] == "450 4.2.0 Mailbox busy, try again later"
    assert result.outcomes == {"deferred": 4, "sent": 4}
    assert five.clock.sleeps == [2, 4, 2]  # doubling while failures follow each other


def test_a_permanent_refusal_is_kept_with_the_reply_and_not_retried(five):
    refused = five.listed.recipients[2].email
    handler = Handler(permanent={refused})
    with smtp_server(handler) as server:
        five.send(plain(server.port))
        assert five.states()[refused] == "failed"
        assert five.replies()[refused] == "550 5.1.1 No such user here"
        handler.permanent.clear()
        assert five.send(plain(server.port)).attempted == 0
    assert refused not in handler.addresses() and len(handler.received) == 4


def test_a_connection_broken_after_the_data_is_unknown_and_not_mailed_again(five):
    lost = five.listed.recipients[1].email
    handler = Handler(drop_after_data={lost})
    with smtp_server(handler) as server:
        result = five.send(plain(server.port))
        assert result.outcomes == {"sent": 4, "unknown": 1}
        assert five.states()[lost] == "unknown"
        assert five.replies()[lost] == LOST_AFTER_DATA
        assert five.send(plain(server.port)).attempted == 0
        assert handler.addresses().count(lost) == 1
        handler.drop_after_data.clear()  # the organiser found out it did not arrive
        assert five.send(plain(server.port), retry_unknown=True).outcomes == {"sent": 1}
    assert handler.addresses().count(lost) == 2 and len(handler.received) == 6


def test_a_server_that_keeps_saying_later_pauses_the_run(five):
    handler = Handler(temporary={r.email: 99 for r in five.listed.recipients})
    with smtp_server(handler) as server:
        result = five.send(plain(server.port), Pacing(0, retry_wait=1, pause_after=3))
    assert result.paused == "450 4.2.0 Mailbox busy, try again later"
    assert five.clock.sleeps == [1, 2]
    assert list(five.states().values()) == ["deferred"] * 3 + ["pending"] * 2


def test_an_unreachable_server_pauses_with_nothing_sent(five):
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    result = five.send(plain(port), Pacing(0, retry_wait=10, pause_after=4))
    assert result.paused == f"{LOOPBACK}:{port}: Connection refused"  # not "[Errno 111] …"
    assert five.clock.sleeps == [10, 20, 40]
    assert set(five.states().values()) == {"pending"}


def test_the_rate_limit_spaces_the_messages(five):
    handler = Handler()
    with smtp_server(handler) as server:
        five.send(plain(server.port), Pacing(per_minute=120))
    assert five.clock.sleeps == [0.5] * 4
    assert len(handler.received) == 5


def test_a_message_over_the_servers_size_limit_is_refused_before_the_first(five):
    handler = Handler()
    with smtp_server(handler, data_size_limit=100_000) as server:
        with pytest.raises(ServerRefused, match="takes messages up to 100000 bytes"):
            five.send(plain(server.port))
    assert handler.received == []
    assert set(five.states().values()) == {"pending"}


def test_ssl_cert_file_is_honoured_as_well_as_cafile(five, loopback_ca, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(loopback_ca.cafile))
    handler = Handler()
    with smtp_server(handler, tls="starttls", ca=loopback_ca) as server:
        assert five.send(Server(LOOPBACK, server.port, "starttls")).outcomes == {"sent": 5}


def test_ctrl_c_stops_the_run_with_the_journal_up_to_date(five):
    from kennisdag_pdf.mail.deliver import Interrupted

    handler = Handler()

    def interrupt_on_the_third(seconds):
        if len(handler.received) == 2:
            raise KeyboardInterrupt
        five.clock.now += seconds

    five.clock.sleep = interrupt_on_the_third
    with smtp_server(handler) as server:
        with pytest.raises(Interrupted, match="interrupted after 2 messages sent in this run"):
            five.send(plain(server.port), Pacing(per_minute=6000))
    assert list(five.states().values()) == ["sent"] * 2 + ["pending"] * 3


@pytest.mark.parametrize("answer, refused", [("502 5.5.1 Command not implemented", True),
                                             ("454 4.7.0 TLS not available", False)])
def test_a_refused_starttls_never_falls_back_to_plain_text(five, answer, refused):
    """smtplib raises for any answer to STARTTLS but 220: a 5xx refuses the run at once, a
    4xx is a temporary failure like any other; nothing is sent in plain text either way."""
    from smtp_script import Script, scripted_server

    message = (f"the server refuses STARTTLS: {answer}; refusing to send in plain text")
    with scripted_server(Script(starttls=answer)) as server:
        if refused:
            with pytest.raises(ServerRefused, match=message):
                five.send(Server(LOOPBACK, server.port, "starttls"))
        else:
            result = five.send(Server(LOOPBACK, server.port, "starttls"),
                               Pacing(0, retry_wait=0, pause_after=2))
            assert result.paused == f"{LOOPBACK}:{server.port}: {message}"
        assert server.handler.received == []
    assert set(five.states().values()) == {"pending"}


@pytest.mark.parametrize("code, message, cafile", [
    (62, "Hostname mismatch, certificate is not valid for 'smtp.example.org'.", None),
    (20, "unable to get local issuer certificate", None),
    (20, "unable to get local issuer certificate", "ca.pem"),
    (10, "certificate has expired", "ca.pem"),
])
def test_an_untrusted_certificate_gets_the_hint_that_fits(code, message, cafile):
    from pathlib import Path

    from kennisdag_pdf.mail.smtp import _tls_refused

    exc = ssl.SSLCertVerificationError(1, message)
    exc.verify_code, exc.verify_message = code, message
    server = Server("smtp.example.org", 587, cafile=Path(cafile) if cafile else None)
    shown = str(_tls_refused(server, exc))
    why = message.rstrip(".")
    assert shown == {
        62: f"smtp.example.org:587: the server's certificate is made out to another name "
            f"({why}); give --smtp-host the name on the certificate",
        20: f"smtp.example.org:587: the server's certificate is not trusted ({why}); "
            + ("it is not signed by a CA in --cafile ca.pem" if cafile
               else "for a private CA give --cafile"),
        10: f"smtp.example.org:587: the server's certificate is not trusted ({why})",
    }[code]


@dataclass
class _AfterTheData(Handler):
    """Answers every message's data with one refusal."""

    answer: str = "552 5.3.4 Message size exceeds fixed limit"

    async def handle_DATA(self, server, session, envelope):
        return self.answer


def test_a_message_refused_for_its_size_after_the_data_stops_the_run(five):
    """A server that does not offer SIZE, then refuses the message (5.3.4): the others would
    be refused alike, so one refusal stops the run; the journal keeps that one as failed."""
    first = five.listed.recipients[0].email
    with smtp_server(_AfterTheData(), data_size_limit=None) as server:
        with pytest.raises(ServerRefused, match=r"refuses the message for its size \(552 5\.3\.4 "
                                                r"Message size exceeds fixed limit\); with the "
                                                r"brochure attached one is \d+ bytes"):
            five.send(plain(server.port))
    assert list(five.states().values()) == ["failed"] + ["pending"] * 4
    assert five.replies()[first] == "552 5.3.4 Message size exceeds fixed limit"


def test_a_full_mailbox_after_the_data_fails_that_recipient_only(five):
    with smtp_server(_AfterTheData("552 5.2.2 Mailbox full")) as server:
        result = five.send(plain(server.port))
    assert result.outcomes == {"failed": 5}
