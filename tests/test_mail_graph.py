"""Sending through Microsoft Graph (`--via graph`) against a fake sendMail on loopback: 202,
throttling with Retry-After, a token that runs out, refusals that stop the run, a connection
lost after the request (unknown, never resent without --retry-unknown), the 4 MB limit, and
SIGKILL mid-mailing with nobody mailed twice, as the SMTP path is tested."""

from __future__ import annotations

import base64
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import DATA
from mail_helpers import (FakeGraph, Mailing, graph_server, people, run_cli, sha256,
                          token_script, tokens_issued, write_recipients)

from kennisdag_pdf.errors import BadInput
from kennisdag_pdf.mail import graph
from kennisdag_pdf.mail.deliver import Pacing
from kennisdag_pdf.mail.graph import GraphService, graph_base
from kennisdag_pdf.mail.journal import Journal
from kennisdag_pdf.mail.oauth import CommandToken, EnvironmentToken
from kennisdag_pdf.mail.settings import Address
from kennisdag_pdf.mail.smtp import ServerRefused

pytest_plugins = ["mail_fixtures"]

EVENT = DATA / "kennisdag-2011.yaml"
SENDER = Address("Kennisdag 2011", "kennisdag@example.org")
NO_WAITING = Pacing(per_minute=0, retry_wait=0, pause_after=5)
TOKEN = "eyJ0eXAi.SECRET-graph"


def service(base, tokens=None) -> GraphService:
    return GraphService(base, SENDER.email,
                        tokens or EnvironmentToken("T", {"T": TOKEN}))


def test_202_is_sent_with_the_same_message_as_mime(tmp_path, screen_2011):
    rows = people(3)
    mailing = Mailing(tmp_path, screen_2011, rows)
    fake = FakeGraph(lifetime={TOKEN: 100})
    with graph_server(fake) as base:
        result = mailing.send(service(base))
    assert result.outcomes == {"sent": 3} and set(mailing.states().values()) == {"sent"}
    assert fake.addresses() == [row[1] for row in rows]
    for received, recipient in zip(fake.received, mailing.listed.recipients):
        assert received.sender == SENDER.email  # POST /users/{From}/sendMail
        message = received.message  # the .eml the dry run writes, intact
        assert message["Message-ID"] == mailing.composer.compose(recipient).message_id
        assert [a.addr_spec for a in message["To"].addresses] == [recipient.email]
        assert sha256(received.attachment()) == sha256(screen_2011.pdf)


def test_https_through_a_test_ca_and_an_untrusted_certificate(tmp_path, screen_2011,
                                                              loopback_ca, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    mailing = Mailing(tmp_path, screen_2011, people(2))
    fake = FakeGraph(lifetime={TOKEN: 100})
    with graph_server(fake, ca=loopback_ca) as base:
        assert base.startswith("https://")
        with pytest.raises(ServerRefused, match="certificate is not trusted"):
            mailing.send(service(base))
        trusted = GraphService(base, SENDER.email, EnvironmentToken("T", {"T": TOKEN}),
                               loopback_ca.cafile)
        assert mailing.send(trusted).outcomes == {"sent": 2}


def test_a_connection_graph_closed_while_idle_is_opened_again_not_taken_for_unknown(
        tmp_path, screen_2011):
    rows = people(3)
    mailing = Mailing(tmp_path, screen_2011, rows)
    fake = FakeGraph(lifetime={TOKEN: 100}, close_when_idle=True)
    with graph_server(fake) as base:
        result = mailing.send(service(base))
    assert result.outcomes == {"sent": 3} and fake.addresses() == [row[1] for row in rows]


def test_429_with_retry_after_is_waited_out_then_sent(tmp_path, screen_2011):
    rows = people(3)
    mailing = Mailing(tmp_path, screen_2011, rows)
    fake = FakeGraph(lifetime={TOKEN: 100},
                     answers={rows[1][1]: [(429, {"Retry-After": "7"}), (503, {})]})
    with graph_server(fake) as base:
        result = mailing.send(service(base))
    assert set(mailing.states().values()) == {"sent"}
    assert sorted(fake.addresses()) == [row[1] for row in rows]  # the deferred one last
    assert 7 in mailing.sleeps  # as long as Graph asked, not the shorter backoff
    assert result.outcomes == {"sent": 3, "deferred": 2}


def test_401_renews_the_token_once_and_sends(tmp_path, screen_2011):
    rows = people(5)
    mailing = Mailing(tmp_path, screen_2011, rows)
    fake = FakeGraph(lifetime={"ya29.SECRET-1": 2, "ya29.SECRET-2": 100})
    with graph_server(fake) as base:
        result = mailing.send(service(base, CommandToken(str(token_script(tmp_path)))))
    assert result.outcomes == {"sent": 5}  # the 401 is no outcome: renewed within the send
    assert fake.addresses() == [row[1] for row in rows]
    assert tokens_issued(tmp_path) == 2
    assert [status for _, _, status in fake.requests] == [202, 202, 401, 202, 202, 202]


def test_a_token_refused_after_renewal_stops_the_run(tmp_path, screen_2011):
    rows = people(2)
    mailing = Mailing(tmp_path, screen_2011, rows)
    fake = FakeGraph(lifetime={})
    with graph_server(fake) as base:
        with pytest.raises(ServerRefused, match="cannot be renewed during a run"):
            mailing.send(service(base))
    assert mailing.states() == {rows[0][1]: "deferred", rows[1][1]: "pending"}


@pytest.mark.parametrize("status, words", [
    (403, "needs the Mail.Send permission"),
    (404, "knows no mailbox kennisdag@example.org"),
    (413, "too large for Microsoft Graph"),
])
def test_a_refusal_about_the_sender_stops_the_run_and_the_same_command_resumes(
        tmp_path, screen_2011, status, words):
    rows = people(3)
    mailing = Mailing(tmp_path, screen_2011, rows)
    fake = FakeGraph(lifetime={TOKEN: 100}, answers={rows[0][1]: [(status, {})]})
    with graph_server(fake) as base:
        with pytest.raises(ServerRefused, match=words):
            mailing.send(service(base))
        assert mailing.states() == {rows[0][1]: "deferred", rows[1][1]: "pending",
                                    rows[2][1]: "pending"}
        assert len(fake.requests) == 1  # nothing else attempted
        assert mailing.send(service(base)).outcomes == {"sent": 3}
    assert fake.addresses() == [row[1] for row in rows]


@pytest.mark.parametrize("status, state", [(400, "failed"), (500, "unknown"), (504, "unknown")])
def test_other_answers_are_judged_strictly(tmp_path, screen_2011, status, state):
    rows = people(2)
    mailing = Mailing(tmp_path, screen_2011, rows)
    fake = FakeGraph(lifetime={TOKEN: 100}, answers={rows[0][1]: [(status, {})]})
    with graph_server(fake) as base:
        mailing.send(service(base))
    assert mailing.states() == {rows[0][1]: state, rows[1][1]: "sent"}


def test_a_connection_lost_after_the_request_is_unknown_and_resent_only_on_request(
        tmp_path, screen_2011):
    rows = people(3)
    mailing = Mailing(tmp_path, screen_2011, rows)
    fake = FakeGraph(lifetime={TOKEN: 100}, answers={rows[1][1]: ["drop"]})
    with graph_server(fake) as base:
        mailing.send(service(base))
        states = mailing.states()
        mailing.send(service(base))  # a rerun leaves the unknown alone
        after_rerun = list(fake.addresses())
        mailing.send(service(base), retry_unknown=True)
    assert states == {rows[0][1]: "sent", rows[1][1]: "unknown", rows[2][1]: "sent"}
    assert after_rerun == [row[1] for row in rows]
    assert fake.addresses() == [*after_rerun, rows[1][1]]
    assert set(mailing.states().values()) == {"sent"}


def test_a_message_over_graphs_4_mb_is_refused_before_the_first(tmp_path, screen_2011,
                                                                 monkeypatch):
    mailing = Mailing(tmp_path, screen_2011, people(2))
    size = len(mailing.composer.compose(mailing.listed.recipients[0]).data)
    monkeypatch.setattr(graph, "MAX_REQUEST", size)  # base64 makes it 4/3 as large: over
    fake = FakeGraph(lifetime={TOKEN: 100})
    with graph_server(fake) as base:
        with pytest.raises(ServerRefused, match=r"a message sent through it is base64-encoded"):
            mailing.send(service(base))
    assert fake.requests == [] and set(mailing.states().values()) == {"pending"}


def test_the_base_address_is_for_tests_only():
    assert graph_base({}) == "https://graph.microsoft.com/v1.0"
    assert graph_base({"KENNISDAG_GRAPH_URL": "http://127.0.0.1:8080/v1.0/"}) == (
        "http://127.0.0.1:8080/v1.0")
    with pytest.raises(BadInput, match="for tests only"):
        graph_base({"KENNISDAG_GRAPH_URL": "http://graph.example.org/v1.0"})


def graph_args(*extra):
    return ["mail", EVENT, "-r", "recipients.csv", "--send", "--via", "graph", "--rate", "0",
            "--retry-wait", "0", *extra]


def test_the_command_line_sends_through_graph_and_never_writes_the_token(tmp_path):
    folder = tmp_path / "mailing"
    write_recipients(folder, people(3))
    with (folder / "mail.yaml").open("a") as settings:
        settings.write("via: graph\n")  # instead of --via graph: a short command line
    fake = FakeGraph(lifetime={TOKEN: 100})
    with graph_server(fake) as base:
        env = {**os.environ, "KENNISDAG_GRAPH_URL": base, "KENNISDAG_GRAPH_TOKEN": TOKEN}
        done = run_cli("--verbose", *[arg for arg in graph_args() if arg not in (
            "--via", "graph")], cwd=folder, env=env)
        wrong = run_cli(*graph_args("--smtp-host", "smtp.office365.com"), cwd=folder, env=env)
        del env["KENNISDAG_GRAPH_TOKEN"]
        tokenless = run_cli(*graph_args(), cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    assert fake.addresses() == [row[1] for row in people(3)]
    assert wrong.returncode == 2 and "--smtp-host: not used with --via graph" in wrong.stderr
    assert tokenless.returncode == 2 and tokenless.stderr == (
        "KENNISDAG_GRAPH_TOKEN: not set; give --token-command CMD (a command that prints an "
        "access token) or set it, or sign in: kennisdag-pdf login microsoft --for graph\n")
    written = b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())
    assert TOKEN not in done.stdout + done.stderr and TOKEN.encode() not in written
    assert base64.b64encode(TOKEN.encode()) not in written


# Killed at the two moments that decide "never twice" over HTTP: the journal says `sending`
# and the request has not gone; Graph has accepted it and the journal does not know yet. (The
# journal's other transitions are the SMTP path's, tested in test_mail_crash.py.)
CRASH_POINTS = {"mail.sending": 0, "mail.delivered": 1}


@pytest.fixture(scope="module")
def crashes(tmp_path_factory):
    """Both killed runs at once (processes, to be SIGKILLed), then the reruns in process."""
    scenarios = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for point in CRASH_POINTS:
            folder = tmp_path_factory.mktemp("graph-crash")
            write_recipients(folder, people(3))
            fake = FakeGraph(lifetime={TOKEN: 100})
            server = graph_server(fake)
            env = {**os.environ, "KENNISDAG_GRAPH_URL": server.__enter__(),
                   "KENNISDAG_GRAPH_TOKEN": TOKEN}
            killed = pool.submit(run_cli, *graph_args(), cwd=folder,
                                 env={**env, "KENNISDAG_CRASH_AT": point})
            scenarios[point] = (folder, fake, server, env, killed)
    outcomes = {}
    for point, (folder, fake, server, env, killed) in scenarios.items():
        before = fake.addresses()
        rerun = run_cli(*graph_args(), cwd=folder, env=env)
        server.__exit__(None, None, None)
        with Journal.read(folder / "recipients.csv.journal.sqlite") as journal:
            states = {d.address: d.state for d in journal.deliveries()}
        outcomes[point] = (killed.result(), before, rerun, fake.addresses(), states)
    return outcomes


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_killed_mid_mailing_and_rerun_nobody_twice(crashes, point):
    killed, before, rerun, received, states = crashes[point]
    first, *others = [row[1] for row in people(3)]
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(before) == CRASH_POINTS[point]
    assert sorted(received) == sorted(set(received))  # nobody twice
    # Killed while `sending`: it may have gone, so unknown, and not mailed again.
    assert rerun.returncode == 75, rerun.stderr
    assert states == {first: "unknown", **{address: "sent" for address in others}}
    assert set(received) == {address for address, state in states.items()
                             if state == "sent"} | set(before)
