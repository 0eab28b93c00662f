"""The mailing survives SIGKILL at every journal transition: nobody is mailed twice, nobody is
lost.

`kennisdag-pdf mail --send` runs in a subprocess that kills itself at one crash point
(KENNISDAG_CRASH_AT, see kennisdag_pdf/crashpoints.py), then runs again (in process) to
completion, against a server that remembers what it took. The
five recipients meet every branch: one is refused for now once (450), one for good (550), and
for one the server hangs up after taking the message data (RFC 1047).

The scenarios are independent, each with its own server and folder, so their killed runs go
two at a time (a module fixture) and each crash point is then judged by its own test.
"""

from __future__ import annotations

import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import DATA, ROOT
from mail_helpers import LOOPBACK, Handler, people, run_cli, smtp_server, write_recipients

from kennisdag_pdf.mail.journal import INTERRUPTED, Journal

ROWS = people(5)
FIRST, BUSY, REFUSED, DROPPED, LAST = (row[1] for row in ROWS)
# Each crash point in the order a run reaches it, what it interrupts, and who the server has
# received a message for when the process dies there.
CRASH_POINTS = {
    "mail.begun": ("the mailing is in the journal, nothing sent", []),
    "mail.transaction-open": ("MAIL, RCPT and DATA accepted, the journal says pending", []),
    "mail.sending": ("the journal says sending, the data not yet sent", []),
    "mail.delivered": ("the server took the message, the journal says sending", [FIRST]),
    "mail.sent": ("the journal says sent", [FIRST]),
    "mail.deferred": ("a 450 is in the journal", [FIRST]),
    "mail.failed": ("a 550 is in the journal", [FIRST]),
    "mail.unknown": ("a connection lost after the data is in the journal", [FIRST, DROPPED]),
}
# After the rerun, unless the crash itself left the first recipient unknown.
SETTLED = {FIRST: "sent", BUSY: "sent", REFUSED: "failed", DROPPED: "unknown", LAST: "sent"}
RECEIVED = {FIRST: 1, BUSY: 1, REFUSED: 0, DROPPED: 1, LAST: 1}


def _args(port) -> list:
    return ["mail", DATA / "kennisdag-2011.yaml", "-r", "recipients.csv", "--send",
            "--smtp-host", LOOPBACK, "--smtp-port", port, "--tls", "none", "--rate", "0",
            "--retry-wait", "0"]


def killed_run(folder: Path, point: str) -> tuple[Handler, object, list[str]]:
    """The run that dies at the crash point: a real process, SIGKILLed there."""
    write_recipients(folder, ROWS)
    handler = Handler(temporary={BUSY: 1}, permanent={REFUSED}, drop_after_data={DROPPED})
    with smtp_server(handler) as server:
        killed = run_cli(*_args(server.port), cwd=folder,
                         env={**os.environ, "KENNISDAG_CRASH_AT": point})
    return handler, killed, handler.addresses()


def rerun(folder: Path, handler: Handler, killed, received_before: list[str]) -> dict:
    """The organiser's rerun, to the same server (its handler remembers what it took)."""
    with smtp_server(handler) as server:
        again = run_cli(*_args(server.port), cwd=folder)
    with Journal.read(folder / "recipients.csv.journal.sqlite") as journal:
        deliveries = {d.address: d for d in journal.deliveries()}
    return {"killed": killed, "before": received_before, "rerun": again,
            "received": handler.addresses(), "deliveries": deliveries}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, dict]:
    folders = {point: tmp_path_factory.mktemp(point.replace(".", "-")) for point in CRASH_POINTS}
    # The killed runs are processes, two at a time; the reruns run in process, one by one
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {point: pool.submit(killed_run, folders[point], point)
                   for point in CRASH_POINTS}
        killed = {point: future.result() for point, future in futures.items()}
    return {point: rerun(folders[point], *killed[point]) for point in CRASH_POINTS}


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_killed_at_a_crash_point_and_rerun_nobody_twice_nobody_lost(outcomes, point):
    outcome = outcomes[point]
    assert outcome["killed"].returncode == -signal.SIGKILL, outcome["killed"].stderr
    assert outcome["before"] == CRASH_POINTS[point][1]
    rerun = outcome["rerun"]
    assert rerun.returncode == 75, rerun.stderr  # one refused for good, one unknown
    states = {address: d.state for address, d in outcome["deliveries"].items()}
    counts = {row[1]: outcome["received"].count(row[1]) for row in ROWS}
    expected_states, expected_counts = dict(SETTLED), dict(RECEIVED)
    if point == "mail.sending":  # killed before the data left: it may have, as far as we know
        expected_states[FIRST], expected_counts[FIRST] = "unknown", 0
        assert outcome["deliveries"][FIRST].reply == INTERRUPTED
    if point == "mail.delivered":  # killed after the server took it: never mailed again
        expected_states[FIRST] = "unknown"
    assert counts == expected_counts
    assert states == expected_states
    # Nobody lost: whoever does not have it is named, with the CSV line, for the organiser.
    named = set(re.findall(r"recipients\.csv:\d+: (\S+): ", rerun.stderr))
    assert named == {address for address, state in states.items() if state != "sent"}


def test_every_crash_point_in_the_code_is_tested():
    source = "".join(path.read_text(encoding="utf-8")
                     for path in (ROOT / "kennisdag_pdf" / "mail").glob("*.py"))
    literal = set(re.findall(r'reached\("([^"]+)"\)', source))
    by_state = {f"mail.{state}" for state in ("sent", "failed", "deferred", "unknown")}
    assert 'reached(f"mail.{outcome.state}")' in source
    assert literal | by_state == set(CRASH_POINTS)
