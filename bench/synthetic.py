"""Synthetic events of a chosen length: the 2011 data with theses and participants multiplied.

Issue 7 asks how cost grows from ten to thousands of pages. Real events of that size do not
exist, so the 2011 text is repeated: copy 1 is the 2011 content itself, copy c ≥ 2 carries
" (c)" after every statement and name, so that titles, contents lines and bookmarks stay unique.
k may be fractional: k = 0.3 keeps the first 30 % of the theses and participants, which is how
a ten-page event is had from a sixteen-page (A4) original. The files are written into a folder the
caller owns (a temporary one in `make bench`); they are never committed.

Usable by hand too, e.g. to profile one size:
    .venv/bin/python bench/synthetic.py 1000 /tmp/k1000
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from kennisdag_pdf.preview import page_count

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "kennisdag-2011.yaml"

KENNISDAG_PDF = [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()"]
PROBES = (1.0, 10.0)  # two builds give pages(k) ≈ a + b·k


def multiply(day: dict, k: float) -> dict:
    """The event with its theses and participants repeated k times (k > 0, may be fractional)."""
    return dict(day,
                theses=[dict(t, statement=_numbered(t["statement"], c))
                        for c, t in _copies(day["theses"], k)],
                participants=[dict(p, name=_numbered(p["name"], c))
                              for c, p in _copies(day["participants"], k)])


def _copies(items: list, k: float) -> list[tuple[int, object]]:
    count = max(1, round(len(items) * k))
    return [(i // len(items) + 1, items[i % len(items)]) for i in range(count)]


def _numbered(text: str, copy_number: int) -> str:
    return text if copy_number == 1 else f"{text} ({copy_number})"


def source_day() -> dict:
    """The 2011 event as data, to multiply."""
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def write_event(folder: Path, k: float, day: dict | None = None) -> Path:
    """Writes the k-fold event (of the 2011 one, or of day), with the images it names, into
    folder; returns the YAML path."""
    folder.mkdir(parents=True, exist_ok=True)
    day = source_day() if day is None else day
    shutil.copytree(SOURCE.parent / "assets", folder / "assets", dirs_exist_ok=True)
    path = folder / f"event-x{k:g}.yaml"
    path.write_text(yaml.safe_dump(multiply(day, k), allow_unicode=True, sort_keys=False,
                                   width=100), encoding="utf-8")
    return path


def validate(event: Path) -> None:
    """Raises with the CLI's own message when the generated event is not valid."""
    result = subprocess.run([*KENNISDAG_PDF, "validate", str(event)], capture_output=True,
                            text=True, cwd=ROOT)
    if result.returncode:
        raise RuntimeError(f"{event.name} is not a valid event:\n{result.stdout}{result.stderr}")


def build_command(event: Path, pdf: Path) -> list[str]:
    """The screen build at A4 that the benchmark times; the 2 MB size budget of the screen
    profile does not fit a thousand pages, so it is raised."""
    return [*KENNISDAG_PDF, "build", str(event), "--page-size", "a4", "--max-size", "1000MB",
            "-o", str(pdf)]


def build_a4(event: Path, pdf: Path) -> None:
    subprocess.run(build_command(event, pdf), check=True, capture_output=True, cwd=ROOT)


def count_pages(pdf: Path) -> int:
    return page_count(pdf.read_bytes())


def pick_k(targets: list[int], folder: Path) -> dict[int, float]:
    """k for each target page count (A4), from two probe builds: pages are linear in k."""
    pages = []
    for k in PROBES:
        event = write_event(folder / "probe", k)
        pdf = event.with_suffix(".pdf")
        build_a4(event, pdf)
        pages.append(count_pages(pdf))
    slope = (pages[1] - pages[0]) / (PROBES[1] - PROBES[0])
    base = pages[0] - slope * PROBES[0]
    return {target: _round_k((target - base) / slope) for target in targets}


def _round_k(k: float) -> float:
    # Two significant digits: a whole number of copies from k = 10 on, tenths below.
    if k >= 10:
        return float(round(k))
    return max(0.1, math.floor(k * 10 + 0.5) / 10)


def main() -> None:
    target, folder = int(sys.argv[1]), Path(sys.argv[2])
    k = pick_k([target], folder)[target]
    event = write_event(folder, k)
    validate(event)
    pdf = event.with_suffix(".pdf")
    build_a4(event, pdf)
    print(f"{event}: k = {k:g}, {count_pages(pdf)} A4 pages ({pdf})")


if __name__ == "__main__":
    main()
