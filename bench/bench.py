"""Benchmarks (`make bench`): medians of whole-process and in-process timings.

Not part of `make test`: timings depend on the machine; these numbers are for the issue
notes and for comparing one change with the next on the same machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def whole_process(args: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([*CLI, *args], check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def in_process(path: Path) -> tuple[float, float, int, int]:
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.render import render

    load_times, render_times = [], []
    result = None
    for _ in range(RUNS):
        started = time.perf_counter()
        loaded = load(path)
        loaded_at = time.perf_counter()
        result = render(loaded)
        load_times.append(loaded_at - started)
        render_times.append(time.perf_counter() - loaded_at)
    return (statistics.median(load_times), statistics.median(render_times), result.pages,
            len(result.pdf))


def main() -> None:
    event = ROOT / "data" / "kennisdag-2011.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        target = str(Path(tmp) / "b.pdf")
        rows = [
            ("kennisdag-pdf --help", whole_process(["--help"])),
            ("kennisdag-pdf validate (2011)", whole_process(["validate", str(event)])),
            ("kennisdag-pdf build (2011), whole process",
             whole_process(["build", str(event), "-o", target])),
        ]
    load_s, render_s, pages, size = in_process(event)
    rows += [("load + validate (2011), in process", load_s),
             ("render (2011), in process, warm", render_s)]
    print(f"medians of {RUNS} runs, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for label, seconds in rows:
        print(f"  {label:<45} {seconds:7.3f} s")
    print(f"  2011 brochure: {pages} pages, {size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
