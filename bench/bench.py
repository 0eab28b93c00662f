"""Benchmarks (`make bench`): medians of whole-process and in-process timings.

Not part of `make test`: timings depend on the machine; these numbers are for the issue
notes and for comparing one change with the next on the same machine.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def whole_process(args: list[str], fresh=None) -> float:
    """Median wall time of the CLI in a new process; fresh() resets state before each run."""
    times = []
    for _ in range(RUNS):
        if fresh:
            fresh()
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
        printed = str(Path(tmp) / "p.pdf")
        rows = [
            ("kennisdag-pdf --help", whole_process(["--help"])),
            ("kennisdag-pdf validate (2011)", whole_process(["validate", str(event)])),
            ("kennisdag-pdf build (2011), screen, whole process",
             whole_process(["build", str(event), "-o", target])),
            ("kennisdag-pdf build (2011), print, whole process",
             whole_process(["build", str(event), "--profile", "print", "-o", printed])),
            ("kennisdag-pdf build (2011), print A4, whole process",
             whole_process(["build", str(event), "--profile", "print", "--page-size", "a4",
                            "-o", str(Path(tmp) / "p4.pdf")])),
            ("kennisdag-pdf build (2011), archive (PDF/A-3b), whole process",
             whole_process(["build", str(event), "--profile", "archive", "-o",
                            str(Path(tmp) / "a.pdf")])),
            ("kennisdag-pdf archive (2011) into a new folder, whole process",
             whole_process(["archive", str(event), "--into", str(Path(tmp) / "archive")],
                           fresh=lambda: shutil.rmtree(Path(tmp) / "archive",
                                                       ignore_errors=True))),
            ("kennisdag-pdf impose (2011 print)",
             whole_process(["impose", printed, "-o", str(Path(tmp) / "b.pdf")])),
            ("kennisdag-pdf check (2011 print)", whole_process(["check", printed])),
        ]
        sizes = {name: Path(tmp, name).stat().st_size
                 for name in ("b.pdf", "p.pdf", "p4.pdf", "a.pdf")}
    load_s, render_s, pages, size = in_process(event)
    rows += [("load + validate (2011), in process", load_s),
             ("render (2011), in process, warm", render_s)]
    print(f"medians of {RUNS} runs, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for label, seconds in rows:
        print(f"  {label:<64} {seconds:7.3f} s")
    print(f"  2011 brochure, screen A5: {pages} pages, {size / 1024:.0f} kB")
    print("  2011 print A5: {p:.0f} kB, print A4: {p4:.0f} kB, booklet: {b:.0f} kB, "
          "archive: {a:.0f} kB".format(
        **{k.removesuffix(".pdf"): v / 1024 for k, v in sizes.items()}))


if __name__ == "__main__":
    main()
