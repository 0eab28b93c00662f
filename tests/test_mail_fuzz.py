"""Nobody is mailed twice, whatever the server says: a Hypothesis state machine of reruns of
`mail --send` against a scripted SMTP server that may answer anything at any step.

Each rule is one run of the send loop (journal opened and begun as the command does); the
server's replies in that run follow a drawn script: at any step (greeting, EHLO, MAIL, RCPT,
DATA, the end of the data, RSET, QUIT) a well-formed reply of any class, a reply with a code
no server should give, text that is no SMTP reply, a reply cut off, an endless multi-line
reply, a line past the reader's limit, stray lines after a reply, or a hang-up. Up to 10 such
steps per message, and up to 5 reruns.

The invariant is the issue's: no recipient's final "." is taken by the server twice. "Taken"
counts every final "." the server received except one it answered with a plain 4xx, the one
answer by which a server says it did not keep the message (then mailing again is right). A
hang-up, a cut-off or unreadable answer after the "." counts as taken: the client cannot know.
And the journal never says `sent` for a recipient the server never took a message for.

The server is a plain socket server in a thread on loopback (aiosmtpd answers only as an SMTP
server should); the client's timeout is short, though no script makes it wait. `make test`
runs a fixed, derandomised set of examples (a few seconds); `make fuzz` (or
KENNISDAG_FUZZ_EXAMPLES=N) runs more, randomised.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from mail_helpers import LOOPBACK, write_recipients

from fuzzing import FUZZ_SECONDS, fuzz_settings
from kennisdag_pdf.errors import KennisdagError
from kennisdag_pdf.mail.deliver import Pacing, send_mailing
from kennisdag_pdf.mail.journal import Journal, default_path
from kennisdag_pdf.mail.message import Brochure, Composer
from kennisdag_pdf.mail.recipients import read_recipients
from kennisdag_pdf.mail.settings import Address, MailSettings
from kennisdag_pdf.mail.smtp import MAX_REPLY_LINE, MAX_REPLY_LINES, Server

pytestmark = pytest.mark.fuzz

RECIPIENTS = [("Anna", "anna@example.org", "", ""), ("Bert", "bert@example.org", "", ""),
              ("Carla", "carla@example.org", "", "")]
STEPS_PER_MESSAGE = 10
RERUNS = 5
HANG_UP = b""  # an action: close the connection instead of answering

PROPER = {"EHLO": b"250-loopback\r\n250 8BITMIME\r\n", "HELO": b"250 loopback\r\n",
          "MAIL": b"250 2.1.0 OK\r\n", "RCPT": b"250 2.1.5 OK\r\n", "DATA": b"354 go ahead\r\n",
          "RSET": b"250 2.0.0 OK\r\n", "NOOP": b"250 2.0.0 OK\r\n", "QUIT": b"221 2.0.0 Bye\r\n",
          "GREETING": b"220 loopback ESMTP\r\n", "END": b"250 2.0.0 queued\r\n"}


def _line(code: str, text: str = "x") -> bytes:
    return f"{code} {text}\r\n".encode()


# What the server may say at a step instead of the proper reply.
actions = st.one_of(
    st.sampled_from([HANG_UP, b"250 OK\r\n", b"251 OK\r\n", b"220 hello\r\n", b"354 go\r\n",
                     b"421 4.3.2 closing\r\n", b"451 4.3.0 later\r\n", b"452 full\r\n",
                     b"550 5.1.1 no\r\n", b"552 5.3.4 too big\r\n", b"554 no\r\n",
                     b"199 what\r\n", b"399 what\r\n", b"600 what\r\n", b"hello there\r\n",
                     b"250-cut off", b"250-first\r\n", b"25", b"250-a\r\n451 b\r\n",
                     b"250 OK\r\n451 4.0.0 stray\r\n", b"451 later\r\n250 stray\r\n",
                     b"354 go\r\n354 go\r\n",
                     b"250-x\r\n" * (MAX_REPLY_LINES + 5) + b"250 end\r\n",
                     b"451-" + b"x" * MAX_REPLY_LINE + b"\r\n451 end\r\n"]),
    st.builds(_line, st.integers(100, 599).map(str)),
)
# A script: which answer replaces the proper one at the nth time a step comes up in a run.
STEPS = ("GREETING", "EHLO", "MAIL", "RCPT", "DATA", "END", "RSET", "QUIT")
scripts = st.dictionaries(
    st.tuples(st.sampled_from(STEPS), st.integers(0, 2 * len(RECIPIENTS))), actions,
    max_size=STEPS_PER_MESSAGE * len(RECIPIENTS))


def _is_plain_4xx(answer: bytes) -> bool:
    """The first reply in answer is a complete, well-formed 4xx: the message was not kept."""
    first = answer.split(b"\r\n", 1)[0]
    return bool(re.fullmatch(rb"4[0-9][0-9]( .*)?", first)) and b"\r\n" in answer


@dataclass
class ScriptedServer:
    """Answers every command properly unless the script of the current run says otherwise;
    counts, per recipient, the final dots it took."""

    script: dict[tuple[str, int], bytes] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # times each step came up in this run
    taken: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> int:
        self.listener = socket.create_server((LOOPBACK, 0))
        self.listener.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        self.port = self.listener.getsockname()[1]
        return self.port

    def stop(self) -> None:
        self.stopping = True
        self.thread.join(5)
        self.listener.close()

    def _next(self, step: str) -> bytes:
        with self.lock:
            nth = self.seen.get(step, 0)
            self.seen[step] = nth + 1
        return self.script.get((step, nth), PROPER[step])

    def _serve(self) -> None:
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            with client:
                client.settimeout(5)
                try:
                    self._session(client.makefile("rb"), client)
                except OSError:
                    pass

    def _answer(self, client: socket.socket, answer: bytes) -> bool:
        """Send answer (or hang up); False when the session is over."""
        if answer == HANG_UP:
            return False
        client.sendall(answer)
        return answer.endswith(b"\r\n")  # a reply cut off: then hang up

    def _session(self, reader, client: socket.socket) -> None:
        if not self._answer(client, self._next("GREETING")):
            return
        recipients: list[str] = []
        while True:
            line = reader.readline(4096)
            if not line:
                return
            verb = line[:4].upper().decode("ascii", "replace")
            step = verb if verb in PROPER else "NOOP"
            if verb == "RCPT":
                match = re.search(rb"<([^>]*)>", line)
                recipients.append(match.group(1).decode().lower() if match else "")
            if verb in ("MAIL", "RSET"):
                recipients = []
            answer = self._next(step)
            if not self._answer(client, answer):
                return
            if verb == "QUIT":
                return
            if verb == "DATA" and answer.startswith(b"354 "):
                if not self._message(reader):
                    return
                answer = self._next("END")
                if not _is_plain_4xx(answer):
                    with self.lock:
                        for address in recipients:
                            self.taken[address] = self.taken.get(address, 0) + 1
                recipients = []
                if not self._answer(client, answer):
                    return

    @staticmethod
    def _message(reader) -> bool:
        """Read the message data up to its final "."; False if the client went first."""
        while True:
            line = reader.readline(1 << 20)
            if not line:
                return False
            if line == b".\r\n":
                return True


class NeverTwice(RuleBasedStateMachine):
    # set by the test: the attachment, a fresh folder per example, the server
    brochure: Brochure
    server: ScriptedServer

    def __init__(self) -> None:
        super().__init__()
        self.folder = type(self).next_folder()
        self.listed = read_recipients(write_recipients(self.folder, RECIPIENTS))
        self.journal_path = default_path(self.folder / "recipients.csv")
        self.composer = Composer(self.brochure, MailSettings(),
                                 Address("Kennisdag", "kennisdag@example.org"))
        self.server = type(self).server  # one listening server for all examples, reset
        self.server.script, self.server.taken = {}, {}
        self.states: dict[str, str] = {}

    @rule(script=scripts)
    def rerun(self, script) -> None:
        self.server.script, self.server.seen = script, {}
        server = Server(LOOPBACK, self.server.port, "none", timeout=0.5)
        try:
            with Journal.open(self.journal_path) as journal:
                journal.begin("kennisdag-2011", self.composer.brochure.sha256, self.listed)
                send_mailing(journal, self.listed, self.composer, server,
                             Pacing(per_minute=0, retry_wait=0, pause_after=5),
                             sleep=lambda seconds: None)
        except KennisdagError as exc:  # a refusal that stops the run (a 5xx to MAIL, size)
            assert exc.exit_code == 2, exc
        with Journal.read(self.journal_path) as journal:
            self.states = {d.address: d.state for d in journal.deliveries()}

    @invariant()
    def nobody_took_it_twice(self) -> None:
        twice = {address: n for address, n in self.server.taken.items() if n > 1}
        assert not twice, twice

    @invariant()
    def sent_only_what_the_server_took(self) -> None:
        for address, state in self.states.items():
            if state == "sent":
                assert self.server.taken.get(address, 0) >= 1, (address, self.states)


def test_nobody_is_mailed_twice_whatever_the_server_says(tmp_path_factory):
    from kennisdag_pdf.loader import load

    from conftest import DATA

    event = load(DATA / "kennisdag-2011.yaml", full_images=False).day.event
    # A stand-in attachment of 60 kB: the message spans many TCP segments, as a brochure does.
    NeverTwice.brochure = Brochure(event, b"%PDF-1.7\n" + bytes(range(256)) * 240)
    NeverTwice.next_folder = staticmethod(lambda: tmp_path_factory.mktemp("never-twice"))
    settings = fuzz_settings(60)
    settings = type(settings)(settings, stateful_step_count=RERUNS)
    NeverTwice.server = ScriptedServer()
    NeverTwice.server.start()
    deadline = time.monotonic() + FUZZ_SECONDS  # make fuzz: fresh rounds until time is up
    try:
        while True:
            run_state_machine_as_test(NeverTwice, settings=settings)
            if time.monotonic() >= deadline:
                break
    finally:
        NeverTwice.server.stop()
