"""Issue 16: what tagging costs. The same builds before tagging (BENCH_BASELINE, the commit
before it by default), now, and now with tagging switched off (like for like: the baseline
predates issue 18's page flow too), in the same run, taking turns; the validators' time and
memory apart, since the issue measures tagging with validation excluded.

The baseline is the committed tree of that revision (`git archive`), run from its own folder
so that it imports its own package. Both are given the same event files: the 2011 event and
the ~1,000-page synthetic one, without `cover_image_alt` and `name_in_logo` (fields the
baseline does not know; the current code then draws the cover picture as decoration and
warns, and prints the organisers' names beside their logos, which costs nothing).
"""

from __future__ import annotations

import os
import shlex
import statistics
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path

import synthetic
from measure import Job, measure

ROOT = Path(__file__).resolve().parent.parent
BASELINE = os.environ.get("BENCH_BASELINE", "b158165")  # the last commit before tagging
LIMIT = 0.20  # tagging may add at most a fifth to a build's time, validation excluded
TYPST_SPEED = 0.65  # the 1,000-page event keeps at least this share of Typst's pages per second
TYPST_MEMORY = 0.25  # … and under this share of its peak memory
PEERS = Path(__file__).resolve().parent / "peers"
THOUSAND = "~1,000 pages, screen A4"
CLI_CODE = "from kennisdag_pdf.cli import main; main()"


def baseline_tree(folder: Path) -> Path:
    """The committed files of BASELINE, compiled as `make bench` compiles the current ones."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder / "kennisdag_pdf")],
                   check=True)
    return folder


def events(folder: Path) -> dict[str, tuple[Path, list[str]]]:
    """label → (event file, build options): the 2011 brochure and the ~1,000-page event."""
    day = synthetic.source_day()
    # fields the baseline does not know (issues 16 and 18): their absence costs nothing
    day["event"].pop("cover_image_alt", None)
    for organiser in day["event"].get("organisers", []):
        organiser.pop("name_in_logo", None)
    return {label: (synthetic.write_event(folder / f"k{k}", k, day), options)
            for label, k, options in (("2011, screen A5", 1, []),
                                      (THOUSAND, 128,
                                       ["--page-size", "a4", "--max-size", "1000MB"]))}


# The build as it is, but without page-validation's verdict: "validation excluded".
UNVALIDATED_CODE = ("import kennisdag_pdf.accessibility as a; a.validate_ua = lambda *_, **__: []; "
                    + CLI_CODE)


# The same build with tagging switched off (bench/tags_off.py), for a like-for-like figure:
# the "before" tree predates issue 18's page flow too, so before → tagged holds more than
# tagging.
UNTAGGED_CODE = ("import runpy; runpy.run_path(" + repr(str(Path(__file__).parent / "tags_off.py"))
                 + ", run_name='__main__')")


def _build(tree: Path | None, event: Path, options: list[str], pdf: Path, *,
           code: str = CLI_CODE) -> Job:
    command = [sys.executable, "-c", code, "-q", "build", str(event), *options,
               "-o", str(pdf)]
    if tree is None:
        return Job(command, output=pdf)
    # From its own folder, so that its package is the one imported.
    return Job(["sh", "-c", f"cd {shlex.quote(str(tree))} && PYTHONPATH=. exec "
                            f"{shlex.join(command)}"], output=pdf)


def _validator_job(pdf: Path) -> Job:
    code = ("import sys; from kennisdag_pdf.accessibility import validate_ua; "
            "sys.exit(bool(validate_ua(open(sys.argv[1], 'rb').read())))")
    return Job([sys.executable, "-c", code, str(pdf)])


def _in_process_seconds(what, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        what()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rows(tmp: Path, runs: int) -> list[str]:
    base = baseline_tree(tmp / "baseline")
    jobs: dict[tuple[str, str], Job] = {}
    events_of = {}
    for label, (event, options) in events(tmp / "events").items():
        events_of[label] = event
        jobs[(label, "before")] = _build(base, event, options, tmp / f"before-{event.stem}.pdf")
        jobs[(label, "tagged")] = _build(None, event, options, tmp / f"tagged-{event.stem}.pdf")
        jobs[(label, "unvalidated")] = _build(None, event, options,
                                              tmp / f"unvalidated-{event.stem}.pdf",
                                              code=UNVALIDATED_CODE)
        jobs[(label, "untagged")] = _build(None, event, options,
                                           tmp / f"untagged-{event.stem}.pdf",
                                           code=UNTAGGED_CODE)
    thousand_event = events_of[THOUSAND]
    jobs[(THOUSAND, "Typst")] = Job([sys.executable, str(PEERS / "typst_brochure.py"),
                                     str(thousand_event), str(tmp / "typst.pdf")],
                                    output=tmp / "typst.pdf")
    samples = measure(jobs, runs, ROOT)
    validator = measure({label: _validator_job(jobs[(label, "tagged")].output)
                         for label, _ in jobs if _ == "tagged"}, runs, ROOT)
    lines = [f"Tagging (issue 16): builds before it ({BASELINE}) and now, same event files, "
             f"medians of {runs} whole-process runs taking turns. A screen build now includes "
             "page-validation's PDF/UA-1 verdict: \"tagged, not validated\" is the same build "
             "with that call left out (validation excluded, as the issue measures tagging).",
             "",
             "| build | before s | tagged s | tagged, not validated s | tagging adds | "
             "this code, tags off s | tagging adds, like for like | "
             "page-validation in process s | before MB | tagged MB | tagged, not validated MB "
             "| page-validation's own process MB | before kB | tagged kB |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    verdicts = []
    from kennisdag_pdf.accessibility import check_tags, validate_ua

    import pikepdf

    checker = {}
    for label in dict.fromkeys(label for label, which in jobs if which != "Typst"):
        before, tagged, bare, off = (samples[(label, which)]
                                     for which in ("before", "tagged", "unvalidated",
                                                   "untagged"))
        alone = validator[label]
        data = jobs[(label, "tagged")].output.read_bytes()
        validate_ua(data)  # loaded once, as a build has it
        work = _in_process_seconds(lambda: validate_ua(data), runs)
        added = bare.seconds / before.seconds - 1
        alike = bare.seconds / off.seconds - 1
        off_pages = synthetic.count_pages(jobs[(label, "untagged")].output)
        tagged_pages = synthetic.count_pages(jobs[(label, "tagged")].output)
        sizes = [jobs[(label, which)].output.stat().st_size / 1024
                 for which in ("before", "tagged")]
        lines.append(f"| {label} | {before.seconds:.3f} | {tagged.seconds:.3f} | "
                     f"{bare.seconds:.3f} | {added:+.0%} | {off.seconds:.3f} | {alike:+.0%} | "
                     f"{work:.3f} | {before.peak_mb:,.0f} | "
                     f"{tagged.peak_mb:,.0f} | {bare.peak_mb:,.0f} | {alone.peak_mb:,.0f} | "
                     f"{sizes[0]:,.0f} | {sizes[1]:,.0f} |")
        verdicts.append(f"- {label}: tagging adds {added:+.0%} to the build, validation "
                        f"excluded ({'pass' if added <= LIMIT else 'FAIL'}: at most "
                        f"+{LIMIT:.0%}); against this code with tags off ({off_pages} "
                        f"pages, tagged {tagged_pages}) {alike:+.0%} "
                        f"({'pass' if alike <= LIMIT else 'FAIL'}); page-validation's verdict adds "
                        f"{tagged.seconds - bare.seconds:.2f} s and "
                        f"{tagged.peak_mb - bare.peak_mb:,.0f} MB.")
        pdf = pikepdf.open(jobs[(label, "tagged")].output)
        checker[label] = _in_process_seconds(lambda: check_tags(pdf), 1)
    verdicts.append(_against_typst(jobs, samples))
    lines += ["", *verdicts,
              "- Our own tag checker (tests and `check`, not builds): " + ", ".join(
                  f"{label} {seconds:.2f} s" for label, seconds in checker.items()) + "."]
    return lines


def _against_typst(jobs: dict, samples: dict) -> str:
    """The 1,000-page event against Typst (which tags too), in the same run: pages per
    second and peak memory, for the build with page-validation's verdict and without it."""
    typst = samples[(THOUSAND, "Typst")]
    typst_rate = synthetic.count_pages(jobs[(THOUSAND, "Typst")].output) / typst.seconds
    pages = synthetic.count_pages(jobs[(THOUSAND, "tagged")].output)
    parts = []
    for which, name in (("unvalidated", "without the verdict"), ("tagged", "with it")):
        ours = samples[(THOUSAND, which)]
        speed, memory = pages / ours.seconds / typst_rate, ours.peak_mb / typst.peak_mb
        passed = speed >= TYPST_SPEED and memory < TYPST_MEMORY
        parts.append(f"{name} {pages / ours.seconds:,.0f} pages/s = {speed:.2f}× and "
                     f"{ours.peak_mb:,.0f} MB = {memory:.2f}× ({'pass' if passed else 'FAIL'})")
    return (f"- {THOUSAND} against Typst ({typst_rate:,.0f} pages/s, {typst.peak_mb:,.0f} MB; "
            f"goals ≥ {TYPST_SPEED:.2f}× its pages per second, < {TYPST_MEMORY:.2f}× its "
            f"memory): " + "; ".join(parts) + ".")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        print("\n".join(rows(Path(folder), int(os.environ.get("BENCH_RUNS", "3")))))
