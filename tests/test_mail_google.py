"""`login google` against a fake Google on loopback over HTTPS, with Google's own libraries doing
the OAuth2 as they do against Google: google-auth-oauthlib's installed-app flow (the browser is
played by a thread that follows the authorization address to the tool's loopback redirect, as
a browser does), PKCE and the client secret checked by the fake's token endpoint, google-auth
refreshing the kept sign-in when the server refuses a token; then a mailing over XOAUTH2 to
aiosmtpd with the token the sign-in gave. Where a sign-in is kept (the system keyring, else
the 0600 file), which kept sign-in a mailing uses, and refusals said in one line. Nothing
here talks to anything but 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import ssl
import stat
import threading
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from conftest import DATA
from mail_helpers import (LOOPBACK, JsonEndpoint, OAuthHandler, http_server, people, run_cli,
                          smtp_server, write_recipients)

from kennisdag_pdf.mail.keep import keep, kept, token_file
from kennisdag_pdf.mail.oauth import EnvironmentToken, TokenUnavailable, token_provider
from kennisdag_pdf.mail.signin import (GoogleSignInToken, SignInFailed, chosen_sign_in,
                                       login, login_google, login_hint, stored_sign_in)

pytest_plugins = ["mail_fixtures"]

EVENT = DATA / "kennisdag-2011.yaml"
CLIENT_ID = "1234-abcd.apps.googleusercontent.com"
SECRET = "GOCSPX-client-SECRET"
XOAUTH2 = dict(auth_require_tls=False, auth_exclude_mechanism=["LOGIN", "PLAIN"])


@dataclass
class FakeGoogle:
    """Google's authorization endpoint (/auth: the organiser consents, or not, and is sent
    back to the redirect address with a code) and token endpoint (/token: the code with its
    PKCE verifier and the client secret, then refresh tokens). Access tokens are
    ya29.g-N-SECRET; a refresh token in `revoked` gives invalid_grant, as Google does."""

    deny: bool = False  # the organiser declines the consent screen
    expires_in: int = 3599
    revoked: set[str] = field(default_factory=set)
    asked: list[dict] = field(default_factory=list)  # each authorization request's query
    grants: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)  # access tokens, in order
    codes: dict[str, dict] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def authorize(self, query: dict) -> str:
        self.asked.append(query)
        back = {"state": query["state"]}
        if self.deny:
            back["error"] = "access_denied"
        else:
            code = f"4/code-{len(self.codes) + 1}-SECRET"
            self.codes[code] = query
            back.update(code=code, scope=query["scope"])
        return query["redirect_uri"] + "?" + urllib.parse.urlencode(back)

    def token(self, form: dict) -> tuple[int, dict]:
        with self.lock:
            self.grants.append(form.get("grant_type", ""))
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != SECRET:
                return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
            if form.get("grant_type") == "authorization_code":
                asked = self.codes.pop(form.get("code"), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(
                    hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                if (asked is None or asked["redirect_uri"] != form.get("redirect_uri")
                        or asked["code_challenge"] != challenge):
                    return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
                refresh = f"1//g-rt-{len(self.refresh_tokens) + 1}-SECRET"
                self.refresh_tokens.add(refresh)
                answer = {"refresh_token": refresh}
            elif form.get("grant_type") == "refresh_token":
                token = form.get("refresh_token")
                if token in self.revoked or token not in self.refresh_tokens:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "Token has been expired or revoked."}
                answer = {}  # Google keeps the refresh token as it is
            else:
                return 400, {"error": "unsupported_grant_type"}
            access = f"ya29.g-{len(self.issued) + 1}-SECRET"
            self.issued.append(access)
        return 200, {"access_token": access, "expires_in": self.expires_in,
                     "scope": "https://mail.google.com/", "token_type": "Bearer", **answer}


@contextmanager
def google_server(fake: FakeGoogle, ca):
    class Endpoint(JsonEndpoint):
        def do_GET(self):
            address = urllib.parse.urlsplit(self.path)
            if address.path != "/auth":
                self.send_error(404)
                return
            self.send_response(302)
            self.send_header("Location", fake.authorize(dict(urllib.parse.parse_qsl(
                address.query))))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            form = self.form()
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):  # the client's id and secret, as RFC 6749 prefers
                user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
                form.update(client_id=urllib.parse.unquote_plus(user),
                            client_secret=urllib.parse.unquote_plus(password))
            self.reply(*(fake.token(form) if self.path == "/token" else (404, {})))

    with http_server(Endpoint, ca) as base:
        yield base


@pytest.fixture()
def google(loopback_ca, tmp_path):
    """The fake Google and the environment that points the tool at it."""
    fake = FakeGoogle()
    with google_server(fake, loopback_ca) as base:
        environ = {"KENNISDAG_GOOGLE_LOGIN_URL": base, "SSL_CERT_FILE": str(loopback_ca.cafile),
                   "XDG_CONFIG_HOME": str(tmp_path / "config"),
                   "KENNISDAG_GOOGLE_CLIENT_SECRET": SECRET, "PATH": os.environ["PATH"]}
        yield fake, environ


def browser(ca, opened: list[str]):
    """The organiser's browser: follows the authorization address to Google, which sends it
    back to the tool's loopback port, in a thread (the tool is waiting for it meanwhile)."""
    context = ssl.create_default_context(cafile=str(ca.cafile))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=context))

    def open_address(address: str, *args, **kwargs) -> bool:
        opened.append(address)
        threading.Thread(target=lambda: opener.open(address, timeout=10).read(),
                         daemon=True).start()
        return True

    return open_address


def test_login_google_through_the_loopback_redirect_keeps_a_private_file(
        google, loopback_ca, monkeypatch):
    """On a machine without a browser the tool says which address to open and which port to
    forward over ssh; the organiser's browser elsewhere then completes the sign-in."""
    import webbrowser

    fake, environ = google
    monkeypatch.setattr(webbrowser, "open", lambda *args, **kwargs: False)  # none here
    opened: list[str] = []
    elsewhere = browser(loopback_ca, opened)
    said: list[str] = []

    def say(line: str) -> None:
        said.append(line)
        if line.startswith("open "):
            elsewhere(line.split()[1])

    place = login_google(CLIENT_ID, say=say, environ=environ)
    path = token_file("google", environ)
    assert place == str(path)  # no keyring here (keyring's fail backend): the file
    [asked] = fake.asked
    [address] = opened
    port = urllib.parse.urlsplit(asked["redirect_uri"]).port
    assert said == ["a browser opens for you to sign in to Google",
                    f"open {address} in a browser on this machine to sign in (over ssh, first "
                    f"forward its port from your own machine: ssh -L {port}:127.0.0.1:{port} "
                    f"…)"]
    assert address.startswith(f"{environ['KENNISDAG_GOOGLE_LOGIN_URL']}/auth?")
    assert asked["redirect_uri"] == f"http://127.0.0.1:{port}/"
    assert asked["scope"] == "https://mail.google.com/" and asked["client_id"] == CLIENT_ID
    assert asked["access_type"] == "offline" and asked["prompt"] == "consent"
    assert asked["code_challenge_method"] == "S256"  # the fake checked the verifier against it
    assert fake.grants == ["authorization_code"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert stored["credentials"]["refresh_token"] == "1//g-rt-1-SECRET"
    assert "token_uri" not in stored["credentials"]  # Google's, or the tests', at each use
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_the_kept_google_sign_in_gives_refreshes_and_is_refused_in_one_line(google,
                                                                            loopback_ca):
    fake, environ = google
    fake.expires_in = 60  # inside google-auth's margin: kept, but refreshed before first use
    login_google(CLIENT_ID, say=lambda line: None, environ=environ,
                 browser_callback=browser(loopback_ca, []))
    tokens = token_provider(None, "KENNISDAG_SMTP_TOKEN", environ=environ,
                            signed_in=lambda: stored_sign_in("smtp", environ))
    assert isinstance(tokens, GoogleSignInToken) and tokens.can_renew
    assert tokens.token() == "ya29.g-2-SECRET"  # the kept one was about to expire
    fake.expires_in = 3599
    assert tokens.renew() == "ya29.g-3-SECRET"  # the server refused it: refreshed
    assert fake.grants == ["authorization_code", "refresh_token", "refresh_token"]
    # Kept again, still 0600: the next run starts from the fresh token, with no request
    path = token_file("google", environ)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored_sign_in("smtp", environ).token() == "ya29.g-3-SECRET"
    assert len(fake.grants) == 3
    fake.revoked.add("1//g-rt-1-SECRET")
    with pytest.raises(TokenUnavailable) as refused:
        tokens.renew()
    assert str(refused.value) == (
        "kennisdag-pdf login google: the sign-in has expired or was revoked (invalid_grant: "
        "Token has been expired or revoked.); sign in again: kennisdag-pdf login google "
        f"--client-id {CLIENT_ID}")


def test_refusals_are_one_line_and_keep_nothing(google, loopback_ca, tmp_path):
    fake, environ = google
    quiet = dict(say=lambda line: None, browser_callback=browser(loopback_ca, []))
    fake.deny = True
    with pytest.raises(SignInFailed, match=r"^sign-in not completed \(access_denied\): "
                                           r"permission to send mail was not given"):
        login_google(CLIENT_ID, environ=environ, **quiet)
    fake.deny = False
    with pytest.raises(SignInFailed, match=r"^sign-in refused \(invalid_client\): Google does "
                                           r"not know this client id with this secret"):
        login_google(CLIENT_ID, environ={**environ, "KENNISDAG_GOOGLE_CLIENT_SECRET": "x"},
                     **quiet)
    no_secret = {k: v for k, v in environ.items() if k != "KENNISDAG_GOOGLE_CLIENT_SECRET"}
    with pytest.raises(SignInFailed) as missing:
        login_google(CLIENT_ID, environ=no_secret, **quiet)
    assert str(missing.value) == (
        "login google: the client secret is read from KENNISDAG_GOOGLE_CLIENT_SECRET or from "
        "the client secrets file Google lets you download (--client-secrets FILE); give one")
    web = tmp_path / "client_secret_web.json"
    web.write_text(json.dumps({"web": {"client_id": CLIENT_ID, "client_secret": SECRET}}))
    with pytest.raises(SignInFailed, match="is for a web application; create an OAuth client "
                                           "of type Desktop app"):
        login_google(None, client_secrets=web, environ=environ, **quiet)
    with pytest.raises(SignInFailed, match="^KENNISDAG_GOOGLE_LOGIN_URL: for tests only"):
        login_google(CLIENT_ID, environ={**environ, "KENNISDAG_GOOGLE_LOGIN_URL":
                                         "http://127.0.0.1:1"}, **quiet)
    device = run_cli("login", "google", "--client-id", CLIENT_ID, "--device-code",
                     cwd=tmp_path, env={**os.environ, **environ})
    assert device.returncode == 2 and device.stderr == (
        "login google --device-code: Google's device flow does not allow mail "
        "(https://mail.google.com/); sign in with a browser (leave out --device-code); on a "
        "machine without one, see docs/mail.md\n")
    assert kept("google", environ) is None and not (tmp_path / "config").exists()
    assert fake.grants == ["authorization_code"]  # the wrong secret's; the denial asked none


def test_login_google_from_mail_yaml_then_mail_over_xoauth2_then_logout(
        google, loopback_ca, tmp_path, memory_keyring, monkeypatch):
    """The whole story through the command line, with a system keyring: `login` alone (the
    provider and client id in mail.yaml, the secret from Google's JSON file), the mailing signs
    in with the token the sign-in gave and renews it mid-mailing, `logout` empties the
    keyring. No token in what was said or written beside the mailing."""
    import webbrowser

    fake, environ = google
    folder = tmp_path / "mailing"
    write_recipients(folder, people(3))
    with (folder / "mail.yaml").open("a") as settings:
        settings.write(f"provider: google\nclient_id: {CLIENT_ID}\n")
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(json.dumps({"installed": {
        "client_id": CLIENT_ID, "client_secret": SECRET, "redirect_uris": ["http://localhost"],
        "auth_uri": "https://elsewhere.example/auth", "token_uri": "https://elsewhere.example/t"
    }}))
    monkeypatch.setattr(webbrowser, "open", browser(loopback_ca, []))
    env = {k: v for k, v in {**os.environ, **environ}.items()
           if k not in ("KENNISDAG_GOOGLE_CLIENT_SECRET", "KENNISDAG_SMTP_TOKEN")}
    signed_in = run_cli("login", "--client-secrets", secrets, cwd=folder, env=env)
    assert signed_in.returncode == 0, signed_in.stderr
    where = "the system keyring (mail fixtures MemoryKeyring)"
    assert signed_in.stdout == (f"signed in to Google for smtp; kept in {where} (remove it with "
                                f"'kennisdag-pdf logout')\n")
    assert signed_in.stderr == "a browser opens for you to sign in to Google\n"
    assert not token_file("google", environ).exists()  # in the keyring only
    assert "1//g-rt-1-SECRET" in memory_keyring.values[("kennisdag-pdf", "google-sign-in")]
    handler = OAuthHandler(lifetime={"ya29.g-1-SECRET": 2, "ya29.g-2-SECRET": 9})
    with smtp_server(handler, **XOAUTH2) as server:
        done = run_cli("mail", EVENT, "-r", "recipients.csv", "--send", "--smtp-host",
                       LOOPBACK, "--smtp-port", server.port, "--tls", "none", "--rate", "0",
                       "--retry-wait", "0", "--smtp-auth", "xoauth2", cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    assert handler.sign_ins == [("kennisdag@example.org", "ya29.g-1-SECRET"),
                                ("kennisdag@example.org", "ya29.g-2-SECRET")]
    assert handler.addresses() == [row[1] for row in people(3)]
    assert fake.issued == ["ya29.g-1-SECRET", "ya29.g-2-SECRET"]
    assert "ya29.g-2-SECRET" in memory_keyring.values[("kennisdag-pdf", "google-sign-in")]
    out = run_cli("logout", "google", cwd=folder, env=env)
    assert out.returncode == 0 and out.stdout == f"removed the google sign-in from {where}\n"
    assert memory_keyring.values == {}
    said = "".join(r.stdout + r.stderr for r in (signed_in, done, out))
    written = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert "SECRET" not in said and b"SECRET" not in written


def test_which_kept_sign_in_a_mailing_uses(tmp_path):
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    google = {"provider": "google", "client_id": CLIENT_ID, "credentials": {
        "token": "ya29.kept", "refresh_token": "1//rt", "client_id": CLIENT_ID,
        "client_secret": SECRET, "token_uri": "https://127.0.0.1:1/token",
        "expiry": "2999-01-01T00:00:00Z"}}
    keep("google", google, environ)
    only = chosen_sign_in("smtp", environ)
    assert only.provider == "google"  # the only one kept
    assert chosen_sign_in("smtp", environ, host="smtp.office365.com") is None
    assert chosen_sign_in("graph", environ) is None  # Graph is Microsoft's
    assert stored_sign_in("smtp", environ, host="SMTP.GMAIL.COM").token() == "ya29.kept"
    keep("microsoft", {"provider": "microsoft", "client_id": "x", "cache": "{}"}, environ)
    assert chosen_sign_in("smtp", environ, host="smtp.gmail.com").provider == "google"
    assert chosen_sign_in("smtp", environ, host="smtp.office365.com").provider == "microsoft"
    assert chosen_sign_in("graph", environ).provider == "microsoft"
    assert chosen_sign_in("smtp", environ, host=LOOPBACK, provider="google").provider == "google"
    with pytest.raises(TokenUnavailable) as two:
        chosen_sign_in("smtp", environ, host="smtp.example.org")
    config = tmp_path / "config" / "kennisdag-pdf"
    assert str(two.value) == (
        f"two sign-ins are kept (microsoft in {config}/microsoft-sign-in.json, google in "
        f"{config}/google-sign-in.json) and nothing says which this mailing uses: write "
        f"provider: microsoft or provider: google in mail.yaml, or log out of the other "
        f"(kennisdag-pdf logout google, or logout microsoft)")
    with pytest.raises(TokenUnavailable, match="^mail.yaml: provider: google, but --via graph"):
        chosen_sign_in("graph", environ, provider="google")
    # Nothing kept for it: the "not set" line names the login that would serve
    assert login_hint("smtp", host="smtp.gmail.com") == "kennisdag-pdf login google"
    assert login_hint("graph") == "kennisdag-pdf login microsoft --for graph"
    assert login_hint("smtp") == "kennisdag-pdf login microsoft, or login google"
    unset = token_provider(None, "KENNISDAG_SMTP_TOKEN", environ={}, signed_in=lambda: None,
                           login=login_hint("smtp", provider="google"))
    assert isinstance(unset, EnvironmentToken)
    with pytest.raises(TokenUnavailable) as not_set:
        unset.token()
    assert str(not_set.value) == (
        "KENNISDAG_SMTP_TOKEN: not set; give --token-command CMD (a command that prints an "
        "access token) or set it, or sign in: kennisdag-pdf login google")


def test_login_takes_the_provider_and_ids_from_mail_yaml(tmp_path):
    """`login` reads mail.yaml (--settings, else the current folder's); the options win, and
    what only fits the other provider is refused before any sign-in."""
    settings = tmp_path / "mail.yaml"
    settings.write_text("provider: google\nclient_id: 1234-abcd.apps.googleusercontent.com\n")
    with pytest.raises(SignInFailed, match=r"^--for graph: only for login microsoft"):
        login(purpose="graph", settings=settings, environ={})
    with pytest.raises(SignInFailed, match="^login google: the client secret is read from"):
        login(settings=tmp_path, environ={})  # a folder: its mail.yaml
    with pytest.raises(SignInFailed, match=r"^--settings: .*missing.yaml: no such file"):
        login("google", settings=tmp_path / "missing.yaml", environ={})
    with pytest.raises(SignInFailed, match="^--client-secrets: only for login google"):
        login("microsoft", client_secrets=settings, settings=settings, environ={})
    # microsoft named on the command line: mail.yaml's client id is Google's, so not taken
    with pytest.raises(SignInFailed, match=r"^--client-id: needed \(or client_id: in mail"):
        login("microsoft", settings=settings, environ={})
    settings.write_text("provider: microsoft\nclient_id: 1\ntenant: 'bad tenant'\n")
    with pytest.raises(Exception, match=r"mail.yaml:3: tenant: 'bad tenant' is not a "
                                        r"tenant's domain or id"):
        login(settings=settings, environ={})


def test_the_mailing_chooses_the_kept_sign_in_and_names_the_login_it_lacks(google, loopback_ca,
                                                                           tmp_path):
    """The mailing asks for the sign-in of mail.yaml's provider, else of its SMTP host's; with
    none kept, the line names the login that would give one (before any connection)."""
    fake, environ = google
    folder = tmp_path / "mailing"
    write_recipients(folder, people(2))
    env = {k: v for k, v in {**os.environ, **environ}.items() if k != "KENNISDAG_SMTP_TOKEN"}
    unset = run_cli("mail", EVENT, "-r", "recipients.csv", "--send", "--smtp-host",
                    "smtp.gmail.com", "--smtp-auth", "xoauth2", cwd=folder, env=env)
    assert unset.returncode == 2 and unset.stderr == (
        "KENNISDAG_SMTP_TOKEN: not set; give --token-command CMD (a command that prints an "
        "access token) or set it, or sign in: kennisdag-pdf login google\n")
    login_google(CLIENT_ID, say=lambda line: None, environ=environ,
                 browser_callback=browser(loopback_ca, []))
    keep("microsoft", {"provider": "microsoft", "client_id": "x", "cache": "{}"}, environ)
    handler = OAuthHandler(lifetime={"ya29.g-1-SECRET": 9})
    with smtp_server(handler, **XOAUTH2) as server:
        args = ("mail", EVENT, "-r", "recipients.csv", "--send", "--smtp-host", LOOPBACK,
                "--smtp-port", server.port, "--tls", "none", "--rate", "0", "--smtp-auth",
                "xoauth2")
        two = run_cli(*args, cwd=folder, env=env)
        with (folder / "mail.yaml").open("a") as settings:
            settings.write("provider: google\n")
        done = run_cli(*args, cwd=folder, env=env)
    assert two.returncode == 2 and two.stderr.startswith("two sign-ins are kept (microsoft in")
    assert done.returncode == 0, done.stderr
    assert handler.sign_ins == [("kennisdag@example.org", "ya29.g-1-SECRET")]
