"""What --status and the end of a send show: the mailing, a count per state, and each
recipient who needs the organiser's attention with the CSV line and the server's words."""

from __future__ import annotations

from dataclasses import dataclass

from .journal import STATES, Journal

# What the organiser can do about each state that is not `sent`.
ADVICE = {
    "pending": "not mailed yet: rerun to mail them",
    "sending": "being mailed by a run now (or by one that died: the next run makes them "
               "unknown)",
    "deferred": "refused for now (4xx) or the connection broke: rerun later",
    "failed": "refused for good (5xx): correct the address, then --new-mailing mails only "
              "whoever has not had this PDF",
    "unknown": "may have arrived (RFC 1047): ask them; --retry-unknown mails them again",
}


@dataclass(frozen=True)
class Report:
    headline: str
    rows: list[tuple[str, str, str]]  # state, recipients, what to do
    attention: list[str]  # one line per recipient not sent, located in the CSV
    delivered: bool  # everyone is `sent`


def report(journal: Journal) -> Report:
    mailing = journal.mailing
    if mailing is None:
        return Report(f"{journal.name}: no mailing has begun", [], [], False)
    counts = journal.counts()
    total = sum(counts.values())
    rows = [(state, str(counts[state]), ADVICE.get(state, ""))
            for state in STATES if counts[state] or state == "sent"]
    attention = [f"{mailing.recipients_file}:{d.line}: {d.address}: {d.state}: "
                 f"{d.reply or ADVICE[d.state]}"
                 for d in journal.deliveries(tuple(s for s in STATES if s != "sent"))]
    headline = (f"{journal.name}: mailing {mailing.id} of {mailing.event_id} (PDF "
                f"{mailing.pdf_sha256[:12]}…), begun {mailing.begun_at}: {counts['sent']} of "
                f"{total} sent")
    return Report(headline, rows, attention, counts["sent"] == total)
