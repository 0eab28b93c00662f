"""The send loop: every due recipient once, each step journaled before it is taken.

Per recipient: the SMTP transaction is opened (MAIL, RCPT, DATA); just before the message data
goes out the journal says `sending`; the server's answer then makes it `sent` (2xx), `failed`
(5xx), `deferred` (4xx, or a connection lost before the final "." left) or `unknown` (the
connection lost after it, or an answer that is none of these: see smtp.py). A deferred recipient goes to the back of the queue, at most
ATTEMPTS_PER_RUN times; what is still deferred then waits for the next run.

Temporary trouble (4xx, lost connections, a server that cannot be reached) is waited out
with a doubling backoff. After pause_after temporary failures in a row the run stops: a
server that keeps saying "later" is better left alone than hammered, and a rerun resumes.
A rate limit spaces the messages so that the server's own limits are not hit in the first
place.

crashpoints.reached() marks the moments around each journal change at which the crash tests
kill the process; unset, each costs one look-up.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ..crashpoints import reached
from ..errors import EXIT_INTERRUPTED, KennisdagError
from .journal import Journal
from .message import Composer
from .recipients import Recipient, RecipientList
from .smtp import Connection, Outcome, Server, ServerRefused, ServerUnavailable

ATTEMPTS_PER_RUN = 3
MAX_WAIT = 300.0  # seconds: the backoff doubles up to five minutes


class Interrupted(KennisdagError):
    """Ctrl-C during a send: the journal has every step so far, a rerun resumes."""

    exit_code = EXIT_INTERRUPTED


@dataclass(frozen=True)
class Pacing:
    per_minute: float = 60.0  # messages; 0: no limit
    retry_wait: float = 5.0  # seconds after the first temporary failure; doubled each time
    pause_after: int = 5  # temporary failures in a row that pause the run


@dataclass
class RunResult:
    """What this run did; the journal holds the whole mailing."""

    attempted: int = 0  # transactions begun
    outcomes: dict[str, int] = field(default_factory=dict)  # state → transactions ending so
    paused: str | None = None  # why the run stopped early
    seconds: float = 0.0


class _Pacer:
    """The waits between messages (the rate limit, the backoff after a temporary failure)
    and the count of temporary failures in a row."""

    def __init__(self, pacing: Pacing, sleep: Callable[[float], None],
                 clock: Callable[[], float]) -> None:
        self.pacing = pacing
        self.sleep = sleep
        self.clock = clock
        self.next_start = 0.0
        self.backoff = 0.0
        self.failures_in_a_row = 0

    def before_message(self) -> None:
        wait = max(self.next_start - self.clock(), self.backoff)
        self.backoff = 0.0
        if wait > 0:
            self.sleep(wait)
        if self.pacing.per_minute > 0:
            self.next_start = self.clock() + 60.0 / self.pacing.per_minute

    def succeeded(self) -> None:
        self.failures_in_a_row = 0

    def failed_for_now(self) -> bool:
        """Count a temporary failure and back off; False when the run should pause."""
        self.failures_in_a_row += 1
        self.backoff = min(MAX_WAIT, self.pacing.retry_wait * 2 ** (self.failures_in_a_row - 1))
        return self.failures_in_a_row < self.pacing.pause_after


def send_mailing(journal: Journal, recipients: RecipientList, composer: Composer,
                 server: Server, pacing: Pacing, *,
                 progress: Callable[[int, int], None] = lambda done, total: None,
                 log: Callable[[str], None] = lambda line: None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> RunResult:
    """Mail every recipient the journal has as due; returns when none is left, or paused."""
    started = clock()
    by_key = {r.key: r for r in recipients.recipients}
    queue: deque[Recipient] = deque(by_key[d.address] for d in journal.due())
    total, done = len(queue), 0
    tries: dict[str, int] = {}
    pacer = _Pacer(pacing, sleep, clock)
    result = RunResult()
    connection: Connection | None = None
    try:
        while queue:
            progress(done, total)
            recipient = queue.popleft()
            pacer.before_message()
            if connection is None:
                try:
                    connection = Connection(server)
                except ServerUnavailable as exc:
                    queue.appendleft(recipient)
                    log(f"not connected  {exc}")
                    if not pacer.failed_for_now():
                        result.paused = str(exc)
                        break
                    continue
            outcome = _deliver(journal, composer, connection, recipient)
            result.attempted += 1
            result.outcomes[outcome.state] = result.outcomes.get(outcome.state, 0) + 1
            log(f"{outcome.state:<8} {recipient.email}  {outcome.reply}")
            if outcome.connection_lost:
                connection.drop()
                connection = None
            if outcome.state != "deferred":
                pacer.succeeded()  # the server answered for good, so it is working
                done += 1
                continue
            tries[recipient.key] = tries.get(recipient.key, 0) + 1
            if tries[recipient.key] < ATTEMPTS_PER_RUN:
                queue.append(recipient)
            else:
                done += 1
            if not pacer.failed_for_now():
                result.paused = outcome.reply
                break
        progress(done, total)
    except KeyboardInterrupt:
        sent = result.outcomes.get("sent", 0)
        raise Interrupted(f"interrupted after {sent} message{'s' if sent != 1 else ''} sent in "
                          f"this run; the journal has every step: rerun the same command to "
                          f"resume") from None
    finally:
        if connection is not None:
            connection.close()
        result.seconds = clock() - started
    return result


def _deliver(journal: Journal, composer: Composer, connection: Connection,
             recipient: Recipient) -> Outcome:
    """One recipient, journaled: `sending` is on disk before the data leaves, the outcome
    before the next recipient is begun."""
    outgoing = composer.compose(recipient)
    limit = connection.size_limit()
    if limit is not None and len(outgoing.data) > limit:  # so, before the first message
        raise ServerRefused(f"{connection.server.where}: the server takes messages up to "
                            f"{limit} bytes; with the brochure attached one is "
                            f"{len(outgoing.data)} bytes")

    def before_data() -> None:
        reached("mail.transaction-open")
        journal.mark(recipient.key, "sending")
        reached("mail.sending")

    outcome = connection.transaction(composer.sender.email, recipient.email, outgoing.data,
                                     before_data)
    if outcome.state == "sent":
        reached("mail.delivered")
    journal.mark(recipient.key, outcome.state, outcome.reply)
    reached(f"mail.{outcome.state}")
    if outcome.too_large:  # a server that does not say its SIZE: one refusal is enough
        raise ServerRefused(f"{connection.server.where}: the server refuses the message for its "
                            f"size ({outcome.reply}); with the brochure attached one is "
                            f"{len(outgoing.data)} bytes, so every recipient would be refused "
                            f"alike and the run stops. Make the brochure smaller (or ask for a "
                            f"higher limit), then mail again with --new-mailing")
    return outcome
