"""One run of the `mail` command: the options checked together, then the status report, the
dry run or the real mailing.

The command line parses the options into one Options and shows what a run says through a
Voice; this module prints nothing and returns the exit status (errors.py) that the run ends
with, or raises KennisdagError.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..build import Report
from ..errors import EXIT_DELIVERY_INCOMPLETE, EXIT_OK, EXIT_PAUSED, BadInput
from . import DEFAULT_PORTS


@dataclass(frozen=True)
class Options:
    """Every option of `mail`, as the command line gave it."""

    event_file: Path
    recipients: Path
    send: bool = False
    status: bool = False
    smtp_host: Optional[str] = None
    smtp_port: Optional[int] = None
    smtp_user: Optional[str] = None
    tls: str = "starttls"
    cafile: Optional[Path] = None
    journal: Optional[Path] = None
    retry_unknown: bool = False
    new_mailing: bool = False
    sender: Optional[str] = None  # --from
    rate: Optional[float] = None  # None: the provider's documented pace, else DEFAULT_RATE
    max_attachment: str = "10MB"
    retry_wait: float = 5
    pause_after: int = 5
    output: Optional[Path] = None
    page_size: str = "a5"
    smtp_auth: Optional[str] = None  # password or xoauth2; None: mail.yaml's, else password
    token_command: Optional[str] = None
    via: Optional[str] = None  # smtp or graph; None: mail.yaml's, else smtp


DEFAULT_RATE = 60.0  # messages a minute, to a server whose limits we do not know
SMTP_TOKEN_VARIABLE = "KENNISDAG_SMTP_TOKEN"
GRAPH_TOKEN_VARIABLE = "KENNISDAG_GRAPH_TOKEN"


def _nothing(*args) -> None:
    pass


class _NoCounter:
    def __call__(self, done: int, total: int) -> None:
        pass

    def done(self) -> None:
        pass


@dataclass(frozen=True)
class Voice:
    """How a run speaks. say: a result line; warn: a line that needs attention; detail: what
    --verbose adds; table(header, rows); counter(label) makes a progress callback
    (done, total) with done(), called when the loop ends; build: the build's own Report."""

    say: Callable[[str], None] = _nothing
    warn: Callable[[str], None] = _nothing
    detail: Callable[[str], None] = _nothing
    table: Callable[[tuple, list], None] = _nothing
    counter: Callable[[str], Callable[[int, int], None]] = lambda label: _NoCounter()
    build: Report = Report()


def run(options: Options, voice: Voice = Voice()) -> int:
    """The whole run; its exit status: EXIT_OK when everyone has the brochure (or after a dry
    run), EXIT_DELIVERY_INCOMPLETE when not, EXIT_PAUSED after temporary failures in a row."""
    return _Run(options, voice).run()


class _Run:
    def __init__(self, options: Options, voice: Voice) -> None:
        self.o = options
        self.voice = voice

    def run(self) -> int:
        from .journal import Journal, default_path

        o = self.o
        journal_path = o.journal or default_path(o.recipients)
        send_only = {"--smtp-host": o.smtp_host, "--smtp-port": o.smtp_port,
                     "--smtp-user": o.smtp_user, "--cafile": o.cafile,
                     "--retry-unknown": o.retry_unknown, "--new-mailing": o.new_mailing,
                     "--smtp-auth": o.smtp_auth, "--token-command": o.token_command,
                     "--via": o.via}
        given = [name for name, value in send_only.items() if value]
        if o.status and (o.send or given):
            raise BadInput.single("--status", f"only reports; leave out "
                                              f"{', '.join(given or ['--send'])}")
        if given and not o.send and not o.status:
            raise BadInput.single(given[0], "only with --send")
        if o.status:
            with Journal.read(journal_path) as book:
                return EXIT_OK if self.report(book) else EXIT_DELIVERY_INCOMPLETE
        listed, settings, origin, limit = self.read_inputs()
        if not o.send:
            self.dry_run(listed, *self.prepare(listed, settings, origin, limit))
            return EXIT_OK
        server = self.server_settings(settings, origin)
        with Journal.open(journal_path) as book:  # locked before the build: one run at a time
            composer, _ = self.prepare(listed, settings, origin, limit)
            if self.deliver(book, listed, composer, server, origin):
                return EXIT_PAUSED
            return EXIT_OK if self.report(book) else EXIT_DELIVERY_INCOMPLETE

    def read_inputs(self):
        """The recipients, mail.yaml, the sender and the attachment limit, all checked."""
        from ..loader import display_name
        from ..units import parse_size
        from .recipients import read_recipients
        from .settings import parse_address, read_settings

        o = self.o
        listed = read_recipients(o.recipients)
        settings = read_settings(o.recipients.parent)
        origin, problem = parse_address(o.sender) if o.sender else (settings.sender, None)
        if problem:
            raise BadInput.single("--from", problem)
        if origin is None:
            raise BadInput.single(display_name(o.recipients), "no sender: put 'from: Name "
                                  "<address>' in a mail.yaml beside it, or give --from")
        try:
            limit = parse_size(o.max_attachment)
        except ValueError as exc:
            raise BadInput.single("--max-attachment", str(exc)) from None
        return listed, settings, origin, limit

    def server_settings(self, settings, origin):
        """Where and how to send, checked; with a token, the first one is fetched now, so that
        a failing token command is said before the brochure is built."""
        from .smtp import Server, check_tls_choice

        o = self.o
        via = o.via or settings.via or "smtp"
        auth = o.smtp_auth or settings.smtp_auth or "password"
        if via == "graph":
            return self.graph_settings(settings, origin)
        if not o.smtp_host:
            raise BadInput.single("--smtp-host", "needed with --send")
        tokens = None
        if auth == "xoauth2":
            tokens = self.tokens(settings, SMTP_TOKEN_VARIABLE)
            password, user = None, o.smtp_user or origin.email
        else:
            if o.token_command:
                raise BadInput.single("--token-command", "only with --smtp-auth xoauth2 or "
                                                         "--via graph")
            password = os.environ.get("KENNISDAG_SMTP_PASSWORD") if o.smtp_user else None
            user = o.smtp_user
            if o.smtp_user and not password:
                raise BadInput.single("KENNISDAG_SMTP_PASSWORD", "not set; the password for "
                                      "--smtp-user is read only from it (or sign in with a "
                                      "token: --smtp-auth xoauth2)")
        check_tls_choice(o.smtp_host, o.tls, o.smtp_port)
        if tokens is not None:
            tokens.token()
        return Server(o.smtp_host, o.smtp_port or DEFAULT_PORTS[o.tls], o.tls, user,
                      password, o.cafile, auth=auth, tokens=tokens)

    def graph_settings(self, settings, origin):
        from .graph import GraphService, graph_base

        o = self.o
        smtp_only = {"--smtp-host": o.smtp_host, "--smtp-port": o.smtp_port,
                     "--smtp-user": o.smtp_user, "--smtp-auth": o.smtp_auth}
        given = [name for name, value in smtp_only.items() if value]
        if given:
            raise BadInput.single(given[0], "not used with --via graph, which sends as the "
                                            "From address through Microsoft Graph")
        base = graph_base(os.environ)
        tokens = self.tokens(settings, GRAPH_TOKEN_VARIABLE)
        tokens.token()
        return GraphService(base, origin.email, tokens, o.cafile)

    def tokens(self, settings, variable: str):
        """The token provider: --token-command, token_command in mail.yaml, the variable, the
        sign-in kept by `kennisdag-pdf login` (provider: in mail.yaml, else the host's, else
        the only one kept)."""
        from .oauth import token_provider
        from .signin import login_hint, stored_sign_in  # their libraries only when one is kept

        purpose = "graph" if variable == GRAPH_TOKEN_VARIABLE else "smtp"
        if self.o.token_command:
            return token_provider(self.o.token_command, variable)
        if settings.token_command:
            return token_provider(settings.token_command, variable,
                                  origin="mail.yaml: token_command")
        host = self.o.smtp_host if purpose == "smtp" else None
        return token_provider(
            None, variable, login=login_hint(purpose, host, settings.provider),
            signed_in=lambda: stored_sign_in(purpose, host=host, provider=settings.provider))

    def prepare(self, listed, settings, origin, limit):
        """The screen PDF, built as `build` builds it; the composer of its messages and the
        dry run's folder."""
        from ..build import make
        from ..units import human_size
        from .message import Brochure, Composer

        o = self.o
        made = make(o.event_file, "screen", o.page_size,
                    lambda loaded, chosen: o.output or Path("output") / "outbox"
                    / loaded.day.event.id, folder=True, report=self.voice.build)
        pdf = made.finished.pdf
        if len(pdf) > limit:
            raise BadInput.single("--max-attachment", f"the brochure is "
                                  f"{human_size(len(pdf))}, over the limit of "
                                  f"{human_size(limit)} for an attachment; nothing was sent")
        composer = Composer(Brochure(made.loaded.day.event, pdf, made.loaded.source_map),
                            settings, origin)
        composer.check(listed)
        return composer, made.target

    def dry_run(self, listed, composer, folder) -> None:
        from ..units import human_size
        from .outbox import write_outbox

        outbox = write_outbox(folder, listed.recipients, composer.compose)
        written = outbox.written
        for path in written:
            self.voice.detail(str(path))
        for path in outbox.left:
            self.voice.warn(f"{path}: left as it is: an earlier dry run wrote it, but it was "
                            f"changed since")
        attachment = composer.values(listed.recipients[0])["attachment"]
        self.voice.say(f"{folder}/: {len(written)} messages to check, each with "
                       f"'{attachment}' ({human_size(len(composer.brochure.pdf))}); nothing "
                       f"was sent: add --send --smtp-host HOST to send")

    def pace(self, server, origin, due: int) -> float:
        """--rate, or the provider's documented limit when the server is one we know."""
        from .providers import daily_limit, provider_for

        o, voice = self.o, self.voice
        host = getattr(server, "host", None)
        provider = provider_for(host)
        limit = daily_limit(host, origin.email)
        if limit is not None and due > limit:
            voice.warn(f"{host}: {due} messages to send, and {provider.name} allows about "
                       f"{limit} a day from {origin.email}: the run will stop at the limit "
                       f"and the same command mails the rest a day later")
        if o.rate is not None:
            if provider and (o.rate == 0 or o.rate > provider.per_minute):
                voice.warn(f"--rate {o.rate:g}: {provider.pace}; expect the server to hold "
                           f"messages back (the run then waits and tries again)")
            return o.rate
        if provider:
            voice.detail(f"pace     {provider.per_minute:g} messages a minute: "
                         f"{provider.pace} (--rate to change)")
            return provider.per_minute
        return DEFAULT_RATE

    def deliver(self, book, listed, composer, server, origin) -> bool:
        """The mailing; whether it paused."""
        from .deliver import Pacing, send_mailing

        o, voice = self.o, self.voice
        begun = book.begin(composer.brochure.event.id, composer.brochure.sha256, listed,
                           new_mailing=o.new_mailing, retry_unknown=o.retry_unknown)
        if begun.recovered:
            voice.warn(f"{book.name}: {begun.recovered} message(s) were being sent when a run "
                       f"ended: they may have arrived and count as unknown (see --status)")
        if begun.carried:
            voice.say(f"{begun.carried} recipient(s) already have this PDF from an earlier "
                      f"mailing")
        rate = self.pace(server, origin, len(book.due()))
        bar = voice.counter("mailing")
        try:
            result = send_mailing(book, listed, composer, server,
                                  Pacing(rate, o.retry_wait, o.pause_after), progress=bar,
                                  log=voice.detail)
        finally:
            bar.done()
        if result.attempted:
            voice.detail(f"send     {result.seconds:.2f} s  {result.attempted} transactions, "
                         f"{result.seconds / result.attempted * 1000:.0f} ms each")
        if result.paused:
            self.report(book)
            if result.limit_reached:
                voice.warn(f"paused: {result.paused}")
            else:
                voice.warn(f"paused after {o.pause_after} temporary failures in a row (last: "
                           f"{result.paused}); rerun the same command later to resume")
            return True
        return False

    def report(self, book) -> bool:
        """The journal's summary, who needs attention; everyone sent?"""
        from .report import report as journal_report

        shown = journal_report(book)
        self.voice.say(shown.headline)
        if shown.rows:
            self.voice.table(("state", "recipients", "what to do"), shown.rows)
        for line in shown.attention:
            self.voice.warn(line)
        return shown.delivered
