"""The tool's own sign-in (`login microsoft`, `logout`, the kept refresh token) against a fake
identity provider on loopback over HTTPS, with MSAL doing the OAuth2 as it does against
Microsoft: the device-code flow (pending once, then a token), the browser flow driven through
its loopback redirect, silent renewal with the refresh token in the middle of a mailing, and
refusals said in one line. The token file is 0600, in the config folder, gone after logout;
no access or refresh token is ever printed or written beside the mailing."""

from __future__ import annotations

import os
import stat
import threading
import urllib.parse
import urllib.request

import pytest
from conftest import DATA
from mail_helpers import (FakeGraph, FakeIdentity, graph_server, identity_server, people,
                          run_cli, write_recipients)

from kennisdag_pdf.mail.oauth import EnvironmentToken, TokenUnavailable, token_provider
from kennisdag_pdf.mail.keep import token_file
from kennisdag_pdf.mail.signin import SignInFailed, SignInToken, login_microsoft, stored_sign_in

pytest_plugins = ["mail_fixtures"]

EVENT = DATA / "kennisdag-2011.yaml"


@pytest.fixture()
def identity(loopback_ca, tmp_path):
    """A fake identity provider and the environment that points the tool at it."""
    fake = FakeIdentity()
    with identity_server(fake, loopback_ca) as base:
        environ = {"KENNISDAG_LOGIN_URL": base, "SSL_CERT_FILE": str(loopback_ca.cafile),
                   "XDG_CONFIG_HOME": str(tmp_path / "config"), "PATH": os.environ["PATH"]}
        yield fake, environ


def kept_sign_in(environ, purpose="smtp"):
    """As a mailing asks: --token-command, then the variable, then the kept sign-in."""
    return token_provider(None, "KENNISDAG_SMTP_TOKEN", environ=environ,
                          signed_in=lambda: stored_sign_in(purpose, environ))


def sign_in(fake, environ, said=None, **options):
    return login_microsoft(fake.client_id, device_code=True, environ=environ,
                           say=(said if said is not None else []).append, **options)


def test_device_code_waits_for_the_organiser_then_keeps_a_private_token_file(identity,
                                                                             tmp_path):
    fake, environ = identity
    said: list[str] = []
    account, place = sign_in(fake, environ, said, tenant="example.org")
    path = token_file("microsoft", environ)
    assert account == "kennisdag@example.org" and place == str(path)  # no keyring: the file
    assert fake.grants == ["device_code", "device_code"]  # authorization_pending, then a token
    assert "offline_access" in fake.scopes[-1].split()  # MSAL asks for the refresh token
    assert "https://outlook.office.com/SMTP.Send" in fake.scopes[-1].split()
    # The server's instructions, without the control characters it put in them
    assert said == ["To sign in, open https://microsoft.com/devicelogin and enter the code "
                    "ABCD-EFGH."]
    assert path == tmp_path / "config" / "kennisdag-pdf" / "microsoft-sign-in.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "rt-1-SECRET" in path.read_text()  # MSAL's cache: what renews the token later
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    # Signing in for Graph too keeps both in the one file
    sign_in(fake, environ, purpose="graph", tenant="example.org")
    assert '"purposes": ["graph", "smtp"]' in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_kept_sign_in_gives_and_renews_tokens_silently(identity):
    fake, environ = identity
    sign_in(fake, environ)
    tokens = kept_sign_in(environ)
    assert isinstance(tokens, SignInToken) and tokens.can_renew
    assert tokens.source == "kennisdag-pdf login microsoft (kennisdag@example.org)"
    assert tokens.token() == "at-1-SECRET"  # from the cache, no request
    assert fake.grants == ["device_code", "device_code"]
    assert tokens.renew() == "at-2-SECRET"  # the server refused it: the refresh token
    assert fake.grants[-1] == "refresh_token"
    # MSAL rotated the refresh token; the file keeps the new one, still 0600
    path = token_file("microsoft", environ)
    assert "rt-2-SECRET" in path.read_text() and stat.S_IMODE(path.stat().st_mode) == 0o600
    # The command and the variable come first
    environ["KENNISDAG_SMTP_TOKEN"] = "from-the-variable"
    assert isinstance(kept_sign_in(environ), EnvironmentToken)
    # A revoked refresh token: one line, what to do
    fake.revoked.add("rt-2-SECRET")
    with pytest.raises(TokenUnavailable) as refused:
        tokens.renew()
    assert str(refused.value) == (
        "kennisdag-pdf login microsoft (kennisdag@example.org): the sign-in has expired or "
        "was revoked (invalid_grant (AADSTS700082)); sign in again: kennisdag-pdf login "
        f"microsoft --client-id {fake.client_id} --for smtp")
    assert "SECRET" not in str(refused.value)


def test_a_refused_device_code_is_one_line_and_keeps_nothing(identity, tmp_path):
    fake, environ = identity
    fake.refuse_device_code = ("AADSTS50199: Device code flow is blocked by Conditional "
                               "Access policy.\r\nTrace ID: 1\r\nCorrelation ID: 2")
    done = run_cli("login", "microsoft", "--client-id", fake.client_id, "--device-code",
                   cwd=tmp_path, env={**os.environ, **environ})
    assert done.returncode == 2
    assert done.stderr == (
        "sign-in refused: invalid_request (AADSTS50199): the tenant may not allow "
        "device-code sign-in; sign in with a browser (leave out --device-code), or ask your "
        "administrator\n")
    assert not token_file("microsoft", environ).exists()


def test_the_browser_flow_through_its_loopback_redirect(identity, monkeypatch):
    import webbrowser

    fake, environ = identity
    monkeypatch.setattr(webbrowser, "open", lambda *args, **kwargs: False)  # none here

    def browser(auth_uri: str) -> None:
        """The organiser's browser: Microsoft posts the code back to MSAL's loopback port
        (response_mode=form_post)."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth_uri).query))
        fake.codes["code-SECRET"] = query["nonce"]  # the sign-in the organiser completed
        form = urllib.parse.urlencode({"code": "code-SECRET", "state": query["state"]})
        back = urllib.request.Request(query["redirect_uri"], data=form.encode())
        threading.Thread(target=lambda: urllib.request.urlopen(back, timeout=10).read(),
                         daemon=True).start()

    said: list[str] = []
    account, place = login_microsoft(fake.client_id, purpose="graph", environ=environ,
                                     say=said.append, browser_callback=browser)
    assert account == "kennisdag@example.org" and os.path.exists(place)
    assert fake.grants == ["authorization_code"]
    assert "https://graph.microsoft.com/Mail.Send" in fake.scopes[-1].split()
    assert said == ["a browser opens for you to sign in (on a machine without one: "
                    "--device-code)"]


def test_a_token_file_others_may_read_is_refused(identity):
    fake, environ = identity
    sign_in(fake, environ)
    path = token_file("microsoft", environ)
    path.chmod(0o644)
    with pytest.raises(TokenUnavailable, match=r"other users may read this sign-in \(mode "
                                               r"644\): chmod 600"):
        kept_sign_in(environ)
    with pytest.raises(SignInFailed, match="other users may read"):
        sign_in(fake, environ)


def test_login_then_mail_through_graph_then_logout(identity, tmp_path, loopback_ca):
    fake, environ = identity
    folder = tmp_path / "mailing"
    write_recipients(folder, people(3))
    env = {**os.environ, **environ}
    env.pop("KENNISDAG_GRAPH_TOKEN", None)
    login = run_cli("login", "microsoft", "--client-id", fake.client_id, "--for", "graph",
                    "--device-code", cwd=folder, env=env)
    assert login.returncode == 0, login.stderr
    path = token_file("microsoft", environ)
    assert login.stdout.splitlines()[-1] == (
        f"signed in as kennisdag@example.org for graph; kept in {path} (remove it with "
        f"'kennisdag-pdf logout')")
    # The first token is good for two messages: the third is sent after a silent renewal
    graph = FakeGraph(lifetime={"at-1-SECRET": 2, "at-2-SECRET": 10})
    with graph_server(graph, loopback_ca) as base:
        done = run_cli("mail", EVENT, "-r", "recipients.csv", "--send", "--via", "graph",
                       "--rate", "0", "--retry-wait", "0",
                       cwd=folder, env={**env, "KENNISDAG_GRAPH_URL": base})
    assert done.returncode == 0, done.stderr
    assert graph.addresses() == [row[1] for row in people(3)]
    assert [token for _, token, _ in graph.requests] == [
        "at-1-SECRET", "at-1-SECRET", "at-1-SECRET", "at-2-SECRET"]
    out = run_cli("logout", cwd=folder, env=env)
    again = run_cli("logout", "microsoft", cwd=folder, env=env)
    assert out.returncode == 0 and out.stdout == f"removed {path}\n"
    assert again.returncode == 0 and again.stdout == "nothing to remove: not signed in\n"
    assert not path.exists()
    # No token in what was said, nor anywhere beside the mailing (journal, outbox)
    said = "".join(r.stdout + r.stderr for r in (login, done, out, again))
    written = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert "SECRET" not in said and b"SECRET" not in written
    assert not (tmp_path / "config").is_relative_to(folder)


def test_an_unreachable_service_and_a_wrong_client_id_are_one_line(identity, tmp_path):
    import socket

    fake, environ = identity
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(SignInFailed, match=r"^cannot reach the sign-in service at "
                                           rf"https://127.0.0.1:{port}/organizations: "):
        sign_in(fake, {**environ, "KENNISDAG_LOGIN_URL": f"https://127.0.0.1:{port}"})
    with pytest.raises(SignInFailed, match="^--client-id: expected the application"):
        login_microsoft("x y", environ=environ)
    assert not (tmp_path / "config").exists()


def test_the_keyring_keeps_the_sign_in_and_a_value_too_long_for_it_goes_to_the_file(
        identity, memory_keyring, tmp_path):
    """With a system keyring the sign-in is kept there, and no file; a keyring that refuses a
    value as long as MSAL's cache (Windows' stops at 2,560 characters) leaves it to the file;
    `logout` empties both. `login` alone takes the provider, client id and tenant from the
    mail.yaml in the current folder."""
    fake, environ = identity
    folder = tmp_path / "mailing"
    folder.mkdir()
    (folder / "mail.yaml").write_text(f"provider: microsoft\nclient_id: {fake.client_id}\n"
                                      f"tenant: example.org\n")
    env = {**os.environ, **environ}
    first = run_cli("login", "--device-code", cwd=folder, env=env)
    where = "the system keyring (mail fixtures MemoryKeyring)"
    assert first.stdout == (f"signed in as kennisdag@example.org for smtp; kept in {where} "
                            f"(remove it with 'kennisdag-pdf logout')\n"), first.stderr
    entry = ("kennisdag-pdf", "microsoft-sign-in")
    path = token_file("microsoft", environ)
    assert not path.exists() and "rt-1-SECRET" in memory_keyring.values[entry]
    assert '/example.org"' in memory_keyring.values[entry]  # mail.yaml's tenant
    tokens = kept_sign_in(environ)
    assert (tokens.token(), tokens.renew()) == ("at-1-SECRET", "at-2-SECRET")
    assert "rt-2-SECRET" in memory_keyring.values[entry]  # kept again where it was
    memory_keyring.limit = len(memory_keyring.values[entry])  # the next one is longer
    _, place = sign_in(fake, environ, purpose="graph", tenant="example.org")
    assert place == str(path) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert memory_keyring.values == {}  # in one place at a time
    assert kept_sign_in(environ, "graph").token() == "at-3-SECRET"
    memory_keyring.values[entry] = "{}"  # as left by an older login, say
    out = run_cli("logout", cwd=folder, env=env)
    assert out.stdout == f"removed the microsoft sign-in from {where}\nremoved {path}\n"
    assert memory_keyring.values == {} and not path.exists()
