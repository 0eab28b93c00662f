"""Goal 5 of issue 7: the mail batch against a loopback SMTP server, as a user runs it.

200 recipients, the real 2011 screen brochure (152 kB, more than the 100 kB the goal names)
as the attachment, `--rate 0` (no pacing), plain and STARTTLS. The send loop's own time is
read from `-v` ("send … s"), so the build of the PDF and the interpreter's start are not
counted; the journal commits every state change with synchronous=FULL as in real use. The
server (aiosmtpd, from the test extra) runs in this process and shares the two cores.
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from mail_helpers import (LOOPBACK, Handler, LoopbackCA, people, run_cli,  # noqa: E402
                          smtp_server, write_recipients)

RECIPIENTS = 200
GOAL = 50  # messages a second


def send_rate(tls: str, runs: int) -> tuple[float, int]:
    """Median messages a second of the send loop, and the messages the server received."""
    import trustme

    rates, received = [], 0
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
                args = ["-v", "mail", str(ROOT / "data" / "kennisdag-2011.yaml"),
                        "-r", "recipients.csv", "--send", "--smtp-host", LOOPBACK,
                        "--smtp-port", str(server.port), "--rate", "0"]
                args += ["--cafile", str(cafile)] if tls == "starttls" else ["--tls", "none"]
                result = run_cli(*args, cwd=work)
            if result.returncode != 0:
                raise RuntimeError(f"mail --send failed:\n{result.stderr}")
            seconds = float(re.search(r"^send\s+([\d.]+) s", result.stderr, re.M).group(1))
            rates.append(RECIPIENTS / seconds)
            received = len(handler.received)
    return statistics.median(rates), received


def rows(runs: int) -> list[str]:
    lines = ["| mail, 200 recipients, 152 kB attachment | send loop, messages/s | received |",
             "|---|--:|--:|"]
    rates, complete = [], True
    for tls in ("none", "starttls"):
        rate, received = send_rate(tls, runs)
        lines.append(f"| {'plain' if tls == 'none' else 'STARTTLS'} | {rate:.0f} | {received} |")
        rates.append(rate)
        complete = complete and received == RECIPIENTS
    passed = min(rates) >= GOAL and complete
    lines.append("")
    lines.append(f"- Goal 5 ({'pass' if passed else 'FAIL'}): {min(rates):.0f} messages/s at "
                 f"the slower (needs ≥ {GOAL}), each state change committed to the journal "
                 f"before the next step.")
    return lines


if __name__ == "__main__":
    print("\n".join(rows(3)))
