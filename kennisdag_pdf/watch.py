"""File-system events → rebuilds: which changes to an event's folder are worth a new build.

The event file and any image beside it count (a new image may be named in the next edit);
editors' swap and backup files, and everything the tool writes itself, do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
DEBOUNCE_MS = 250  # an editor's save is often several events in a few milliseconds


def relevant(event_file: Path, path: Path) -> bool:
    if path.name.startswith(".") or path.name.endswith("~"):
        return False  # our own temporary files, editors' swap and backup files
    if path == event_file:
        return True
    return path.suffix.lower() in IMAGE_SUFFIXES


def watch_sources(event_file: Path) -> Iterator[set[Path]]:
    """Each batch of relevant changes, for as long as the caller keeps iterating."""
    import watchfiles

    event_file = event_file.resolve()
    folder = event_file.parent
    for changes in watchfiles.watch(folder, debounce=DEBOUNCE_MS, step=50, recursive=True,
                                    raise_interrupt=True):
        paths = {Path(raw).resolve() for _, raw in changes}
        wanted = {p for p in paths if relevant(event_file, p)}
        if wanted:
            yield wanted
