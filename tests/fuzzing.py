"""The fuzz stage's machinery: mutations of real files, and a child process that holds them.

A fuzz run feeds thousands of damaged inputs to a command in process. What it must prove is a
bound: no exit 1 (a bug), no hang, no memory past the ceiling the README states. The process
that runs the examples is a fork of the test process with an address-space limit (RLIMIT_AS)
and a per-example alarm, so that an input that would exhaust the machine kills only that
child, and the test reports the example that did it.

The number of examples is fixed and the examples are derandomised in `make test`
(`KENNISDAG_FUZZ_EXAMPLES`, default per test); `make fuzz` sets `KENNISDAG_FUZZ_SECONDS` and
runs fresh random rounds until the time is up.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import resource
import signal
import time
import traceback
import warnings
from dataclasses import dataclass
from typing import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

MB = 1024 * 1024

# make fuzz: run fresh random rounds for this long (seconds) instead of the fixed examples.
FUZZ_SECONDS = float(os.environ.get("KENNISDAG_FUZZ_SECONDS", "0") or 0)


def fuzz_settings(examples: int) -> settings:
    """Fixed and derandomised in make test; random and as many as time allows in make fuzz."""
    count = int(os.environ.get("KENNISDAG_FUZZ_EXAMPLES", "0") or 0) or examples
    # make fuzz: rounds of fresh examples (not derandomised), repeated until the time is up
    return settings(max_examples=count,
                    derandomize=not FUZZ_SECONDS, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


class Hang(Exception):
    """An example ran past its time budget."""


class OutOfTime(Exception):
    """make fuzz: the round's time is up (not a failure)."""


def _alarm(signum, frame):
    raise Hang("the example ran past its time budget")


@dataclass
class Bounds:
    """What one example may take: seconds of wall time, and megabytes of address space on
    top of what the process had when it was forked."""

    seconds: float
    megabytes: int


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _child(test: Callable[[], None], bounds: Bounds, conn) -> None:
    try:
        limit = _vm_size() + bounds.megabytes * MB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.signal(signal.SIGALRM, _alarm)
        deadline = time.monotonic() + FUZZ_SECONDS
        rounds = 0
        while True:
            rounds += 1
            test()
            if not FUZZ_SECONDS or time.monotonic() > deadline:
                break
        conn.send(("ok", rounds))
    except BaseException:  # noqa: BLE001 - everything goes back to the parent as text
        conn.send(("failed", traceback.format_exc()[-6000:]))
    finally:
        conn.close()
        os._exit(0)


def run_in_child(test: Callable[[], None], bounds: Bounds, *, timeout: float) -> None:
    """Run a Hypothesis test in a forked child under the bounds; fail with its report."""
    context = multiprocessing.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(test, bounds, child_end))
    with warnings.catch_warnings():  # Python 3.12 warns of fork() beside threads: the child
        warnings.simplefilter("ignore", DeprecationWarning)  # runs only our own code
        child.start()
    child_end.close()
    total = timeout + FUZZ_SECONDS
    if not parent_end.poll(total):
        child.kill()
        child.join()
        raise AssertionError(f"the fuzz run did not end within {total:.0f} s (a hang)")
    try:
        verdict, detail = parent_end.recv()
    except EOFError:
        verdict, detail = "died", None
    child.join(10)
    if verdict == "died" or child.exitcode:
        raise AssertionError(f"the fuzz child died (exit {child.exitcode}): an input brought "
                             f"the process down")
    assert verdict == "ok", detail


def time_boxed(seconds: float):
    """Context for one example: SIGALRM after `seconds` raises Hang inside it."""

    class _Box:
        def __enter__(self):
            signal.setitimer(signal.ITIMER_REAL, seconds)

        def __exit__(self, *exc):
            signal.setitimer(signal.ITIMER_REAL, 0)
            return False

    return _Box()


# ---------------------------------------------------------------------------------------------
# Mutations

# Tokens that make PDF readers take unusual paths: wrong types, huge numbers, nesting,
# references to objects that are not there, operators out of place.
PDF_TOKENS = [
    b"-1", b"0", b"2147483648", b"99999999999999999999", b"1e308", b"-0.0", b"3.4e38", b"NaN",
    b"/Foo", b"/Type", b"/Page", b"/Pages", b"/XObject", b"/Form", b"/Image", b"/Indexed",
    b"/ICCBased", b"/DeviceN", b"/Separation", b"/FlateDecode", b"/DCTDecode", b"/LZWDecode",
    b"[", b"]", b"<<", b">>", b"(", b")", b"<", b">", b"{", b"}", b"null", b"true", b"false",
    b"1 0 R", b"999999 0 R", b"0 0 R", b"R", b"obj", b"endobj", b"stream", b"endstream",
    b"xref", b"trailer", b"startxref", b"%%EOF", b"q" * 200, b"Q" * 50, b"cm", b"Do", b"BT",
    b"ET", b"Tj", b"TJ", b"Tf", b"re f", b"/Im1 Do", b"/Fm0 Do", b"BI /W 1 /H 1 ID x EI",
    b"/Length 999999999", b"/Length -5", b"/Filter /FlateDecode", b"/Resources", b"/Kids",
    b"/Count 2147483647", b"/MediaBox [0 0 0 0]", b"/TrimBox [1 2 3]", b"/Rotate /Ninety",
    b"/Contents 5", b"/Annots [1 2]", b"/Matrix [1 0 0]", b"/W [0 [ 1e300 ]]", b"\x00",
    b"\xff\xfe", b"\\", b"%", b"\n", b"\r",
]

YAML_TOKENS = [
    "&a ", "*a", "!!python/object:os.system ", "!!binary ", "!tag ", "? ", "- ", ": ", "|",
    ">", "|-", "'", '"', "#", "---\n", "...\n", "%YAML 1.1\n", "\t", "  ", "    ", "\n", "\r",
    "\r\n", "\x00", "\x85", "\u2028", "\ufeff", "\u202e", "[", "]", "{", "}", ",", "<<: *a",
    "~", "null", "yes", "NO", "0x1F", "1e999", "2011-02-30", "9999-12-31", "-1", "@",
    "a@b.nl", "https://", "[x](https://example.org/", "**", "_", "`", "<b>", "&amp;",
    "assets/../../etc/passwd", "/dev/zero", "./assets/", "assets\\x.png", "é", "🙂", "x" * 300,
]


_TOKEN = re.compile(rb"[^\s/\[\]<>()%]+|/[^\s/\[\]<>()%]*")


@st.composite
def byte_edits(draw, max_edits: int = 4) -> list[tuple]:
    """One to max_edits edits, each (kind, where, argument), where as a fraction of the
    length so that an edit means the same on any seed: short to print, easy to replay."""
    edits = []
    for _ in range(draw(st.integers(1, max_edits))):
        kind = draw(st.sampled_from(["truncate", "overwrite", "insert", "delete", "token",
                                     "token", "token", "duplicate"]))
        where = draw(st.integers(0, 9999)) / 10000
        if kind in ("overwrite", "insert"):
            argument = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            argument = draw(st.integers(1, 64))
        elif kind == "token":
            argument = draw(st.integers(0, len(PDF_TOKENS) - 1))
        elif kind == "duplicate":
            argument = (draw(st.integers(1, 512)), draw(st.integers(0, 9999)) / 10000,
                        draw(st.integers(1, 8)))
        else:
            argument = None
        edits.append((kind, where, argument))
    return edits


def apply_edits(seed: bytes, edits: list[tuple]) -> bytes:
    """The seed with byte_edits applied in order: truncation, overwritten, inserted or deleted
    bytes, a token swapped for one of PDF_TOKENS, a slice repeated elsewhere."""
    data = bytearray(seed)
    for kind, where, argument in edits:
        if not data:
            break
        at = int(where * len(data))
        if kind == "truncate":
            del data[at:]
        elif kind == "overwrite":
            data[at:at + len(argument)] = argument
        elif kind == "insert":
            data[at:at] = argument
        elif kind == "delete":
            del data[at:at + argument]
        elif kind == "token":
            found = _TOKEN.search(bytes(data), at)
            start, end = found.span() if found else (at, at)
            data[start:end] = PDF_TOKENS[argument]
        else:
            length, to, times = argument
            chunk = bytes(data[at:at + length])
            where_to = int(to * len(data))
            data[where_to:where_to] = chunk * times
    return bytes(data)


@st.composite
def mutated_yaml(draw, seed: str, max_edits: int = 4):
    """seed with line-level and character-level edits a person (or an attacker) might make."""
    lines = seed.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, max_edits))):
        if not lines:
            lines = [""]
        kind = draw(st.sampled_from(["delete-line", "duplicate-line", "indent", "dedent",
                                     "token", "token", "token", "repeat-block", "bytes"]))
        at = draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        if kind == "delete-line":
            del lines[at]
        elif kind == "duplicate-line":
            lines.insert(at, line)
        elif kind == "indent":
            lines[at] = " " * draw(st.integers(1, 4)) + line
        elif kind == "dedent":
            lines[at] = line[draw(st.integers(1, 4)):] if line[:1] == " " else line
        elif kind == "token":
            column = draw(st.integers(0, len(line)))
            token = draw(st.sampled_from(YAML_TOKENS))
            lines[at] = line[:column] + token + line[column:]
        elif kind == "repeat-block":
            length = draw(st.integers(1, 12))
            block = lines[at:at + length]
            lines[at:at] = block * draw(st.integers(1, 30))
        else:
            column = draw(st.integers(0, len(line)))
            text = draw(st.text(max_size=6))
            lines[at] = line[:column] + text + line[column:]
    return "".join(lines)
