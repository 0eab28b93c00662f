"""Benchmarks (`make bench`): the figures of issue 7, medians of whole-process runs.

Not part of `make test`: timings depend on the machine. Absolute times are noisy; what counts is
the ratio between engines measured in the same run, on the same content. Measured:

- kennisdag-pdf on the 2011 brochure in every profile, and its other commands;
- the same content at about 10, 100, 1,000 and 5,000 A4 pages (bench/synthetic.py, generated
  into a temporary folder) through kennisdag-pdf, Typst and bare ReportLab (bench/peers/);
- two builds of the ~500-page event at once: the best a layout split over both cores could
  do at ~1,000 pages, before joining its halves (the idea goal 1 suggests, bounded cheaply);
- wall time, pages/s and peak memory (summed RSS of the process tree, bench/measure.py);
- what `--help` and `validate` import (`python -X importtime`);
- the mail batch (bench/mail_bench.py) and what tagging costs (bench/tagging_bench.py: the
  same builds before tagging and now, validators apart).

It prints one markdown table and a verdict per goal of the issue (1–4). BENCH_RUNS (default 5)
sets the runs per row, BENCH_RUNS_LARGE (default 1) those at 5,000 pages.
"""

from __future__ import annotations

import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import synthetic
from measure import Job, measure

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / "peers"
CLI_CODE = "from kennisdag_pdf.cli import main; main()"
CLI = [sys.executable, "-c", CLI_CODE]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RUNS_LARGE = int(os.environ.get("BENCH_RUNS_LARGE", "1"))
TARGETS = (10, 100, 1000, 5000)
LARGE = 5000  # the size measured with RUNS_LARGE
HALF = 500  # two of these at once bound a layout split over both cores (goal 1)
HALVES = "~1,000 pages as two ~500-page builds at once (two-core bound)"
OURS, TYPST, REPORTLAB = "kennisdag-pdf", "Typst", "bare ReportLab"
K1 = "2011 content, A4 (k = 1)"  # the row that puts the 2011 text through all three engines
ENGINES = (OURS, TYPST, REPORTLAB)
NOT_AT_START_UP = ("reportlab", "pikepdf", "smtplib")  # goal 3
BRIEF_LIMIT = 0.2  # seconds, goal 3
SPREAD_LIMIT = 0.20  # goal 4
MEMORY_SHARE = 0.25  # goal 1: at most a quarter of Typst's peak


@dataclass(frozen=True)
class Figure:
    seconds: float
    runs: int
    peak_mb: float | None = None  # None: measured in process
    pages: int | None = None

    @property
    def pages_per_second(self) -> float | None:
        return self.pages / self.seconds if self.pages else None


# --- what is run --------------------------------------------------------------------------

def brochure_jobs(event: Path, tmp: Path) -> dict[tuple[str, str], Job]:
    """kennisdag-pdf's own commands on the 2011 brochure (A5 unless said otherwise)."""
    out = tmp / "2011"
    out.mkdir()
    printed = out / "print-A5.pdf"
    archive = out / "archive"
    builds = {"screen A5": ("screen-A5", []), "print A5": ("print-A5", ["--profile", "print"]),
              "archive A5 (PDF/A-3b)": ("archive-A5", ["--profile", "archive"]),
              "print A4": ("print-A4", ["--profile", "print", "--page-size", "a4"])}
    jobs = {("--help", OURS): Job([*CLI, "--help"]),
            ("validate 2011", OURS): Job([*CLI, "validate", str(event)])}
    for name, (stem, options) in builds.items():
        pdf = out / f"{stem}.pdf"
        jobs[(f"build 2011, {name}", OURS)] = Job(
            [*CLI, "build", str(event), *options, "-o", str(pdf)], output=pdf)
    jobs.update({
        ("archive 2011 into a new folder", OURS): Job(
            [*CLI, "archive", str(event), "--into", str(archive)],
            fresh=lambda: shutil.rmtree(archive, ignore_errors=True)),
        ("impose 2011 print", OURS): Job(
            [*CLI, "impose", str(printed), "-o", str(out / "booklet.pdf")]),
        ("check 2011 print", OURS): Job([*CLI, "check", str(printed)]),
    })
    return jobs


def engine_jobs(what: str, event: Path, out: Path) -> dict[tuple[str, str], Job]:
    """The same event through the three engines, each writing its own A4 PDF."""
    out.mkdir()
    pdfs = {engine: out / f"{engine.replace(' ', '-')}.pdf" for engine in ENGINES}
    commands = {
        OURS: synthetic.build_command(event, pdfs[OURS]),
        TYPST: [sys.executable, str(PEERS / "typst_brochure.py"), str(event), str(pdfs[TYPST])],
        REPORTLAB: [sys.executable, str(PEERS / "reportlab_brochure.py"), str(event),
                    str(pdfs[REPORTLAB])],
    }
    return {(what, engine): Job(commands[engine], output=pdfs[engine]) for engine in ENGINES}


def synthetic_events(tmp: Path) -> dict[str, tuple[int | None, Path]]:
    """The 2011 content at A4 (k = 1) and one event per target size: label → (target, YAML);
    and the half of the thousand-page event, under the label HALVES."""
    picked = synthetic.pick_k([*TARGETS, HALF], tmp)
    ks = {K1: (None, 1.0)} | {f"~{target:,} pages, A4 (k = {k:g})": (target, k)
                              for target, k in picked.items() if target != HALF}
    ks[HALVES] = (HALF, picked[HALF])
    events = {}
    for what, (target, k) in ks.items():
        event = synthetic.write_event(tmp / f"k{k:g}", k)
        synthetic.validate(event)
        events[what] = (target, event)
    return events


def run_all(tmp: Path) -> tuple[dict[tuple[str, str], Figure], dict[int, str]]:
    """Every row's figures, and which row label holds each target size."""
    event = ROOT / "data" / "kennisdag-2011.yaml"
    events = synthetic_events(tmp)
    usual = brochure_jobs(event, tmp)
    large: dict[tuple[str, str], Job] = {}
    _, half = events.pop(HALVES)
    usual[(HALVES, OURS)] = halves_job(half, tmp / "halves")
    for number, (what, (target, path)) in enumerate(events.items()):
        jobs = engine_jobs(what, path, tmp / f"out-{number}")
        (large if target == LARGE else usual).update(jobs)
    figures = {}
    for jobs, runs in ((usual, RUNS), (large, RUNS_LARGE)):
        for key, sample in measure(jobs, runs, ROOT).items():
            output = jobs[key].output
            pages = synthetic.count_pages(output) if output else None
            if key[0] == HALVES:
                pages = 2 * pages  # two builds of the same half
            figures[key] = Figure(sample.seconds, runs, sample.peak_mb, pages)
    figures.update(in_process(event))
    return figures, {target: what for what, (target, _) in events.items() if target}


def halves_job(half: Path, out: Path) -> Job:
    """Two builds of half the thousand-page event at once, one per core: what a layout split
    over two processes could reach at best, before its halves are joined into one PDF."""
    out.mkdir()
    first, second = out / "first.pdf", out / "second.pdf"
    builds = [shlex.join(synthetic.build_command(half, pdf)) for pdf in (first, second)]
    script = f"{builds[0]} & a=$!; {builds[1]} & b=$!; wait $a && wait $b"
    return Job(["sh", "-c", script], output=first)


def in_process(path: Path) -> dict[tuple[str, str], Figure]:
    """Load and render without start-up costs: where the time goes inside a build."""
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.render import render

    load_times, render_times = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        loaded = load(path)
        loaded_at = time.perf_counter()
        pages = render(loaded).pages
        load_times.append(loaded_at - started)
        render_times.append(time.perf_counter() - loaded_at)
    return {("load + validate 2011, in process", OURS):
            Figure(statistics.median(load_times), RUNS),
            ("render 2011 screen A5, in process, warm", OURS):
            Figure(statistics.median(render_times), RUNS, pages=pages)}


def start_up_imports(args: list[str]) -> list[str]:
    """Which of NOT_AT_START_UP a CLI command imports, by `python -X importtime`."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", CLI_CODE, *args],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in result.stderr.splitlines() if line.startswith("import time:")}
    return sorted(imported.intersection(NOT_AT_START_UP))


# --- what is printed ----------------------------------------------------------------------

def table(figures: dict[tuple[str, str], Figure]) -> list[str]:
    lines = ["| what | engine | pages | median s | pages/s | peak MB | runs |",
             "|---|---|--:|--:|--:|--:|--:|"]
    for (what, engine), f in figures.items():
        lines.append(f"| {what} | {engine} | {_num(f.pages, '{:,}')} | {f.seconds:.3f} | "
                     f"{_num(f.pages_per_second, '{:,.0f}')} | {_num(f.peak_mb, '{:,.0f}')} | "
                     f"{f.runs} |")
    return lines


def _num(value, form: str) -> str:
    return "–" if value is None else form.format(value)


def marginal_rates(figures, sizes: dict[int, str], engine: str) -> dict[int, float]:
    """(t(n) − t(10)) / (n − 10), in seconds per page, n the pages this engine made."""
    base = figures[(sizes[TARGETS[0]], engine)]
    rates = {}
    for target in TARGETS[1:]:
        f = figures[(sizes[target], engine)]
        rates[target] = (f.seconds - base.seconds) / (f.pages - base.pages)
    return rates


def spread(values) -> float:
    values = list(values)
    return max(values) / min(values) - 1


def verdicts(figures, sizes: dict[int, str], imports: dict[str, list[str]]) -> list[str]:
    def at(what: str, engine: str = OURS) -> Figure:
        return figures[(what, engine)]

    thousand = sizes[1000]
    ours, typst = at(thousand), at(thousand, TYPST)
    time_ratio, memory_ratio = ours.seconds / typst.seconds, ours.peak_mb / typst.peak_mb
    goal1 = time_ratio <= 1 and memory_ratio <= MEMORY_SHARE

    halves = at(HALVES)
    brochure, bare = at("build 2011, screen A5"), at(K1, REPORTLAB)
    goal2 = brochure.seconds <= bare.seconds

    brief = {"--help": at("--help").seconds, "validate": at("validate 2011").seconds}
    goal3 = max(brief.values()) < BRIEF_LIMIT and not any(imports.values())

    rates = marginal_rates(figures, sizes, OURS)
    goal4 = spread(rates.values()) <= SPREAD_LIMIT
    return [
        f"- Goal 1 ({_verdict(goal1)}): ~1,000 pages with contents, kennisdag-pdf "
        f"{ours.seconds:.2f} s vs Typst {typst.seconds:.2f} s = {time_ratio:.2f}× Typst's "
        f"time (needs ≤ 1.00×); peak {ours.peak_mb:,.0f} MB vs {typst.peak_mb:,.0f} MB = "
        f"{memory_ratio:.2f}× Typst's peak (needs ≤ {MEMORY_SHARE:.2f}×). Two-core bound: "
        f"two half builds at once take {halves.seconds:.2f} s = "
        f"{halves.seconds / typst.seconds:.2f}× Typst's time and {halves.peak_mb:,.0f} MB = "
        f"{halves.peak_mb / typst.peak_mb:.2f}× its peak, before any joining.",
        f"- Goal 2 ({_verdict(goal2)}): 2011 brochure, build screen A5, whole process, "
        f"{brochure.seconds:.3f} s vs bare ReportLab {bare.seconds:.3f} s on the same content "
        f"(A4) = {brochure.seconds / bare.seconds:.2f}× (needs ≤ 1.00×).",
        f"- Goal 3 ({_verdict(goal3)}): "
        + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in brief.items())
        + f" (need < {BRIEF_LIMIT} s); importtime: "
        + "; ".join(f"{name} imports {', '.join(found) or 'none of them'}"
                    for name, found in imports.items())
        + f" (of {', '.join(NOT_AT_START_UP)}).",
        f"- Goal 4 ({_verdict(goal4)}): marginal rates "
        + ", ".join(f"{rate * 1000:.2f} ms/page at ~{target:,}" for target, rate in rates.items())
        + f": spread {spread(rates.values()):.0%} (needs ≤ {SPREAD_LIMIT:.0%}); memory: "
        + memory_curve(figures, sizes, OURS) + " (reported, no limit set).",
    ]


def _verdict(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def memory_curve(figures, sizes: dict[int, str], engine: str) -> str:
    return " → ".join(f"{figures[(sizes[t], engine)].peak_mb:,.0f} MB at "
                      f"{figures[(sizes[t], engine)].pages:,} p" for t in TARGETS)


def comparisons(figures, sizes: dict[int, str]) -> list[str]:
    lines = []
    for engine in ENGINES:
        rates = marginal_rates(figures, sizes, engine)
        lines.append(f"- {engine}: marginal " + ", ".join(
            f"{rate * 1000:.2f} ms/page at ~{t:,}" for t, rate in rates.items())
            + f" (spread {spread(rates.values()):.0%}); memory "
            + memory_curve(figures, sizes, engine) + ".")
    for what in (sizes[1000], K1):
        ours = figures[(what, OURS)]
        lines.append(f"- {what}: kennisdag-pdf / Typst = " + _ratios(ours, figures[(what, TYPST)])
                     + "; kennisdag-pdf / bare ReportLab = "
                     + _ratios(ours, figures[(what, REPORTLAB)]) + ".")
    brochure = figures[("build 2011, screen A5", OURS)]
    lines.append("- build 2011, screen A5 (the brochure itself) against the peers on the same "
                 "content at A4: / Typst = "
                 + _ratios(brochure, figures[(K1, TYPST)])
                 + "; / bare ReportLab = "
                 + _ratios(brochure, figures[(K1, REPORTLAB)]) + ".")
    return lines


def _ratios(ours: Figure, peer: Figure) -> str:
    return (f"{ours.seconds / peer.seconds:.2f}× the time, "
            f"{ours.peak_mb / peer.peak_mb:.2f}× the peak memory")


def sizes_line(tmp: Path) -> str:
    out = tmp / "2011"
    kb = {name: (out / f"{name}.pdf").stat().st_size / 1024
          for name in ("screen-A5", "print-A5", "print-A4", "archive-A5", "booklet")}
    return ("2011 files: " + ", ".join(f"{name} {size:,.0f} kB" for name, size in kb.items())
            + ".")


def main() -> None:
    imports = {name: start_up_imports(args)
               for name, args in (("--help", ["--help"]),
                                  ("validate", ["validate", "data/kennisdag-2011.yaml"]))}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        figures, sizes = run_all(tmp)
        files = sizes_line(tmp)
    print(f"Medians of {RUNS} runs ({RUNS_LARGE} at ~{LARGE:,} pages), whole process unless "
          f"said otherwise; Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"reportlab {version('reportlab')}, typst {version('typst')}. "
          "Peak MB: largest summed RSS of the process tree. Load average (other work on the "
          f"machine skews times): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after.\n")
    print("\n".join(table(figures)))
    print(f"\n{files}\n\nComparisons (same content, same run):")
    print("\n".join(comparisons(figures, sizes)))
    print("\nGoals of issue 7:")
    print("\n".join(verdicts(figures, sizes, imports)))
    from mail_bench import rows as mail_rows

    print()
    print("\n".join(mail_rows(RUNS)))
    from tagging_bench import rows as tagging_rows

    with tempfile.TemporaryDirectory() as folder:
        print()
        print("\n".join(tagging_rows(Path(folder), RUNS)))


if __name__ == "__main__":
    main()
