"""Goal 5 of issue 7: the mail batch against a loopback SMTP server, as a user runs it.

200 recipients, the real 2011 screen brochure (152 kB, more than the 100 kB the goal names)
as the attachment, `--rate 0` (no pacing), plain and STARTTLS. The send loop's own time is
read from `-v` ("send … s"), so the build of the PDF and the interpreter's start are not
counted; the journal commits every state change with synchronous=FULL as in real use. The
server (aiosmtpd, from the test extra) runs in this process and shares the two cores.

After each plain send, `mail --status` is timed on the journal it left (everyone has the
brochure, so it exits 0): a whole process, as an organiser runs it (issue 15: under 0.2 s).
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from measure import Job, measure  # noqa: E402
from mail_helpers import (LOOPBACK, Handler, LoopbackCA, people, run_cli,  # noqa: E402
                          smtp_server, write_recipients)

RECIPIENTS = 200
GOAL = 50  # messages a second
STATUS_LIMIT = 0.2  # seconds, `mail --status` whole process (issue 15)
EVENT = ROOT / "data" / "kennisdag-2011.yaml"
CLI = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]


def status_seconds(work: Path, runs: int) -> float:
    """Median wall time of `mail --status` as its own process, on the journal in work (an
    exit other than 0 is an error)."""
    job = Job([*CLI, "mail", str(EVENT), "-r", "recipients.csv", "--status"])
    return measure({"status": job}, runs, work)["status"].seconds


def send_rate(tls: str, runs: int) -> tuple[float, int, list[float]]:
    """Median messages a second of the send loop, the messages the server received, and the
    times of `mail --status` on each journal the plain runs left."""
    import trustme

    rates, received, status = [], 0, []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            write_recipients(work, people(RECIPIENTS))
            ca = trustme.CA()
            cafile = work / "ca.pem"
            ca.cert_pem.write_to_path(str(cafile))
            handler = Handler()
            with smtp_server(handler, tls=tls,
                             ca=LoopbackCA(ca.issue_cert(LOOPBACK, "localhost"), cafile)) as server:
                args = ["-v", "mail", str(EVENT),
                        "-r", "recipients.csv", "--send", "--smtp-host", LOOPBACK,
                        "--smtp-port", str(server.port), "--rate", "0"]
                args += ["--cafile", str(cafile)] if tls == "starttls" else ["--tls", "none"]
                result = run_cli(*args, cwd=work)
            if result.returncode != 0:
                raise RuntimeError(f"mail --send failed:\n{result.stderr}")
            seconds = float(re.search(r"^send\s+([\d.]+) s", result.stderr, re.M).group(1))
            rates.append(RECIPIENTS / seconds)
            received = len(handler.received)
            if tls == "none":
                status.append(status_seconds(work, 1))
    return statistics.median(rates), received, status


def rows(runs: int) -> list[str]:
    lines = ["| mail, 200 recipients, 152 kB attachment | send loop, messages/s | received |",
             "|---|--:|--:|"]
    rates, complete, status = [], True, []
    for tls in ("none", "starttls"):
        rate, received, times = send_rate(tls, runs)
        lines.append(f"| {'plain' if tls == 'none' else 'STARTTLS'} | {rate:.0f} | {received} |")
        rates.append(rate)
        status += times
        complete = complete and received == RECIPIENTS
    passed = min(rates) >= GOAL and complete
    status_median = statistics.median(status)
    lines.append("")
    lines.append(f"- Goal 5 ({'pass' if passed else 'FAIL'}): {min(rates):.0f} messages/s at "
                 f"the slower (needs ≥ {GOAL}), each state change committed to the journal "
                 f"before the next step.")
    lines.append(f"- mail --status ({'pass' if status_median < STATUS_LIMIT else 'FAIL'}): "
                 f"{status_median:.3f} s, whole process, median of {len(status)} on a journal "
                 f"of {RECIPIENTS} (needs < {STATUS_LIMIT} s).")
    return lines


if __name__ == "__main__":
    print("\n".join(rows(3)))
