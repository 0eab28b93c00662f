"""File-system events → rebuilds: which changes to an event's folder are worth a new build.

The event file and any image beside it count (a new image may be named in the next edit);
editors' swap and backup files, and everything the tool writes itself, do not. Listening
starts before the first build, so an edit saved while that build runs is not lost.
"""

from __future__ import annotations

import queue
import threading
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


class Watcher:
    """Listens to the event's folder in a thread from the moment it is created."""

    def __init__(self, event_file: Path) -> None:
        self.event_file = event_file.resolve()
        self.changes: queue.Queue[set[Path] | Exception] = queue.Queue()
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        import watchfiles

        self.ready.set()
        try:
            for batch in watchfiles.watch(self.event_file.parent, debounce=DEBOUNCE_MS, step=50,
                                          recursive=True, stop_event=self.stop,
                                          raise_interrupt=False):
                paths = {Path(raw).resolve() for _, raw in batch}
                wanted = {p for p in paths if relevant(self.event_file, p)}
                if wanted:
                    self.changes.put(wanted)
        except Exception as exc:  # the folder vanished, too many watches …: tell the caller
            self.changes.put(exc)

    def __iter__(self) -> Iterator[set[Path]]:
        """Each batch of relevant changes; Ctrl-C ends the iteration in the caller."""
        while True:
            try:
                item = self.changes.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(item, Exception):
                from .errors import OutputError

                raise OutputError(f"{self.event_file.parent}: cannot watch this folder any "
                                  f"longer: {item}")
            yield item

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
