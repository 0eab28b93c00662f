"""Writing results: a temporary file beside the target, flushed to disk, then renamed over it.

A crash, Ctrl-C or a full disk therefore leaves either the old file or the new one, never half
of one, and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import EXIT_CANT_CREATE, EXIT_IO, OutputError


NAME_MAX = 255  # bytes in one file or folder name: ext4, XFS, APFS and NTFS all stop here


def check_target(target: Path, inputs: list[Path]) -> None:
    """Fail before the (slow) render when the output can obviously not be written."""
    _check_name_lengths(target)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name such as {target}/brochure.pdf",
                          EXIT_CANT_CREATE)
    kind = _special_kind(target)
    if kind:
        raise OutputError(f"{target}: is {kind}, not a file; give another file name",
                          EXIT_CANT_CREATE)
    # realpath: `out/../event.yaml` is event.yaml even while out/ does not exist yet, and a
    # symlink is the file it points to.
    real = os.path.realpath(target)
    for source in inputs:
        if real == os.path.realpath(source) or _same_existing_file(target, source):
            raise OutputError(f"{target}: is an input file; refusing to overwrite it",
                              EXIT_CANT_CREATE)
    for folder in target.parents:
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(f"{target}: cannot be created: {folder} is a file, "
                                  f"not a folder", EXIT_CANT_CREATE)
            break


def _check_name_lengths(path: Path) -> None:
    for part in path.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise OutputError(f"{path}: the name is too long for the file system; choose a "
                              f"shorter one", EXIT_CANT_CREATE)


def _special_kind(path: Path) -> str | None:
    """'a device' for /dev/null and its kind: renaming a file over one would replace it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


def _same_existing_file(target: Path, source: Path) -> bool:
    """A hard link, or the same file under another spelling of a case-insensitive disk."""
    try:
        return target.exists() and os.path.samefile(target, source)
    except OSError:
        return False


def check_folder(folder: Path) -> None:
    """A folder to write several files into: it, or the first of its parents that exists,
    must be a folder."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise OutputError(f"{folder}: cannot be created: {candidate} is a file, "
                                  f"not a folder", EXIT_CANT_CREATE)
            return


def write_atomic(target: Path, data: bytes, *, private: bool = False) -> None:
    """data as target, whole or not at all. private: readable by the user alone, from the
    first byte (mkstemp makes the file 0600; it is opened up to 0644 otherwise)."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _output_error(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if not private:
            os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, target)
        fsync_folder(folder)
    except BaseException as exc:  # includes KeyboardInterrupt: never leave the temp file
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise _output_error(target, exc) from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in folder durable (POSIX: the folder's entry itself)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _output_error(target: Path, exc: OSError) -> OutputError:
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{target}: no space left on the device; nothing was written", EXIT_IO)
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"{target}: permission denied; choose another folder with -o",
                           EXIT_CANT_CREATE)
    if code == errno.EISDIR:
        return OutputError(f"{target}: is a folder", EXIT_CANT_CREATE)
    if code == errno.ENAMETOOLONG:
        return OutputError(f"{target}: the name is too long for the file system; choose a "
                           f"shorter one", EXIT_CANT_CREATE)
    if code in (errno.ENOTDIR, errno.ENOENT, errno.EEXIST):
        return OutputError(f"{target}: the folder cannot be created", EXIT_CANT_CREATE)
    reason = (exc.strerror or str(exc)).lower()
    return OutputError(f"{target}: could not be written: {reason}", EXIT_IO)
