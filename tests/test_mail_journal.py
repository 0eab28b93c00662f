"""The mailing journal: its states and their only allowed changes, resuming, recovery after a
killed run, refusing changed inputs, new mailings, the lock; and a stateful property test that
holds the journal to a model through any sequence of steps and restarts."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kennisdag_pdf.errors import BadInput
from kennisdag_pdf.mail.journal import (INTERRUPTED, STATES, IllegalTransition, Journal,
                                        JournalBusy, default_path)
from kennisdag_pdf.mail.recipients import Recipient, RecipientList

PDF_A, PDF_B = "a" * 64, "b" * 64
ADDRESSES = ["anna@example.org", "bob@example.org", "carla@example.org"]
# The specification, written out here rather than read from the journal: state → the states
# it may be reached from by a step of the send loop.
ALLOWED = {
    "sending": {"pending", "deferred"},
    "sent": {"sending"},
    "failed": {"pending", "deferred", "sending"},
    "deferred": {"pending", "deferred", "sending"},
    "unknown": {"sending"},
}


def listing(addresses=ADDRESSES, sha="1" * 64) -> RecipientList:
    return RecipientList("recipients.csv", sha, tuple(
        Recipient(line, address.split("@")[0].title(), address, None, None)
        for line, address in enumerate(addresses, 2)))


@pytest.fixture
def path(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # messages name the journal as the user would
    return default_path(tmp_path / "recipients.csv")


def states(journal: Journal) -> dict[str, str]:
    return {d.address: d.state for d in journal.deliveries()}


def test_the_journal_lives_beside_the_csv(tmp_path):
    assert default_path(tmp_path / "list.csv") == tmp_path / "list.csv.journal.sqlite"


def test_a_new_mailing_begins_pending_and_resumes_where_it_was(path):
    with Journal.open(path) as journal:
        assert journal.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        begun = journal.begin("kennisdag-2011", PDF_A, listing())
        assert begun.new and begun.mailing.id == 1
        assert [d.address for d in journal.due()] == ADDRESSES
        journal.mark("anna@example.org", "sending")
        journal.mark("anna@example.org", "sent", "250 OK")
        journal.mark("bob@example.org", "deferred", "450 busy")
        journal.mark("carla@example.org", "failed", "550 no such user")
    with Journal.open(path) as journal:
        begun = journal.begin("kennisdag-2011", PDF_A, listing())
        assert not begun.new and begun.mailing.id == 1
        assert [d.address for d in journal.due()] == ["bob@example.org"]
        [bob] = journal.due()
        assert (bob.attempts, bob.reply) == (1, "450 busy")


@pytest.mark.parametrize("source, target", [
    (source, target) for target in ALLOWED for source in STATES
    if source not in ALLOWED[target]])
def test_only_the_journals_transitions_are_allowed(path, source, target):
    with Journal.open(path) as journal:
        journal.begin("kennisdag-2011", PDF_A, listing())
        journal.db.execute("UPDATE delivery SET state = ?", (source,))
        with pytest.raises(IllegalTransition):
            journal.mark("anna@example.org", target)
        assert states(journal)["anna@example.org"] == source


def test_a_run_killed_while_sending_leaves_unknown_not_pending(path):
    with Journal.open(path) as journal:
        journal.begin("kennisdag-2011", PDF_A, listing())
        journal.mark("anna@example.org", "sending")
    with Journal.open(path) as journal:
        begun = journal.begin("kennisdag-2011", PDF_A, listing())
        assert begun.recovered == 1
        [anna] = journal.deliveries(("unknown",))
        assert anna.reply == INTERRUPTED
        assert [d.address for d in journal.due()] == ADDRESSES[1:]
    with Journal.open(path) as journal:
        assert journal.begin("kennisdag-2011", PDF_A, listing(), retry_unknown=True).retried == 1
        assert [d.address for d in journal.due()] == ADDRESSES


def test_a_changed_pdf_or_list_is_not_resumed(path):
    with Journal.open(path) as journal:
        journal.begin("kennisdag-2011", PDF_A, listing())
        journal.mark("anna@example.org", "sending")
        journal.mark("anna@example.org", "sent")
        with pytest.raises(BadInput) as caught:
            journal.begin("kennisdag-2011", PDF_B, listing())
        assert caught.value.lines()[0] == (
            "recipients.csv.journal.sqlite: the brochure changed since the mailing began (PDF "
            f"{PDF_A[:12]}…, now {PDF_B[:12]}…); mailing 1 began on "
            f"{journal.mailing.begun_at[:10]} and 1 of its recipients have (or may have) the "
            "brochure. To mail this PDF to everybody who has not had it, add --new-mailing")
        with pytest.raises(BadInput) as caught:
            journal.begin("kennisdag-2011", PDF_A, listing(sha="2" * 64))
        assert "recipients.csv changed since the mailing began" in caught.value.lines()[0]
        assert states(journal)["anna@example.org"] == "sent"


def test_a_mailing_that_never_reached_the_server_begins_anew_after_a_change(path):
    """Refused for TLS or a login before the first message: fixing the list then needs no
    --new-mailing, nobody has anything to be protected from."""
    with Journal.open(path) as journal:
        first = journal.begin("kennisdag-2011", PDF_A, listing())
        again = journal.begin("kennisdag-2011", PDF_A, listing(sha="2" * 64))
        assert again.new and again.mailing.id == first.mailing.id + 1
        journal.mark("anna@example.org", "sending")  # now someone was attempted
        with pytest.raises(BadInput, match="changed since the mailing began"):
            journal.begin("kennisdag-2011", PDF_B, listing(sha="2" * 64))


def test_a_new_mailing_skips_whoever_has_this_very_pdf(path):
    with Journal.open(path) as journal:
        journal.begin("kennisdag-2011", PDF_A, listing())
        for address, state in [("anna@example.org", "sent"), ("bob@example.org", "unknown")]:
            journal.mark(address, "sending")
            journal.mark(address, state)
        journal.mark("carla@example.org", "failed", "550")
        more = listing([*ADDRESSES, "dirk@example.org"], sha="2" * 64)
        begun = journal.begin("kennisdag-2011", PDF_A, more, new_mailing=True)
        assert (begun.mailing.id, begun.carried) == (2, 2)
        assert states(journal) == {"anna@example.org": "sent", "bob@example.org": "unknown",
                                   "carla@example.org": "pending",
                                   "dirk@example.org": "pending"}
        begun = journal.begin("kennisdag-2011", PDF_B, more, new_mailing=True)
        assert (begun.mailing.id, begun.carried) == (3, 0)
        assert set(states(journal).values()) == {"pending"}


def test_one_sending_run_at_a_time(path):
    with Journal.open(path):
        with pytest.raises(JournalBusy) as caught:
            Journal.open(path)
        assert caught.value.exit_code == 75
        with Journal.read(path) as reader:  # a report never waits for the lock
            assert reader.counts()["pending"] == 0
    Journal.open(path).close()


def test_a_killed_run_leaves_no_stale_lock(path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from kennisdag_pdf.mail.journal import Journal; "
                               "Journal.open(Path(sys.argv[1])); print('locked', flush=True); "
                               "time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(JournalBusy):
            Journal.open(path)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        holder.stdout.close()
    Journal.open(path).close()


def test_reading_a_journal_that_is_not_there_or_not_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadInput) as caught:
        Journal.read(Path("x.journal.sqlite"))
    assert caught.value.lines()[0].startswith("x.journal.sqlite: no journal here")
    Path("junk.sqlite").write_bytes(os.urandom(4096))
    with pytest.raises(BadInput) as caught:
        Journal.read(Path("junk.sqlite"))
    assert caught.value.lines()[0].startswith("junk.sqlite: not a mailing journal")


class JournalMachine(RuleBasedStateMachine):
    """The journal against a model: states change only as ALLOWED says, a restart turns
    `sending` into `unknown`, --retry-unknown makes unknown pending, changed inputs are refused
    without a trace, and a new mailing keeps who had the same PDF."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.path = Path(self.folder.name) / "recipients.csv.journal.sqlite"
        self.journal = Journal.open(self.path)
        self.pdf = PDF_A
        self.journal.begin("kennisdag-2011", self.pdf, listing())
        self.model = dict.fromkeys(ADDRESSES, "pending")
        self.history: list[tuple[str, dict[str, str]]] = []  # earlier mailings: pdf, states
        self.attempted = False  # has the current mailing tried anybody yet?

    def teardown(self) -> None:
        self.journal.close()
        self.folder.cleanup()

    @rule(address=st.sampled_from(ADDRESSES), state=st.sampled_from(sorted(ALLOWED)))
    def mark(self, address, state):
        if self.model[address] in ALLOWED[state]:
            self.journal.mark(address, state, f"to {state}")
            self.model[address] = state
            self.attempted = True
        else:
            with pytest.raises(IllegalTransition):
                self.journal.mark(address, state)

    @rule(retry_unknown=st.booleans())
    def restart(self, retry_unknown):
        self.journal.close()
        self.journal = Journal.open(self.path)
        self.journal.begin("kennisdag-2011", self.pdf, listing(), retry_unknown=retry_unknown)
        for address, state in self.model.items():
            if state == "sending" or (state == "unknown" and retry_unknown):
                self.model[address] = "pending" if retry_unknown else "unknown"

    @precondition(lambda self: self.attempted)
    @rule()
    def changed_pdf_is_refused(self):
        with pytest.raises(BadInput):
            self.journal.begin("kennisdag-2011", PDF_B if self.pdf == PDF_A else PDF_A,
                               listing())

    @precondition(lambda self: not self.attempted)
    @rule()
    def changed_pdf_before_any_attempt_begins_anew(self):
        self._begin_new(PDF_B if self.pdf == PDF_A else PDF_A, new_mailing=False)

    @precondition(lambda self: "sending" not in self.model.values())
    @rule(same_pdf=st.booleans())
    def new_mailing(self, same_pdf):
        self._begin_new(self.pdf if same_pdf else (PDF_B if self.pdf == PDF_A else PDF_A))

    def _begin_new(self, pdf: str, new_mailing: bool = True) -> None:
        self.history.append((self.pdf, dict(self.model)))
        self.pdf = pdf
        self.journal.begin("kennisdag-2011", self.pdf, listing(), new_mailing=new_mailing)
        self.attempted = False
        for address in ADDRESSES:
            had = {states[address] for pdf, states in self.history if pdf == self.pdf}
            self.model[address] = ("sent" if "sent" in had else
                                   "unknown" if "unknown" in had else "pending")

    @invariant()
    def journal_matches_the_model(self):
        assert states(self.journal) == self.model
        assert [d.address for d in self.journal.due()] == [
            a for a in ADDRESSES if self.model[a] in ("pending", "deferred")]


TestJournalMachine = JournalMachine.TestCase
TestJournalMachine.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)


def test_the_journal_is_sqlite_that_other_tools_can_read(path):
    with Journal.open(path) as journal:
        journal.begin("kennisdag-2011", PDF_A, listing())
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM delivery WHERE state = 'pending'"
                          ).fetchone()[0] == 3
    db.close()
