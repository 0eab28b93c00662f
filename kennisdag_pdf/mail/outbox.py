"""The dry run's outbox: one .eml file per recipient, exactly the bytes --send would send.

The organiser opens them in a mail program to check the texts, the names and the attachment
before a single message leaves. The folder shows this run only: the .eml files an earlier dry
run wrote for recipients no longer in the CSV are removed.

Removed, and overwritten, is only what this tool can prove it wrote: the folder keeps a
manifest (MANIFEST_NAME) of every file a dry run wrote there, with its size and SHA-256. A
file is ours when the manifest names it, it is still a regular file (not a symlink, not a
folder) and its bytes are the ones recorded; a file the organiser changed, put there or
linked is theirs, whatever its name. A file name in the manifest is taken only if it is one
this module could have made (no folder, no "..", not absolute), so an edited manifest cannot
point the clean-up anywhere else. -o pointing at a folder of the organiser's own mail thus
deletes nothing, and a dry run whose file names are taken by files not ours refuses to start.

Each file is entered in the manifest (appended, synced) before it is written, so a run killed
halfway leaves every file it wrote provably ours; the manifest is rewritten to hold only this
run's files once they are all in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EXIT_CANT_CREATE, OutputError
from ..output import _output_error, write_atomic
from .message import Outgoing
from .recipients import Recipient
from ..units import MB

MANIFEST_NAME = ".kennisdag-outbox.jsonl"
# A manifest line is about 130 bytes: room for every recipient a CSV may hold, several times.
MAX_MANIFEST_BYTES = 64 * MB
_OUR_NAME = re.compile(r"[0-9]{3,}-[A-Za-z0-9@._+-]+\.eml")


def eml_name(number: int, email: str) -> str:
    """'007-anna@example.org.eml': CSV order, and the address to find a person by."""
    return f"{number:03d}-{re.sub(r'[^A-Za-z0-9@._+-]', '_', email)}.eml"


@dataclass
class Outbox:
    """What a dry run did to the folder."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # ours, for recipients no longer listed
    left: list[Path] = field(default_factory=list)  # listed as ours, but changed: not touched


def write_outbox(folder: Path, recipients: Sequence[Recipient],
                 compose: Callable[[Recipient], Outgoing]) -> Outbox:
    manifest = folder / MANIFEST_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(folder, exc) from None
    ours = _read_manifest(manifest)
    targets = [folder / eml_name(number, r.email) for number, r in enumerate(recipients, 1)]
    for target in targets:  # all of them before the first is written
        if not _is_ours(target, ours):
            raise OutputError(f"{target}: a file of this name is already there and this tool "
                              f"did not write it (or it was changed since); move it away, or "
                              f"choose another folder with -o; nothing was written",
                              EXIT_CANT_CREATE)
    result = Outbox()
    current: dict[str, tuple[int, str]] = {}
    for target, recipient in zip(targets, recipients):
        outgoing = compose(recipient)
        entry = {"name": target.name, "size": len(outgoing.data),
                 "sha256": hashlib.sha256(outgoing.data).hexdigest()}
        _append(manifest, entry)
        ours.setdefault(target.name, set()).add((entry["size"], entry["sha256"]))
        write_atomic(target, outgoing.data)
        current[target.name] = (entry["size"], entry["sha256"])
        result.written.append(target)
    for name in sorted(set(ours) - set(current)):
        stale = folder / name
        if not _exists(stale):
            continue
        if _is_ours(stale, ours):
            stale.unlink()
            result.removed.append(stale)
        else:
            result.left.append(stale)  # the organiser's now: no longer in the manifest
    lines = "".join(json.dumps({"name": name, "size": size, "sha256": digest}) + "\n"
                    for name, (size, digest) in sorted(current.items()))
    write_atomic(manifest, lines.encode("ascii"))
    return result


def _read_manifest(manifest: Path) -> dict[str, set[tuple[int, str]]]:
    """name → the (size, sha256) pairs recorded for it; lines that are not entries of ours
    (edited, cut off by a crash, naming a path elsewhere) prove nothing and are skipped."""
    try:
        info = os.lstat(manifest)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise OutputError(f"{manifest}: cannot be read: {(exc.strerror or str(exc)).lower()}",
                          EXIT_CANT_CREATE) from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{manifest}: is not a file this tool wrote (a "
                          f"{'link' if stat.S_ISLNK(info.st_mode) else 'special file'}); "
                          f"move it away, or choose another folder with -o", EXIT_CANT_CREATE)
    if info.st_size > MAX_MANIFEST_BYTES:
        return {}  # not ours: nothing it lists is deleted
    ours: dict[str, set[tuple[int, str]]] = {}
    with open(manifest, "rb") as handle:
        for raw in handle:
            try:
                entry = json.loads(raw)
                name, size, digest = entry["name"], entry["size"], entry["sha256"]
            except (ValueError, TypeError, KeyError):
                continue
            if (isinstance(name, str) and _OUR_NAME.fullmatch(name) and isinstance(size, int)
                    and isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)):
                ours.setdefault(name, set()).add((size, digest))
    return ours


def _append(manifest: Path, entry: dict) -> None:
    try:
        fd = os.open(manifest, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            os.write(fd, (json.dumps(entry) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _output_error(manifest, exc) from None


def _exists(path: Path) -> bool:
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    return True


def _fingerprint(path: Path) -> tuple[int, str] | None:
    """(size, sha256) of a regular file, read without following a link; None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        digest = hashlib.sha256()
        size = 0
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _is_ours(path: Path, ours: dict[str, set[tuple[int, str]]]) -> bool:
    """True when nothing is at path, or what is there is a file this tool wrote, unchanged."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    recorded = ours.get(path.name, set())
    if not stat.S_ISREG(info.st_mode) or info.st_size not in {size for size, _ in recorded}:
        return False  # a link, a folder, or a size never written: no need to read it
    return _fingerprint(path) in recorded
