"""The bad-input corpus: every folder in tests/cases/ is one mistake a user makes.

Each case runs the real command line on a copy of its folder and checks the whole contract:
the exact exit code, the exact one-line messages on stderr, no traceback, and nothing written
(no PDF, no temporary file, every input file byte-identical). See tests/cases/README.md.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"
DEFAULT_ARGS = ["build", "event.yaml", "-o", "out/brochure.pdf"]
MAX_FIXTURE_BYTES = 20 * 1024
CLI = "from kennisdag_pdf.cli import main; main()"


def _case_dirs() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _expected(case: Path) -> tuple[int, list[str]]:
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return int(lines[0]), lines[1:]


def _prepare(case: Path, tmp_path: Path) -> Path:
    """Copy the case into tmp_path/case; move outside/ beside it; create symlinks.txt's links."""
    work = tmp_path / "case"
    shutil.copytree(case, work, symlinks=True)
    if (work / "outside").is_dir():  # files that must lie outside the YAML file's folder
        shutil.move(work / "outside", tmp_path / "outside")
    links = work / "symlinks.txt"
    if links.exists():  # `link -> target`, target as stored in the link (relative to link's folder)
        for line in links.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            link, target = (part.strip() for part in line.split("->", 1))
            (work / link).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.symlink(target, work / link)
            except (OSError, NotImplementedError) as exc:
                pytest.skip(f"cannot create symlinks here: {exc}")
    return work


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (symlinks by their target), to prove that nothing was written."""
    files = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            files[rel] = (b"-> " + os.readlink(path).encode() if path.is_symlink()
                          else path.read_bytes())
    return files


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_bad_input(case: Path, tmp_path: Path) -> None:
    code, lines = _expected(case)
    work = _prepare(case, tmp_path)
    args_file = work / "args.txt"
    args = shlex.split(args_file.read_text(encoding="utf-8")) if args_file.exists() else DEFAULT_ARGS
    before = _snapshot(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("SOURCE_DATE_EPOCH", None)

    result = subprocess.run([sys.executable, "-c", CLI, *args], cwd=work, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    stderr = result.stderr.decode("utf-8", errors="backslashreplace")
    stdout = result.stdout.decode("utf-8", errors="backslashreplace")

    assert "Traceback" not in stderr, stderr
    assert stderr.splitlines() == lines
    assert result.returncode == code, stderr
    assert stdout == "", stdout
    written = [p for p in tmp_path.rglob("*")
               if p.relative_to(tmp_path).as_posix() not in before
               and ((p.suffix.lower() == ".pdf" and not p.is_dir())
                    or (p.name.startswith(".") and p.name.endswith(".tmp")))]
    assert written == [], f"files written by a failed run: {written}"
    assert _snapshot(tmp_path) == before, "a failed run changed, added or removed files"


def test_corpus_is_large_enough() -> None:
    assert len(_case_dirs()) >= 30


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_case_is_well_formed(case: Path) -> None:
    assert (case / "event.yaml").is_file()
    code, lines = _expected(case)
    assert code != 0 and lines, "a case is a failure with at least one message"
    allowed = {"event.yaml", "expected.txt", "args.txt", "symlinks.txt"}
    for path in case.rglob("*"):
        if path.is_file():
            assert path.stat().st_size <= MAX_FIXTURE_BYTES, f"{path.name}: fixture over 20 kB"
            rel = path.relative_to(case)
            assert rel.parts[0] in allowed | {"assets", "outside", "out"}, f"unexpected {rel}"
