"""The user's cache folder: what a build derived and a later build can read back instead of
deriving it again (parsed hyphenation patterns, parsed font faces, prepared images).

Everything here is an optimisation: a file that cannot be read, written or trusted is ignored
and the work is done again. Each file is written whole under a temporary name and renamed, so
two builds at once never see half a file, and carries a checksum of its content, so that a
file damaged on disk is never used. KENNISDAG_NO_CACHE=1 turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

CHECK = 16  # bytes of SHA-256 in front of the content


def folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kennisdag-pdf"


def enabled() -> bool:
    return not os.environ.get("KENNISDAG_NO_CACHE")


def key(*parts: object) -> str:
    """A file-name-safe digest of everything a cached result depends on."""
    return hashlib.sha256(repr(parts).encode("utf-8", "backslashreplace")).hexdigest()[:32]


def read(name: str) -> bytes | None:
    """The content stored under name, or None (missing, unreadable or damaged)."""
    if not enabled():
        return None
    path = folder() / name
    try:
        stored = path.read_bytes()
    except OSError:
        return None
    content = stored[CHECK:]
    if len(stored) < CHECK or hashlib.sha256(content).digest()[:CHECK] != stored[:CHECK]:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return content


def write(name: str, content: bytes) -> None:
    if not enabled():
        return
    target = folder() / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(hashlib.sha256(content).digest()[:CHECK] + content)
        os.replace(tmp, target)  # two builds at once: each writes a whole file, one wins
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def prune(prefix: str, keep_bytes: int) -> None:
    """Delete the least recently used files named prefix* until they hold keep_bytes or less."""
    try:
        entries = []
        for path in folder().glob(f"{prefix}*"):
            stat = path.stat()
            entries.append((stat.st_mtime_ns, stat.st_size, path))
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= keep_bytes:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size
