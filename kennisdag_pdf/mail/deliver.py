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

The loop talks to a transport: an SMTP server (smtp.Server) or Microsoft Graph
(graph.GraphService), each of whose connections runs one transaction per recipient and judges
its outcome the same way. Signed in with a token, a session the server ends for an expired
sign-in (SignInExpired, before any of the message left) is opened again with a renewed token,
the recipient first in line again and nothing journaled. A refusal about the sender or the
account (outcome.stop) stops the run; a provider's daily limit (outcome.pause) pauses it; a
server's Retry-After is waited out.

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
from .oauth import TokenUnavailable
from .smtp import Outcome, Server, ServerRefused, ServerUnavailable, SignInExpired

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
    limit_reached: bool = False  # paused for a provider's (daily) limit, not for failures
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

    def failed_for_now(self, retry_after: float | None = None) -> bool:
        """Count a temporary failure and back off, at least as long as the server asked;
        False when the run should pause."""
        self.failures_in_a_row += 1
        self.backoff = min(MAX_WAIT, self.pacing.retry_wait * 2 ** (self.failures_in_a_row - 1))
        if retry_after is not None:
            self.backoff = max(self.backoff, retry_after)
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
    connection = None
    sign_ins_expired = 0  # in a row: a server that asks again right after a fresh token
    try:
        while queue:
            progress(done, total)
            recipient = queue.popleft()
            pacer.before_message()
            if connection is None:
                try:
                    connection = server.connect()
                except ServerUnavailable as exc:
                    queue.appendleft(recipient)
                    log(f"not connected  {exc}")
                    if not pacer.failed_for_now():
                        result.paused = str(exc)
                        break
                    continue
            try:
                outcome = _deliver(journal, composer, connection, recipient)
            except SignInExpired as exc:  # before anything of the message was sent
                connection.drop()
                connection = None
                queue.appendleft(recipient)
                sign_ins_expired += 1
                log(f"sign-in expired  {exc}; renewing the token")
                _renew(server, str(exc), sign_ins_expired)
                continue
            sign_ins_expired = 0
            result.attempted += 1
            result.outcomes[outcome.state] = result.outcomes.get(outcome.state, 0) + 1
            log(f"{outcome.state:<8} {recipient.email}  {outcome.reply}")
            if outcome.connection_lost:
                connection.drop()
                connection = None
            if outcome.pause:  # a daily limit: every further message would be refused alike
                result.paused, result.limit_reached = f"{outcome.reply}: {outcome.pause}", True
                break
            if outcome.state != "deferred":
                pacer.succeeded()  # the server answered for good, so it is working
                done += 1
                continue
            tries[recipient.key] = tries.get(recipient.key, 0) + 1
            if tries[recipient.key] < ATTEMPTS_PER_RUN:
                queue.append(recipient)
            else:
                done += 1
            if outcome.retry_after is not None and outcome.retry_after > MAX_WAIT:
                result.paused = (f"{outcome.reply}; the server asks to wait "
                                 f"{outcome.retry_after:.0f} s: run the same command after "
                                 f"that")
                result.limit_reached = True
                break
            if not pacer.failed_for_now(outcome.retry_after):
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


def _renew(server, why: str, in_a_row: int) -> None:
    """A fresh token after the server asked to sign in again; the run stops when it asks
    again at once, or when no fresh token can be had."""
    if in_a_row > 1 or server.tokens is None:
        raise ServerRefused(f"{why}: the server asks to sign in again even with a fresh "
                            f"token; nothing more was sent")
    try:
        server.tokens.renew()
    except TokenUnavailable as exc:
        raise ServerRefused(f"{why}: the sign-in ran out during the mailing; {exc}") from None


def _deliver(journal: Journal, composer: Composer, connection,
             recipient: Recipient) -> Outcome:
    """One recipient, journaled: `sending` is on disk before the data leaves, the outcome
    before the next recipient is begun."""
    outgoing = composer.compose(recipient)
    too_large = connection.too_large(len(outgoing.data))
    if too_large:  # so, before the first message
        raise ServerRefused(too_large)

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
    if outcome.stop:  # about the sender or the account: every message would meet it alike
        raise ServerRefused(f"{connection.server.where}: {outcome.reply}: {outcome.stop}; the "
                            f"run stops here and {recipient.email} is mailed by the same "
                            f"command once that is done")
    if outcome.too_large:  # a server that does not say its SIZE: one refusal is enough
        raise ServerRefused(f"{connection.server.where}: the server refuses the message for its "
                            f"size ({outcome.reply}); with the brochure attached one is "
                            f"{len(outgoing.data)} bytes, so every recipient would be refused "
                            f"alike and the run stops. Make the brochure smaller (or ask for a "
                            f"higher limit), then mail again with --new-mailing")
    return outcome
