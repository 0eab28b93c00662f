"""How the client reads and judges the server's replies (issue 14, items 3, 10 and 22).

Only a 4xx to the end of the data means "not taken, try again"; 2xx sent, 5xx failed, and
anything else (1xx, 3xx, text that is no reply, a reply cut off) unknown. A reply is bounded in
lines, bytes and time: past them it is a protocol error, deferred before the final "." left
and unknown after. And where the final "." provably never left, the message is deferred.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from mail_helpers import LOOPBACK, raw_server, read_command

from kennisdag_pdf.mail.smtp import (MAX_REPLY_LINE, MAX_REPLY_LINES, Connection, Server,
                                     ServerUnavailable)

GREETING = b"220 loopback ESMTP\r\n"
EHLO = b"250-loopback\r\n250 8BITMIME\r\n"


def server(port: int, timeout: float = 2.0) -> Server:
    return Server(LOOPBACK, port, "none", timeout=timeout)


def endless(client, line: bytes) -> None:
    """Send line until the client hangs up: memory must not grow with it."""
    block = line * 256
    while True:
        client.sendall(block)


class Session:
    """A server that answers properly up to the end of the data, where `end` answers, and
    records what it read of the message."""

    def __init__(self, end, *, data=None) -> None:
        self.end, self.data = end, data
        self.dots = 0
        self.message = bytearray()

    def __call__(self, client, reader) -> None:
        client.sendall(GREETING)
        while line := read_command(reader):
            if line.startswith((b"EHLO", b"HELO")):
                client.sendall(EHLO)
            elif line.startswith((b"MAIL", b"RCPT", b"RSET")):
                client.sendall(b"250 OK\r\n")
            elif line.startswith(b"QUIT"):
                client.sendall(b"221 Bye\r\n")
                return
            elif line.startswith(b"DATA"):
                client.sendall(b"354 go ahead\r\n")
                if self.data is not None:
                    return self.data(client, reader, self)
                while (line := reader.readline(1 << 20)) != b".\r\n":
                    if not line:
                        return
                    self.message += line
                self.dots += 1
                if self.end(client) is False:
                    return


def transact(port: int, data: bytes = b"Subject: x\r\n\r\nhello\r\n", timeout: float = 2.0):
    connection = Connection(server(port, timeout))
    try:
        return connection.transaction("a@example.org", "b@example.org", data, lambda: None)
    finally:
        connection.drop()


def answer(reply: bytes):
    def end(client):
        if reply:
            client.sendall(reply)
        last = reply.rstrip(b"\r\n").rsplit(b"\r\n", 1)[-1]
        cut_off = not reply.endswith(b"\r\n") or last[3:4] == b"-"
        return not cut_off  # a reply cut off (or none): hang up
    return end


@pytest.mark.parametrize("reply, state", [
    (b"250 2.0.0 queued\r\n", "sent"),
    (b"251 OK\r\n", "sent"),
    (b"220 hello\r\n", "sent"),
    (b"250-queued\r\n250 as 12345\r\n", "sent"),
    (b"451 4.3.0 try later\r\n", "deferred"),
    (b"550 5.7.1 refused\r\n", "failed"),
    (b"354 go ahead\r\n", "unknown"),
    (b"199 what\r\n", "unknown"),
    (b"399 what\r\n", "unknown"),
    (b"600 what\r\n", "unknown"),
    (b"OK, thanks\r\n", "unknown"),
    (b"250-cut off", "unknown"),
    (b"250-first line\r\n", "unknown"),
    (b"25", "unknown"),
    (b"", "unknown"),  # hang-up without a word
    (b"250-a\r\n451 b\r\n", "unknown"),  # a code that changes midway: no reply at all
], ids=lambda v: v if isinstance(v, str) else None)
def test_only_a_4xx_to_the_end_of_the_data_means_send_again(reply, state):
    session = Session(answer(reply))
    with raw_server(session) as port:
        outcome = transact(port)
    assert session.dots == 1
    assert outcome.state == state, outcome
    if state == "unknown":
        assert outcome.connection_lost  # never go on with a server that is out of step


@pytest.mark.parametrize("reply", [
    b"250-x\r\n" * (MAX_REPLY_LINES + 1) + b"250 end\r\n",
    b"250 " + b"x" * MAX_REPLY_LINE + b"\r\n",
], ids=["too-many-lines", "line-too-long"])
def test_a_reply_past_its_bounds_after_the_data_leaves_the_message_unknown(reply):
    with raw_server(Session(answer(reply))) as port:
        outcome = transact(port)
    assert outcome.state == "unknown" and outcome.connection_lost
    assert "may have arrived" in outcome.reply


def test_an_endless_reply_after_the_data_is_cut_short(monkeypatch):
    with raw_server(Session(lambda client: endless(client, b"250-more\r\n"))) as port:
        started = time.monotonic()
        outcome = transact(port)
    assert outcome.state == "unknown" and f"past {MAX_REPLY_LINES} lines" in outcome.reply
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("line", [b"220-welcome\r\n", b"220 welcome" + b" " * 4096],
                         ids=["lines", "one-line"])
def test_an_endless_greeting_is_a_protocol_error_not_a_memory_error(line):
    with raw_server(lambda client, reader: endless(client, line)) as port:
        with pytest.raises(ServerUnavailable) as caught:
            Connection(server(port))
    assert "runs past" in str(caught.value)


def test_an_endless_ehlo_reply_is_a_protocol_error():
    def session(client, reader):
        client.sendall(GREETING)
        read_command(reader)
        endless(client, b"250-SIZE 1000\r\n")

    with raw_server(session) as port:
        with pytest.raises(ServerUnavailable) as caught:
            Connection(server(port))
    assert f"past {MAX_REPLY_LINES} lines" in str(caught.value)


def test_a_reply_trickling_in_byte_by_byte_ends_at_the_timeout():
    """Each byte comes within the timeout; the reply as a whole must too."""
    def session(client, reader):
        for _ in range(200):
            client.sendall(b"2")
            time.sleep(0.02)

    with raw_server(session) as port:
        started = time.monotonic()
        with pytest.raises(ServerUnavailable) as caught:
            Connection(server(port, timeout=0.3))
    assert "did not come in time" in str(caught.value)
    assert time.monotonic() - started < 1.5


def test_an_endless_reply_to_the_data_command_defers():
    """Before the final "." nothing can have been delivered."""
    def session(client, reader):
        client.sendall(GREETING)
        while line := read_command(reader):
            if line.startswith(b"DATA"):
                endless(client, b"354-more\r\n")
            client.sendall(EHLO if line.startswith(b"EHLO") else b"250 OK\r\n")

    with raw_server(session) as port:
        connection = Connection(server(port))
        try:
            outcome = connection.transaction("a@example.org", "b@example.org", b"x\r\n",
                                             lambda: None)
        finally:
            connection.drop()
    assert outcome.state == "deferred" and outcome.connection_lost


@pytest.mark.parametrize("refusal", [b"250 OK\r\n", b"399 what\r\n", b"hello\r\n"])
def test_a_reply_to_data_that_is_no_go_ahead_defers_and_never_counts_as_sent(refusal):
    """The old judge took a 250 to the DATA command for a message sent."""
    def session(client, reader):
        client.sendall(GREETING)
        while line := read_command(reader):
            client.sendall(refusal if line.startswith(b"DATA") else
                           EHLO if line.startswith(b"EHLO") else b"250 OK\r\n")

    with raw_server(session) as port:
        outcome = transact(port)
    assert outcome.state == "deferred"


def test_stray_lines_before_the_message_defer_it_unsent():
    """A server that said more than asked is out of step: the reply read after the "."
    would be a stale line, and a stale 4xx would make us send a message the server kept."""
    got = []

    def session(client, reader):
        client.sendall(GREETING)
        while line := read_command(reader):
            if line.startswith(b"DATA"):
                client.sendall(b"354 go ahead\r\n451 4.0.0 stray\r\n")  # one segment
                got.append(reader.read())
                return
            client.sendall(EHLO if line.startswith(b"EHLO") else b"250 OK\r\n")

    with raw_server(session) as port:
        outcome = transact(port)
    assert outcome.state == "deferred" and outcome.connection_lost, outcome
    assert b".\r\n" not in b"".join(got)


def test_a_hang_up_partway_through_the_message_defers_it():
    """Issue 14 item 22: the server hangs up 20 kB into the message; the write fails before
    the final "." is handed over, so the message cannot have been delivered."""
    def data(client, reader, session):
        session.message += reader.read(20_000)

    session = Session(None, data=data)
    big = (b"x" * 998 + b"\r\n") * 16_000  # 16 MB: more than the sockets can hold
    with raw_server(session) as port:
        outcome = transact(port, big)
    assert len(session.message) == 20_000
    assert outcome.state == "deferred" and outcome.connection_lost, outcome


def test_a_hang_up_right_after_the_go_ahead_defers_the_message():
    """The 61 kB message fits the socket buffers, but the hang-up is seen before the final
    "." goes out on its own."""
    closed = threading.Event()

    def data(client, reader, session):
        # shutdown, not close: the reader's file still holds the socket, and close() alone
        # would hang up only when the session returns, maybe after the client sent its "."
        client.shutdown(socket.SHUT_RDWR)
        closed.set()

    with raw_server(Session(None, data=data)) as port:
        connection = Connection(server(port))
        try:  # the body goes out only once the server has hung up
            outcome = connection.transaction("a@example.org", "b@example.org",
                                             (b"y" * 998 + b"\r\n") * 61,
                                             lambda: closed.wait(5))
        finally:
            connection.drop()
    assert outcome.state == "deferred" and outcome.connection_lost, outcome


def test_a_hang_up_once_the_whole_message_was_handed_over_stays_unknown():
    session = Session(lambda client: False)  # takes the "." and hangs up without a word
    with raw_server(session) as port:
        outcome = transact(port, (b"z" * 998 + b"\r\n") * 61)
    assert session.dots == 1 and outcome.state == "unknown"


def test_a_run_that_stops_inside_the_data_closes_without_waiting_for_an_answer():
    """A journal that cannot be written at `sending` stops the run after the go-ahead: a QUIT
    then would be read as message text and wait a whole timeout for an answer."""
    class JournalFull(Exception):
        pass

    def refuse():
        raise JournalFull

    session = Session(answer(b"250 OK\r\n"))
    with raw_server(session) as port:
        connection = Connection(server(port, timeout=5))
        with pytest.raises(JournalFull):
            connection.transaction("a@example.org", "b@example.org", b"x\r\n", refuse)
        started = time.monotonic()
        connection.close()
        assert time.monotonic() - started < 1
    assert session.dots == 0


@pytest.mark.parametrize("step", [b"MAIL", b"RCPT"])
def test_a_stray_line_after_an_earlier_reply_ends_the_session_before_the_next_command(step):
    """A 451 tacked onto the 250 for RCPT would otherwise be read as the answer to DATA, and
    everything after would answer the command before it."""
    commands = []

    def session(client, reader):
        client.sendall(GREETING)
        while line := read_command(reader):
            commands.append(line[:4])
            client.sendall(EHLO if line.startswith(b"EHLO") else
                           b"250 OK\r\n451 4.0.0 stray\r\n" if line.startswith(step) else
                           b"354 go ahead\r\n" if line.startswith(b"DATA") else b"250 OK\r\n")

    with raw_server(session) as port:
        outcome = transact(port)
    assert outcome.state == "deferred" and outcome.connection_lost
    assert commands[-1] == step and b"DATA" not in commands
