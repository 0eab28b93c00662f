"""The dry run's outbox: one .eml file per recipient, exactly the bytes --send would send.

The organiser opens them in a mail program to check the texts, the names and the attachment
before a single message leaves. The folder shows this run only: the .eml files an earlier
dry run left there for recipients no longer in the CSV are removed (only files named as this
module names them, so that -o pointing at a folder of the organiser's own mail deletes none).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..output import write_atomic
from .message import Outgoing


def eml_name(number: int, email: str) -> str:
    """'007-anna@example.org.eml': CSV order, and the address to find a person by."""
    return f"{number:03d}-{re.sub(r'[^A-Za-z0-9@._+-]', '_', email)}.eml"


def write_outbox(folder: Path, messages: Iterable[Outgoing]) -> list[Path]:
    written = []
    for number, outgoing in enumerate(messages, 1):
        target = folder / eml_name(number, outgoing.recipient.email)
        write_atomic(target, outgoing.data)
        written.append(target)
    for stale in set(folder.glob("[0-9][0-9][0-9]*-*@*.eml")) - set(written):
        stale.unlink()
    return written
