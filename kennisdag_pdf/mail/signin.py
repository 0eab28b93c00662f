"""The tool's own sign-in (`login microsoft`, `login google`, `logout`), and the access tokens a
mailing gets from it (the last of oauth.token_provider's sources).

Each provider's own library does its OAuth2: MSAL Microsoft's (the browser flow on a loopback
redirect, the device-code flow, refresh tokens), google-auth-oauthlib Google's installed-app
flow on a loopback redirect and google-auth its refreshing. This module decides what is asked
for, what the organiser is told and which kept sign-in a mailing uses; keep.py decides where a
sign-in is kept (the system keyring, else a private file in the config folder).

msal, google-auth and keyring are imported only when a sign-in is used, so that the command
line starts without them.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, KennisdagError
from .keep import Kept, forget, keep, kept
from .oauth import TokenUnavailable, _checked
from .providers import GOOGLE, MICROSOFT, provider_for
from .settings import SIGN_IN_PATTERNS

PROVIDERS = ("microsoft", "google")
HTTP_TIMEOUT = 30  # seconds for one answer of the sign-in service
LOGIN_TIMEOUT = 300  # seconds the browser flow waits for the organiser

AUTHORITY_HOST = "https://login.microsoftonline.com"
AUTHORITY_VARIABLE = "KENNISDAG_LOGIN_URL"  # tests: a fake identity provider on loopback
DEFAULT_TENANT = "organizations"  # work and school accounts: where Microsoft 365 mail lives
# One resource per sign-in: Microsoft will not consent to two APIs' scopes at once. MSAL adds
# offline_access (the refresh token), openid and profile itself and refuses them if given.
SCOPES = {"smtp": ["https://outlook.office.com/SMTP.Send"],
          "graph": ["https://graph.microsoft.com/Mail.Send"]}
_ERROR_CODE = re.compile(r"\bAADSTS\d+\b")

# Google: the one scope of XOAUTH2 to smtp.gmail.com; no openid or email, so that the consent
# screen asks for nothing more than sending mail (the account is the From address).
GOOGLE_SCOPES = ["https://mail.google.com/"]
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
# tests: a fake identity provider on loopback, its endpoints at {base}/auth and {base}/token
GOOGLE_LOGIN_VARIABLE = "KENNISDAG_GOOGLE_LOGIN_URL"
GOOGLE_SECRET_VARIABLE = "KENNISDAG_GOOGLE_CLIENT_SECRET"
MAX_CLIENT_SECRETS = 64 * 1024  # bytes: Google's file is under 1 kB
_GOOGLE_SECRET = re.compile(r"[\x21-\x7e]{1,200}")


class SignInFailed(KennisdagError):
    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        return [self.message]


# --- `kennisdag-pdf login`: the provider and its settings from the options and mail.yaml ---

def login(provider: str | None = None, *, client_id: str | None = None,
          tenant: str | None = None, purpose: str | None = None, device_code: bool = False,
          client_secrets: Path | None = None, settings: Path | None = None, say=print,
          environ=os.environ, browser_callback=None) -> tuple[str, str, str]:
    """Sign in as the options say, filled in from mail.yaml (--settings FILE, else the one in
    the current folder when there is one; the options win): (provider, how it was signed in:
    "as ACCOUNT for smtp", where it is kept)."""
    from .settings import FILE_NAME, MailSettings, read_settings_file

    path = settings if settings is not None else Path(FILE_NAME)
    if settings is not None and path.is_dir():
        path = path / FILE_NAME
    if settings is not None and not path.exists():
        raise SignInFailed(f"--settings: {path}: no such file")
    chosen = read_settings_file(path) if path.exists() else MailSettings()
    if provider and chosen.provider and provider != chosen.provider:
        chosen = MailSettings()  # its client id and tenant are the other provider's
    provider = provider or chosen.provider
    if provider is None:
        raise SignInFailed("login: name the provider (kennisdag-pdf login microsoft, or login "
                           f"google), or put provider: in {FILE_NAME}")
    client_id = client_id or chosen.client_id
    if provider == "google":
        if device_code:
            raise SignInFailed("login google --device-code: Google's device flow does not "
                               "allow mail (https://mail.google.com/); sign in with a browser "
                               "(leave out --device-code); on a machine without one, see "
                               "docs/mail.md")
        for given, option in ((tenant, "--tenant"), (purpose == "graph", "--for graph")):
            if given:
                raise SignInFailed(f"{option}: only for login microsoft (Google's sign-in is "
                                   f"for SMTP to smtp.gmail.com)")
        place = login_google(client_id, client_secrets=client_secrets, say=say,
                             environ=environ, browser_callback=browser_callback)
        return provider, "to Google for smtp", place
    if client_secrets is not None:
        raise SignInFailed("--client-secrets: only for login google (Microsoft's sign-in "
                           "has no client secret)")
    if not client_id:
        raise SignInFailed(f"--client-id: needed (or client_id: in {FILE_NAME}): the "
                           f"application (client) id of your organisation's app registration")
    purpose = purpose or "smtp"
    account, place = login_microsoft(
        client_id, tenant=tenant or chosen.tenant or DEFAULT_TENANT, purpose=purpose,
        device_code=device_code, say=say, environ=environ, browser_callback=browser_callback)
    return provider, f"as {account} for {purpose}", place


def logout(providers=PROVIDERS, environ=os.environ) -> list[str]:
    """Remove the kept sign-ins from the keyring and the config folder; the places they were
    in (none is no error)."""
    return [place for provider in providers for place in forget(provider, environ)]


# --- which kept sign-in a mailing uses ---

def _provider_of(purpose: str, host: str | None) -> str | None:
    if purpose == "graph":
        return "microsoft"  # Graph is Microsoft's
    known = provider_for(host)
    return {MICROSOFT: "microsoft", GOOGLE: "google"}.get(known) if known else None


def stored_sign_in(purpose: str, environ=os.environ, *, host: str | None = None,
                   provider: str | None = None):
    """The kept sign-in a mailing uses (chosen_sign_in) as a TokenProvider, or None."""
    found = chosen_sign_in(purpose, environ, host=host, provider=provider)
    if found is None:
        return None
    if found.provider == "google":
        return GoogleSignInToken(found, environ)
    return SignInToken(found, purpose, environ)


def chosen_sign_in(purpose: str, environ=os.environ, *, host: str | None = None,
                   provider: str | None = None) -> Kept | None:
    """The provider mail.yaml names, else the one the SMTP host belongs to (Graph is
    Microsoft's), else the only one kept; None when none is kept for it, and two kept with
    nothing to choose by is an error that says so."""
    if purpose == "graph" and provider == "google":
        raise TokenUnavailable("mail.yaml: provider: google, but --via graph sends through "
                               "Microsoft Graph: leave out --via graph (Google sends through "
                               "smtp.gmail.com), or write provider: microsoft")
    wanted = provider or _provider_of(purpose, host)
    if wanted:
        return kept(wanted, environ)
    found = [k for k in (kept(name, environ) for name in PROVIDERS) if k is not None]
    if len(found) > 1:
        raise TokenUnavailable(
            "two sign-ins are kept (" + ", ".join(f"{k.provider} in {k.place}" for k in found)
            + ") and nothing says which this mailing uses: write provider: microsoft or "
            "provider: google in mail.yaml, or log out of the other (kennisdag-pdf logout "
            "google, or logout microsoft)")
    return found[0] if found else None


def login_hint(purpose: str, host: str | None = None, provider: str | None = None) -> str:
    """The login command that would give this mailing a sign-in, for the 'not set' line."""
    wanted = provider or _provider_of(purpose, host)
    if wanted == "google":
        return "kennisdag-pdf login google"
    if wanted == "microsoft":
        return "kennisdag-pdf login microsoft" + (" --for graph" if purpose == "graph" else "")
    return "kennisdag-pdf login microsoft, or login google"


# --- Microsoft (MSAL) ---

def authority_for(tenant: str, environ=os.environ) -> tuple[str, bool]:
    """The authority URL, and whether it is Microsoft's own (else a test's fake, which MSAL
    must not look up in Microsoft's instance discovery)."""
    if not SIGN_IN_PATTERNS["tenant"][0].fullmatch(tenant):
        raise SignInFailed(f"--tenant: '{tenant[:60]}' is not a tenant name, domain or id")
    host = _test_address(AUTHORITY_VARIABLE, environ)
    return f"{host or AUTHORITY_HOST}/{tenant}", not host


def _test_address(variable: str, environ) -> str:
    host = (environ.get(variable) or "").rstrip("/")
    if host and not host.startswith("https://"):
        raise SignInFailed(f"{variable}: for tests only: an https:// address")
    return host


def _trusting(session, environ):
    """requests' session with a timeout (it has none of its own), trusting SSL_CERT_FILE when
    set, as the rest of the tool does. Per request, since requests lets REQUESTS_CA_BUNDLE win
    over a session's own setting, and the OAuth libraries pass verify=None themselves."""
    request = session.request
    cafile = environ.get("SSL_CERT_FILE")

    def trusting(method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = HTTP_TIMEOUT
        if cafile and kwargs.get("verify") in (None, True):
            kwargs["verify"] = cafile
        return request(method, url, **kwargs)

    session.request = trusting
    return session


def _http_client(environ):
    import requests

    return _trusting(requests.Session(), environ)


def _application(client_id: str, authority: str, known: bool, cache, environ):
    import msal

    try:
        return msal.PublicClientApplication(
            client_id, authority=authority, token_cache=cache, instance_discovery=known,
            http_client=_http_client(environ))
    except (ValueError, OSError) as exc:  # MSAL's words for an authority it cannot use
        raise SignInFailed(f"cannot reach the sign-in service at {authority}: "
                           f"{_first_sentence(str(exc))}") from None


def login_microsoft(client_id: str, *, tenant: str = DEFAULT_TENANT, purpose: str = "smtp",
                    device_code: bool = False, say=print, environ=os.environ,
                    browser_callback=None) -> tuple[str, str]:
    """Sign in and keep the refresh token; (the account's name, where it is kept)."""
    import msal

    if not re.fullmatch(r"[A-Za-z0-9-]{1,100}", client_id):
        raise SignInFailed("--client-id: expected the application (client) id of your "
                           "organisation's app registration, such as "
                           "00000000-0000-0000-0000-000000000000")
    authority, known = authority_for(tenant, environ)
    cache = msal.SerializableTokenCache()
    purposes = [purpose]
    before = kept("microsoft", environ, SignInFailed)
    stored = before.data if before else {}
    if stored.get("client_id") == client_id and stored.get("authority") == authority:
        # Signed in for the other purpose too: one refresh token serves both
        cache.deserialize(stored.get("cache") or "{}")
        purposes = sorted({purpose, *stored.get("purposes", [])})
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
    place = keep("microsoft", {
        "provider": "microsoft", "client_id": client_id, "authority": authority,
        "known_authority": known, "purposes": purposes, "account": account,
        "cache": cache.serialize()}, environ)
    return _plain(account), place


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


class SignInToken:
    """Access tokens from the kept Microsoft refresh token (MSAL's silent flow), renewed by
    forcing a refresh when the server refused one; the cache is kept again when MSAL changed
    it."""

    can_renew = True

    def __init__(self, found: Kept, purpose: str, environ=os.environ) -> None:
        import msal

        self.purpose, self.environ = purpose, environ
        stored = found.data
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
            keep("microsoft", self.stored, self.environ)
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


# --- Google (google-auth-oauthlib, google-auth) ---

def google_client(client_id: str | None, client_secrets: Path | None,
                  environ=os.environ) -> tuple[str, str]:
    """(client id, client secret): from the client secrets file Google lets you download,
    else the id given and the secret in KENNISDAG_GOOGLE_CLIENT_SECRET; never an option's
    value, which any user of the machine could read in the process list."""
    if client_secrets is not None:
        file_id, secret = _client_secrets(client_secrets)
        if client_id and client_id != file_id:
            raise SignInFailed(f"the client id '{client_id[:80]}' (--client-id, or "
                               f"client_id: in mail.yaml) is not the one in {client_secrets} "
                               f"('{file_id[:80]}'): give the file of the same OAuth client")
        client_id = file_id
    else:
        secret = environ.get(GOOGLE_SECRET_VARIABLE, "").strip()
        if not secret:
            raise SignInFailed(f"login google: the client secret is read from "
                               f"{GOOGLE_SECRET_VARIABLE} or from the client secrets file "
                               f"Google lets you download (--client-secrets FILE); give one")
        if not _GOOGLE_SECRET.fullmatch(secret):
            raise SignInFailed(f"{GOOGLE_SECRET_VARIABLE}: not a client secret (one word of "
                               f"printable characters, as Google shows it)")
    if not client_id:
        raise SignInFailed("--client-id: needed (or client_id: in mail.yaml, or "
                           "--client-secrets FILE): the client id of your organisation's "
                           "OAuth client, such as 1234-abcd.apps.googleusercontent.com")
    if not SIGN_IN_PATTERNS["client_id"][0].fullmatch(client_id):
        raise SignInFailed("--client-id: expected the client id of your organisation's OAuth "
                           "client, such as 1234-abcd.apps.googleusercontent.com")
    return client_id, secret


def _client_secrets(path: Path) -> tuple[str, str]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CLIENT_SECRETS + 1)
    except OSError as exc:
        raise SignInFailed(f"--client-secrets: {path}: cannot be read "
                           f"({exc.strerror or exc.__class__.__name__})") from None
    try:
        data = json.loads(raw) if len(raw) <= MAX_CLIENT_SECRETS else None
    except ValueError:
        data = None
    section = data.get("installed") if isinstance(data, dict) else None
    if isinstance(data, dict) and section is None and "web" in data:
        raise SignInFailed(f"--client-secrets: {path}: is for a web application; create an "
                           f"OAuth client of type Desktop app and download its JSON")
    if not isinstance(section, dict) or not all(
            isinstance(section.get(key), str) and section.get(key)
            for key in ("client_id", "client_secret")):
        raise SignInFailed(f"--client-secrets: {path}: not the JSON file Google gives for "
                           f"an OAuth client of type Desktop app "
                           '({"installed": {"client_id": …, "client_secret": …}})')
    if not _GOOGLE_SECRET.fullmatch(section["client_secret"]):
        raise SignInFailed(f"--client-secrets: {path}: its client_secret is not one")
    return section["client_id"], section["client_secret"]


def google_endpoints(environ=os.environ) -> tuple[str, str]:
    """Google's authorization and token endpoints, never the file's: a client secrets file
    that named others would send the code and the secret there."""
    base = _test_address(GOOGLE_LOGIN_VARIABLE, environ)
    return (f"{base}/auth", f"{base}/token") if base else (GOOGLE_AUTH_URI, GOOGLE_TOKEN_URI)


def login_google(client_id: str | None, *, client_secrets: Path | None = None, say=print,
                 environ=os.environ, browser_callback=None) -> str:
    """Google's installed-app flow: the browser signs in at Google, which sends it back to a
    port on 127.0.0.1; the refresh token is kept. Where it is kept."""
    client_id, secret = google_client(client_id, client_secrets, environ)
    auth_uri, token_uri = google_endpoints(environ)
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
    from oauthlib.oauth2 import OAuth2Error

    def show(address: str) -> None:
        if browser_callback is not None:
            browser_callback(address)
            return
        import urllib.parse
        import webbrowser

        if not webbrowser.open(address, new=1):
            back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(address).query))
            port = urllib.parse.urlsplit(back.get("redirect_uri", "")).port
            say(f"open {address} in a browser on this machine to sign in (over ssh, first "
                f"forward its port from your own machine: ssh -L {port}:127.0.0.1:{port} …)")

    class Flow(InstalledAppFlow):
        def authorization_url(self, **kwargs):  # the one moment the address is known
            address, state = super().authorization_url(**kwargs)
            show(address)
            return address, state

    flow = Flow.from_client_config(
        {"installed": {"client_id": client_id, "client_secret": secret,
                       "auth_uri": auth_uri, "token_uri": token_uri}}, scopes=GOOGLE_SCOPES)
    _trusting(flow.oauth2session, environ)
    say("a browser opens for you to sign in to Google")
    where = auth_uri.rsplit("/", 1)[0]
    try:
        # prompt=consent: Google gives a refresh token again after a logout
        credentials = flow.run_local_server(
            host="127.0.0.1", port=0, open_browser=False, authorization_prompt_message=None,
            success_message="kennisdag-pdf has your sign-in: you may close this window.",
            timeout_seconds=LOGIN_TIMEOUT, prompt="consent")
    except WSGITimeoutError:
        raise SignInFailed(f"sign-in not completed within {LOGIN_TIMEOUT} s: run login "
                           f"again") from None
    except OAuth2Error as exc:
        raise SignInFailed(_google_login_refusal(exc)) from None
    except Warning:  # oauthlib's word for a token without the scope asked for
        raise SignInFailed("signed in, but Google gave no permission to send mail "
                           "(https://mail.google.com/): sign in again and allow it; nothing "
                           "was kept") from None
    except OSError as exc:  # requests' errors: no network, a TLS failure
        raise SignInFailed(f"cannot reach the sign-in service at {where}: "
                           f"{_first_sentence(str(exc))}") from None
    if not credentials.refresh_token:
        raise SignInFailed("signed in, but Google gave no refresh token: run login again; "
                           "nothing was kept")
    return keep("google", {"provider": "google", "client_id": client_id, "purposes": ["smtp"],
                           "credentials": _kept(credentials)}, environ)


def _kept(credentials) -> dict:
    """google-auth's own serialisation, without the token endpoint: never read back."""
    return json.loads(credentials.to_json(strip=("token_uri",)))


def _google_login_refusal(exc) -> str:
    error = _plain(str(getattr(exc, "error", "") or "refused"))
    description = _plain(_first_sentence(str(getattr(exc, "description", "") or "")))
    if error == "access_denied":
        return ("sign-in not completed (access_denied): permission to send mail was not "
                "given; run login again and allow it (an app in testing lets only its test "
                "users in: ask its owner to add your account)")
    if error in ("invalid_client", "unauthorized_client"):
        return (f"sign-in refused ({error}): Google does not know this client id with this "
                f"secret; check --client-id and the secret (docs/mail.md)")
    return f"sign-in refused ({error})" + (f": {description}" if description else "")


class GoogleSignInToken:
    """Access tokens from the kept Google refresh token: the kept one while it is valid, a
    refreshed one (google-auth) after that or when the server refused it; kept again after
    each refresh."""

    can_renew = True

    def __init__(self, found: Kept, environ=os.environ) -> None:
        from google.oauth2.credentials import Credentials

        self.found, self.environ, self.stored = found, environ, found.data
        self.source = "kennisdag-pdf login google"
        self.again = (f"sign in again: kennisdag-pdf login google --client-id "
                      f"{_plain(str(self.stored.get('client_id', '')))}")
        info = self.stored.get("credentials")
        try:
            expiry = info.get("expiry")
            # Google's endpoint (or the tests'), never one read back from where it was kept;
            # naive UTC, as google-auth keeps it; without one, refreshed before first use
            self.credentials = Credentials(
                info.get("token") if expiry else None, refresh_token=info["refresh_token"],
                token_uri=google_endpoints(environ)[1], client_id=info["client_id"],
                client_secret=info["client_secret"], scopes=GOOGLE_SCOPES,
                expiry=datetime.fromisoformat(expiry.rstrip("Z")) if expiry else None)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise TokenUnavailable(f"{found.place}: the google sign-in is damaged: "
                                   f"kennisdag-pdf logout google, then login google "
                                   f"again") from None
        self._current: str | None = None

    def token(self) -> str:
        if self._current is None:
            fresh = self.credentials.token if self.credentials.valid else None
            self._current = _checked(fresh, self.source, "gave") if fresh else self._refresh()
        return self._current

    def renew(self) -> str:
        refused, self._current = self._current, self._refresh()
        if self._current == refused:
            raise TokenUnavailable(f"{self.source}: the token was refused again; "
                                   f"{self.again}")
        return self._current

    def _refresh(self) -> str:
        from google.auth.exceptions import RefreshError, TransportError
        from google.auth.transport.requests import Request

        try:
            self.credentials.refresh(Request(_http_client(self.environ)))
        except RefreshError as exc:
            raise TokenUnavailable(f"{self.source}: {_google_refusal(exc)}; "
                                   f"{self.again}") from None
        except (TransportError, OSError) as exc:
            raise TokenUnavailable(f"{self.source}: cannot reach the sign-in service: "
                                   f"{_first_sentence(str(exc))}") from None
        self.stored["credentials"] = _kept(self.credentials)
        keep("google", self.stored, self.environ)
        return _checked(self.credentials.token or "", self.source, "gave")


def _google_refusal(exc) -> str:
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    error = _plain(str(data.get("error") or "refused"))
    description = _plain(_first_sentence(str(data.get("error_description") or "")))
    said = error + (f": {description}" if description else "")
    if error == "invalid_grant":
        return f"the sign-in has expired or was revoked ({said})"
    if error in ("invalid_client", "unauthorized_client"):
        return f"Google refused the app's client id or secret ({said})"
    return f"refused ({said if data else _plain(_first_sentence(str(exc)))})"


def _first_sentence(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line.split(". ")[0][:160]


def _plain(text: str) -> str:
    """Server text for a terminal: no escape sequences or control characters, one line."""
    text = re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", text)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:300]
