"""A new event folder: a commented event.yaml that builds at once, assets/, a recipients.csv
with the mail.yaml that `mail` needs beside it, and the JSON Schema that editors use to
complete and check the YAML file."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from .errors import EXIT_CANT_CREATE, OutputError

TEMPLATES = Path(__file__).resolve().parent / "templates"


def event_id(folder: Path) -> str:
    """The folder's name as a slug: 'Kennisdag 2026' → 'kennisdag-2026'."""
    slug = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    return slug[:64].strip("-") or "kennisdag"


def _free(folder: Path) -> bool:
    """Whether a new event can go here without touching anything: nothing there, or an empty
    folder."""
    try:
        return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))
    except OSError:  # unreadable: not ours to fill
        return False


def free_name(folder: Path, language: str) -> Path | None:
    """A free folder beside folder for the user to choose instead: 'my-day-en' for a second
    language of the same day, else 'my-day-2', 'my-day-3' …; None when none of the first
    hundred is free (or the folder has no name of its own, as '/')."""
    named = folder
    if folder.name in ("", ".", ".."):  # '.': the folder the user is in, seen from beside it
        named = folder.resolve()
    if not named.name:
        return None
    stem = named.name
    names = [] if stem.endswith(f"-{language}") else [f"{stem}-{language}"]
    names += [f"{stem}-{n}" for n in range(2, 101)]
    free = next((named.with_name(name) for name in names if _free(named.with_name(name))),
                None)
    return Path(os.path.relpath(free)) if free and named is not folder else free


def create(folder: Path, language: str, today: dt.date | None = None) -> list[Path]:
    """Write the new event's files; refuses a folder that already holds files."""
    from .output import write_atomic
    from .schema import json_schema

    if not _free(folder):
        free = free_name(folder, language)
        such_as = f", such as {free}" if free else ""
        raise OutputError(f"{folder}: already exists and is not an empty folder; nothing was "
                          f"changed: choose a new name{such_as}", EXIT_CANT_CREATE)
    event = (TEMPLATES / f"event-{language}.yaml").read_text(encoding="utf-8")
    event = (event.replace("__ID__", event_id(folder))
                  .replace("__DATE__", (today or dt.date.today()).isoformat())
                  .replace("__FOLDER__", folder.as_posix()))
    files = {
        folder / "event.yaml": event.encode("utf-8"),
        folder / "recipients.csv": (TEMPLATES / "recipients.csv").read_bytes(),
        folder / "mail.yaml": (TEMPLATES / f"mail-{language}.yaml").read_bytes(),
        folder / "kennisdag.schema.json": (json.dumps(json_schema(), indent=2,
                                                      ensure_ascii=False) + "\n").encode(),
        folder / "assets" / "README.txt": (
            "Images for this event (PNG or JPEG): logos, the cover picture, photos.\n"
            "Refer to them from event.yaml as assets/<name>.\n").encode(),
    }
    for path, data in files.items():
        write_atomic(path, data)
    return list(files)
