"""The bad-input corpus: every folder in tests/cases/ is one mistake a user makes.

Each case runs the real command line on a copy of its folder and checks the whole contract:
the exact exit code, the exact one-line messages on stderr, no traceback, nothing on stdout,
and nothing written (no PDF, no temporary file, every input file byte-identical) apart from the
files its writes.txt names. A mail case brings its own loopback SMTP server, scripted by its
smtp.yaml (see smtp_script.py), and says which addresses that server must have received once.
See tests/cases/README.md.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shlex
import shutil
import subprocess
import sys
import zlib
from contextlib import ExitStack, nullcontext
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from inprocess import run_in_process
from smtp_script import Script, scripted_server

CASES = Path(__file__).parent / "cases"
DEFAULT_ARGS = ["build", "event.yaml", "-o", "out/brochure.pdf"]
MAX_FIXTURE_BYTES = 20 * 1024
CLI = "from kennisdag_pdf.cli import main; main()"
# Most cases run in process through cli.run (13 ms instead of 0.3 s each); a fixed sample,
# and every case about a foreign PDF (whose console run works in a child process under a
# memory ceiling), run as real processes through the console entry point, so that exit codes,
# streams and the ceiling are proven there too.
IN_PROCESS_SAMPLE = 10  # one case in ten runs as a subprocess


def _as_subprocess(case: Path) -> bool:
    return (case.name.startswith(("T14-1-", "T14-9-", "T14-16-"))
            or zlib.crc32(case.name.encode()) % IN_PROCESS_SAMPLE == 0)


def _run_in_process(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    done = run_in_process(args, cwd=cwd, env=env, timeout=60)
    return done.returncode, done.stdout, done.stderr
# What a case folder may hold (README.md, "Adding a case").
CASE_FILES = {"event.yaml", "expected.txt", "args.txt", "symlinks.txt", "recipients.csv",
              "mail.yaml", "smtp.yaml", "writes.txt", "expected-delivered.txt",
              "expected-rerun.txt", "locked.txt"}
CASE_FOLDERS = {"assets", "outside", "out", "rerun"}
# Settings of the developer's shell that would change what a case does.
UNSET = ("SOURCE_DATE_EPOCH", "KENNISDAG_SMTP_PASSWORD", "KENNISDAG_CRASH_AT", "SSL_CERT_FILE",
         "SSL_CERT_DIR")


def _case_dirs() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _expected(path: Path) -> tuple[int, list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return int(lines[0]), lines[1:]


def _lines(path: Path) -> list[str]:
    """The lines of an optional list file, without blank lines and # comments."""
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _prepare(case: Path, tmp_path: Path) -> Path:
    """Copy the case into tmp_path/case; move outside/ and rerun/ beside it; create
    symlinks.txt's links."""
    work = tmp_path / "case"
    shutil.copytree(case, work, symlinks=True)
    for folder in ("outside", "rerun"):  # outside: files that must lie outside the YAML's folder
        if (work / folder).is_dir():
            shutil.move(work / folder, tmp_path / folder)
    links = work / "symlinks.txt"
    if links.exists():  # `link -> target`, target as stored in the link (relative to link's folder)
        for line in _lines(links):
            link, target = (part.strip() for part in line.split("->", 1))
            (work / link).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.symlink(target, work / link)
            except (OSError, NotImplementedError) as exc:
                pytest.skip(f"cannot create symlinks here: {exc}")
    return work


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (symlinks by their target) and every folder (as b"/"), to prove
    that nothing was written."""
    files = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs:
            files[Path(folder, name).relative_to(root).as_posix() + "/"] = b"/"
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            files[rel] = (b"-> " + os.readlink(path).encode() if path.is_symlink()
                          else path.read_bytes())
    return files


def _substitute(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.fixture(scope="session")
def case_ca(tmp_path_factory):
    """A throwaway CA (trustme) for the TLS cases: its certificate is {cafile}."""
    import trustme

    ca = trustme.CA()
    cafile = tmp_path_factory.mktemp("case-ca") / "test-ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return ca, cafile


class _Run:
    """One case in its temporary folder: runs the command and checks the contract."""

    def __init__(self, case: Path, tmp_path: Path, values: dict[str, str], env: dict[str, str],
                 secrets: list[str]) -> None:
        self.case, self.tmp_path, self.values, self.env = case, tmp_path, values, env
        self.work = tmp_path / "case"
        self.secrets = secrets
        self.writes = _lines(case / "writes.txt")

    def written_freely(self, rel: str) -> bool:
        """rel (under tmp_path) is a file that writes.txt lets a failed run write."""
        return rel.startswith("case/") and any(fnmatchcase(rel[5:], glob) for glob in self.writes)

    def check(self, args: list[str], expected: Path) -> None:
        code, lines = _expected(expected)
        lines = [_substitute(line, self.values) for line in lines]
        before = _snapshot(self.tmp_path)
        if _as_subprocess(self.case):
            result = subprocess.run([sys.executable, "-c", CLI, *args], cwd=self.work,
                                    env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                                    timeout=60)
            returncode = result.returncode
            stderr = result.stderr.decode("utf-8", errors="backslashreplace")
            stdout = result.stdout.decode("utf-8", errors="backslashreplace")
        else:
            returncode, stdout, stderr = _run_in_process(args, self.work, self.env)

        assert "Traceback" not in stderr, stderr
        assert stderr.splitlines() == lines
        assert returncode == code, stderr
        assert stdout == "", stdout
        after = _snapshot(self.tmp_path)
        written = [rel for rel in after if rel not in before
                   and (rel.lower().endswith(".pdf") and not self.written_freely(rel)
                        or rel.endswith(".tmp"))]
        assert written == [], f"files written by a failed run: {written}"
        kept = {rel: data for rel, data in before.items() if not self.written_freely(rel)}
        assert {rel: data for rel, data in after.items() if not self.written_freely(rel)} == kept, \
            "a failed run changed, added or removed files"
        for secret in self.secrets:  # a password is never shown, never stored
            assert secret not in stderr
            assert not [rel for rel, data in after.items()
                        if secret.encode() in data and before.get(rel) != data]


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_bad_input(case: Path, tmp_path: Path, request) -> None:
    work = _prepare(case, tmp_path)
    args_file = work / "args.txt"
    args_text = args_file.read_text(encoding="utf-8") if args_file.exists() else None
    script = Script.read(work / "smtp.yaml") if (work / "smtp.yaml").exists() else None
    values = {"today": dt.datetime.now(dt.timezone.utc).date().isoformat()}
    ca = None
    if (script and script.tls != "none") or (args_text and "{cafile}" in args_text):
        ca, cafile = request.getfixturevalue("case_ca")
        values["cafile"] = str(cafile)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200"}
    for name in UNSET:
        env.pop(name, None)
    env.update(script.env if script else {})
    secrets = [value for name, value in (script.env if script else {}).items()
               if "PASSWORD" in name]

    with ExitStack() as stack:
        for name in _lines(work / "locked.txt"):  # held by "another run" for the whole case
            handle = stack.enter_context((work / name).open("a+b"))
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        server = stack.enter_context(scripted_server(script, ca) if script else nullcontext())
        if server is not None:
            values["smtp_port"] = str(server.port)
        args = ([_substitute(arg, values) for arg in shlex.split(args_text)] if args_text
                else DEFAULT_ARGS)
        run = _Run(case, tmp_path, values, env, secrets)
        run.check(args, case / "expected.txt")
        if (case / "expected-rerun.txt").exists():  # the same command again, after rerun/'s changes
            if (tmp_path / "rerun").is_dir():
                shutil.copytree(tmp_path / "rerun", work, dirs_exist_ok=True)
            run.check(args, case / "expected-rerun.txt")
    if server is not None and server.handler is not None:  # each exactly once, nobody else
        expected = sorted(address.lower() for address in _lines(case / "expected-delivered.txt"))
        assert sorted(server.handler.received) == expected, "the server received"


def test_corpus_is_large_enough() -> None:
    assert len(_case_dirs()) >= 30


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_case_is_well_formed(case: Path) -> None:
    assert (case / "event.yaml").is_file()
    for name in ("expected.txt", "expected-rerun.txt"):
        if name == "expected.txt" or (case / name).exists():
            code, lines = _expected(case / name)
            assert code != 0 and lines, f"{name}: a case is a failure with at least one message"
    for path in case.rglob("*"):
        if path.is_file():
            assert path.stat().st_size <= MAX_FIXTURE_BYTES, f"{path.name}: fixture over 20 kB"
            rel = path.relative_to(case)
            assert (rel.parts[0] in CASE_FOLDERS if len(rel.parts) > 1
                    else rel.name in CASE_FILES), f"unexpected {rel}"
    has_server = (case / "smtp.yaml").exists()
    if has_server:
        Script.read(case / "smtp.yaml")
    args = (case / "args.txt").read_text(encoding="utf-8") if (case / "args.txt").exists() else ""
    assert "{smtp_port}" not in args or has_server, "{smtp_port} needs an smtp.yaml"
    assert not (case / "expected-delivered.txt").exists() or has_server
    assert not (case / "rerun").exists() or (case / "expected-rerun.txt").exists()
    for name in ("writes.txt", "locked.txt"):
        for line in _lines(case / name):
            assert not line.startswith(("/", "..")), f"{name}: {line} is outside the case"
