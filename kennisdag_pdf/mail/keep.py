"""Where a sign-in is kept: the system keyring where one is usable, a private file otherwise.

What is kept (MSAL's token cache, Google's credentials) holds a refresh token, a secret that
sends mail as the organiser for weeks. The system keyring (GNOME Keyring or KWallet through
the Secret Service, the macOS Keychain, Windows' Credential Locker) keeps it encrypted and
unlocked with the organiser's session, so it is tried first. A headless machine has none
(keyring's fail and null backends), a keyring may refuse a long value (Windows' limit is
2,560 characters, an MSAL cache is often longer) or fail in its own ways (a D-Bus that does
not answer): then the file, in the user's config folder ($XDG_CONFIG_HOME/kennisdag-pdf, else
~/.config/kennisdag-pdf), 0600 from its first byte, in a folder that is 0700. A sign-in is in
one place at a time: keeping it in one removes it from the other. Never beside the event, the
journal, the outbox or the archive.

keyring is imported only when a sign-in is kept or used; PYTHON_KEYRING_BACKEND (keyring's own
variable) chooses its backend, `keyring.backends.fail.Keyring` forcing the file.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .oauth import TokenUnavailable

SERVICE = "kennisdag-pdf"  # the keyring's service name; the user name is "<provider>-sign-in"


@dataclass(frozen=True)
class Kept:
    provider: str
    data: dict
    place: str  # for messages: "the system keyring (…)" or the file's path


def config_folder(environ=os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return root / "kennisdag-pdf"


def token_file(provider: str, environ=os.environ) -> Path:
    return config_folder(environ) / f"{provider}-sign-in.json"


def keep(provider: str, data: dict, environ=os.environ) -> str:
    """Keep a sign-in, replacing the one kept before; where it went (for the organiser)."""
    text = json.dumps(data)
    path = token_file(provider, environ)
    backend = _keyring()
    if backend is not None:
        try:
            backend.set_password(SERVICE, _user(provider), text)
            # Read back: a keyring that shortened or dropped the value has not kept it
            if backend.get_password(SERVICE, _user(provider)) == text:
                _unlink(path)
                return _keyring_place(backend)
        except Exception:  # noqa: BLE001 - every backend fails its own way; the file works
            pass
        _delete(backend, provider)  # whatever half of it may be there
    _write_private(path, data)
    return str(path)


def kept(provider: str, environ=os.environ, error=TokenUnavailable) -> Kept | None:
    """The kept sign-in of a provider, or None; error (a KennisdagError class) for one that
    cannot be used as it is."""
    backend = _keyring()
    if backend is not None:
        try:
            text = backend.get_password(SERVICE, _user(provider))
        except Exception:  # noqa: BLE001 - a keyring that fails now: the file may hold it
            text = None
        if text is not None:
            place = _keyring_place(backend)
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise error(f"{place}: its {provider} sign-in is damaged: kennisdag-pdf "
                            f"logout {provider}, then login again")
            return Kept(provider, data, place)
    path = token_file(provider, environ)
    if not path.exists():
        return None
    return Kept(provider, _read_private(path, error), str(path))


def forget(provider: str, environ=os.environ) -> list[str]:
    """Remove a provider's sign-in from the keyring and the file; the places it was in."""
    removed = []
    backend = _keyring()
    if backend is not None:
        try:
            if backend.get_password(SERVICE, _user(provider)) is not None:
                backend.delete_password(SERVICE, _user(provider))
                removed.append(f"the {provider} sign-in from {_keyring_place(backend)}")
        except Exception:  # noqa: BLE001 - a keyring that fails keeps nothing of ours
            pass
    path = token_file(provider, environ)
    if _unlink(path):
        removed.append(str(path))
    return removed


def _keyring():
    """The system keyring's backend, or None where there is none to use."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring configuration is no keyring
        return None
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return None
    return backend


def _keyring_place(backend) -> str:
    chained = getattr(backend, "backends", None)  # keyring's chainer writes to its first
    shown = chained[0] if chained else backend
    return f"the system keyring ({getattr(shown, 'name', type(shown).__name__)})"


def _user(provider: str) -> str:
    return f"{provider}-sign-in"


def _delete(backend, provider: str) -> None:
    try:
        backend.delete_password(SERVICE, _user(provider))
    except Exception:  # noqa: BLE001 - nothing there, or a keyring that fails: nothing kept
        pass


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _write_private(path: Path, data: dict) -> None:
    """Atomically, 0600 from the first byte: never readable by others, not even briefly."""
    from ..output import write_atomic

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data).encode("utf-8"), private=True)


def _read_private(path: Path, error=TokenUnavailable) -> dict:
    mode = path.stat().st_mode
    if mode & 0o077:
        raise error(f"{path}: other users may read this sign-in (mode "
                    f"{stat.S_IMODE(mode):o}): chmod 600 it, or log out and in again")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise error(f"{path}: cannot be read ({exc.__class__.__name__}): "
                    f"kennisdag-pdf logout, then login again") from None
    if not isinstance(data, dict):
        raise error(f"{path}: not a sign-in: kennisdag-pdf logout, then login again")
    return data
