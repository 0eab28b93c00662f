"""The tool's own sign-in to Microsoft 365 (`login microsoft`, `logout`), and the access
tokens a mailing gets from it (SignInToken, the last of oauth.token_provider's sources).

MSAL does the OAuth2 (the browser flow on a loopback redirect, the device-code flow, refresh
tokens); this module decides where its token cache lives and what the organiser is told. The
cache holds a refresh token, a secret that sends mail as the organiser for weeks: it is kept
in the user's config folder ($XDG_CONFIG_HOME/kennisdag-pdf, else ~/.config/kennisdag-pdf), in
a file that is 0600 from the moment it exists (created under another name with O_EXCL and
that mode, then renamed over the old one), never beside the event, the journal, the outbox or
the archive. No system keyring yet: a file works the same on a headless machine.

msal is imported only when a sign-in is used, so that the command line starts without it.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, KennisdagError
from .oauth import TokenUnavailable, _checked

AUTHORITY_HOST = "https://login.microsoftonline.com"
AUTHORITY_VARIABLE = "KENNISDAG_LOGIN_URL"  # tests: a fake identity provider on loopback
DEFAULT_TENANT = "organizations"  # work and school accounts: where Microsoft 365 mail lives
# One resource per sign-in: Microsoft will not consent to two APIs' scopes at once. MSAL adds
# offline_access (the refresh token), openid and profile itself and refuses them if given.
SCOPES = {"smtp": ["https://outlook.office.com/SMTP.Send"],
          "graph": ["https://graph.microsoft.com/Mail.Send"]}
HTTP_TIMEOUT = 30  # seconds for one answer of the sign-in service
LOGIN_TIMEOUT = 300  # seconds the browser flow waits for the organiser
_ERROR_CODE = re.compile(r"\bAADSTS\d+\b")


class SignInFailed(KennisdagError):
    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        return [self.message]


def config_folder(environ=os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return root / "kennisdag-pdf"


def token_file(provider: str, environ=os.environ) -> Path:
    return config_folder(environ) / f"{provider}-sign-in.json"


def authority_for(tenant: str, environ=os.environ) -> tuple[str, bool]:
    """The authority URL, and whether it is Microsoft's own (else a test's fake, which MSAL
    must not look up in Microsoft's instance discovery)."""
    if not re.fullmatch(r"[A-Za-z0-9.-]{1,100}", tenant):
        raise SignInFailed(f"--tenant: '{tenant[:60]}' is not a tenant name, domain or id")
    host = (environ.get(AUTHORITY_VARIABLE) or "").rstrip("/")
    if host and not host.startswith("https://"):
        raise SignInFailed(f"{AUTHORITY_VARIABLE}: for tests only: an https:// address")
    return f"{host or AUTHORITY_HOST}/{tenant}", not host


def _http_client(environ):
    """requests' session, trusting SSL_CERT_FILE when set, as the rest of the tool does. Per
    request, since requests lets REQUESTS_CA_BUNDLE win over a session's own setting; with a
    timeout, since it has none of its own."""
    import functools

    import requests

    session = requests.Session()
    chosen = {"verify": environ["SSL_CERT_FILE"]} if environ.get("SSL_CERT_FILE") else {}
    session.request = functools.partial(session.request, timeout=HTTP_TIMEOUT, **chosen)
    return session


def _application(client_id: str, authority: str, known: bool, cache, environ):
    import msal

    try:
        return msal.PublicClientApplication(
            client_id, authority=authority, token_cache=cache, instance_discovery=known,
            http_client=_http_client(environ))
    except ValueError as exc:  # MSAL's words for an authority it cannot use
        raise SignInFailed(f"cannot reach the sign-in service at {authority}: "
                           f"{_first_sentence(str(exc))}") from None
    except OSError as exc:
        raise SignInFailed(f"cannot reach the sign-in service at {authority}: "
                           f"{_first_sentence(str(exc))}") from None


def login_microsoft(client_id: str, *, tenant: str = DEFAULT_TENANT, purpose: str = "smtp",
                    device_code: bool = False, say=print, environ=os.environ,
                    browser_callback=None) -> tuple[str, Path]:
    """Sign in and keep the refresh token; (the account's name, the file it is kept in)."""
    import msal

    if not re.fullmatch(r"[A-Za-z0-9-]{1,100}", client_id):
        raise SignInFailed("--client-id: expected the application (client) id of your "
                           "organisation's app registration, such as "
                           "00000000-0000-0000-0000-000000000000")
    authority, known = authority_for(tenant, environ)
    path = token_file("microsoft", environ)
    cache = msal.SerializableTokenCache()
    purposes = [purpose]
    kept = _read_private(path, SignInFailed) if path.exists() else {}
    if kept.get("client_id") == client_id and kept.get("authority") == authority:
        # Signed in for the other purpose too: one refresh token serves both
        cache.deserialize(kept.get("cache") or "{}")
        purposes = sorted({purpose, *kept.get("purposes", [])})
    app = _application(client_id, authority, known, cache, environ)
    scopes = SCOPES[purpose]
    try:
        result = _sign_in(app, scopes, device_code, say, browser_callback)
    except OSError as exc:  # requests' errors are OSErrors: no network, a TLS failure
        raise SignInFailed(f"cannot reach the sign-in service at {authority}: "
                           f"{_first_sentence(str(exc))}") from None
    if "access_token" not in result:
        raise SignInFailed(_refusal(result, device_code=device_code))
    if "refresh_token" not in result:
        raise SignInFailed("signed in, but Microsoft gave no refresh token (offline_access): "
                           "the app registration must allow it; nothing was kept")
    claims = result.get("id_token_claims") or {}
    account = str(claims.get("preferred_username") or claims.get("upn") or "your account")
    _write_private(path, {
        "provider": "microsoft", "client_id": client_id, "authority": authority,
        "known_authority": known, "purposes": purposes, "account": account,
        "cache": cache.serialize()})
    return _plain(account), path


def _sign_in(app, scopes: list[str], device_code: bool, say, browser_callback) -> dict:
    """MSAL's answer: a token, or the error the identity provider gave."""
    if device_code:
        flow = app.initiate_device_flow(scopes=scopes)
        if "user_code" not in flow:
            return flow  # refused before any code: the tenant's or the app's settings
        say(_plain(flow.get("message") or f"open {flow.get('verification_uri')} and enter "
                                          f"the code {flow['user_code']}"))
        return app.acquire_token_by_device_flow(flow)

    def no_browser(address: str) -> None:  # MSAL found none to open
        say(f"open {address} in a browser on this machine to sign in (or, without a browser "
            f"here, use --device-code)")

    say("a browser opens for you to sign in (on a machine without one: --device-code)")
    return app.acquire_token_interactive(
        scopes, timeout=LOGIN_TIMEOUT, auth_uri_callback=browser_callback or no_browser)


def logout(providers=("microsoft",), environ=os.environ) -> list[Path]:
    """Remove the kept sign-ins; the files removed (none is no error)."""
    removed = []
    for provider in providers:
        path = token_file(provider, environ)
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def stored_sign_in(purpose: str, environ=os.environ):
    """The kept Microsoft sign-in as a TokenProvider, or None when there is none."""
    path = token_file("microsoft", environ)
    if not path.exists():
        return None
    return SignInToken(path, purpose, environ)


class SignInToken:
    """Access tokens from the kept refresh token (MSAL's silent flow), renewed by forcing a
    refresh when the server refused one; the cache is written back when MSAL changed it."""

    can_renew = True

    def __init__(self, path: Path, purpose: str, environ=os.environ) -> None:
        import msal

        self.path, self.purpose, self.environ = path, purpose, environ
        stored = _read_private(path)
        self.account_name = _plain(str(stored.get("account", "")))
        self.source = f"kennisdag-pdf login microsoft ({self.account_name})"
        self.cache = msal.SerializableTokenCache()
        self.cache.deserialize(stored.get("cache") or "{}")
        self.stored = stored
        self.app = _application(str(stored.get("client_id")), str(stored.get("authority")),
                                bool(stored.get("known_authority", True)), self.cache, environ)
        self._current: str | None = None

    def token(self) -> str:
        if self._current is None:
            self._current = self._silent(force=False)
        return self._current

    def renew(self) -> str:
        refused, self._current = self._current, self._silent(force=True)
        if self._current == refused:
            raise TokenUnavailable(f"{self.source}: the token was refused again; sign in "
                                   f"again: kennisdag-pdf login microsoft")
        return self._current

    def _silent(self, force: bool) -> str:
        accounts = self.app.get_accounts()
        again = (f"sign in again: kennisdag-pdf login microsoft --client-id "
                 f"{self.stored.get('client_id')} --for {self.purpose}")
        if not accounts:
            raise TokenUnavailable(f"{self.source}: no account is signed in; {again}")
        try:
            result = self.app.acquire_token_silent_with_error(
                SCOPES[self.purpose], accounts[0], force_refresh=force)
        except OSError as exc:
            raise TokenUnavailable(f"{self.source}: cannot reach the sign-in service: "
                                   f"{_first_sentence(str(exc))}") from None
        if self.cache.has_state_changed:
            self.stored["cache"] = self.cache.serialize()
            _write_private(self.path, self.stored)
        if not result or "access_token" not in result:
            why = _refusal(result or {}, device_code=False) if result else "no token kept"
            scope = (" (signed in for " + ", ".join(self.stored.get("purposes", [])) + ")"
                     if self.purpose not in self.stored.get("purposes", []) else "")
            raise TokenUnavailable(f"{self.source}{scope}: {why}; {again}")
        return _checked(result["access_token"], self.source, "gave")


def _refusal(result: dict, *, device_code: bool) -> str:
    """One line from an OAuth2 error answer, without the server's multi-line description."""
    error = str(result.get("error") or "refused")
    description = str(result.get("error_description") or "")
    code = _ERROR_CODE.search(description)
    said = f"{error}" + (f" ({code[0]})" if code else "")
    if error in ("authorization_declined", "expired_token"):
        return (f"sign-in not completed ({_plain(said)}): the code was declined or expired; "
                f"run login again")
    if device_code:
        return (f"sign-in refused: {_plain(said)}: the tenant may not allow device-code "
                f"sign-in; sign in with a browser (leave out --device-code), or ask your "
                f"administrator")
    if error == "invalid_grant":
        return f"the sign-in has expired or was revoked ({_plain(said)})"
    return f"sign-in refused: {_plain(said)}: {_plain(_first_sentence(description))}"


def _first_sentence(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line.split(". ")[0][:160]


def _plain(text: str) -> str:
    """Server text for a terminal: no escape sequences or control characters, one line."""
    text = re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", text)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:300]


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
