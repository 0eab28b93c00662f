"""Signing in with OAuth2 access tokens (SASL XOAUTH2) against aiosmtpd on loopback, and the
big providers' answers in plain words.

A token command is a tiny script that prints a new token each time it runs; the server takes
a token for a few messages only, then asks (in each of the ways servers do: 530 to MAIL FROM,
a hang-up, a refusal after a Google-style 334 error challenge) to sign in again. Whatever the
way, the mailing completes with everyone mailed once, and the token is never written down.
"""

from __future__ import annotations

import base64
import os
import re
import stat

import pytest
from conftest import DATA
from mail_helpers import (LOOPBACK, PASSWORD, USER, Handler, Mailing, OAuthHandler, people,
                          run_cli, smtp_server, token_script, tokens_issued, write_recipients)

from kennisdag_pdf.mail.deliver import Pacing
from kennisdag_pdf.mail.oauth import (CommandToken, EnvironmentToken, TokenUnavailable,
                                      xoauth2_response)
from kennisdag_pdf.mail.providers import read_reply
from kennisdag_pdf.mail.run import Options, _Run
from kennisdag_pdf.mail.settings import Address, read_settings
from kennisdag_pdf.mail.smtp import Server, ServerRefused

pytest_plugins = ["mail_fixtures"]

EVENT = DATA / "kennisdag-2011.yaml"
SENDER = Address("Kennisdag 2011", "kennisdag@example.org")
NO_WAITING = Pacing(per_minute=0, retry_wait=0, pause_after=5)
# AUTH offered without TLS (loopback); handle_MAIL itself refuses a session not signed in.
XOAUTH2 = dict(auth_require_tls=False, auth_exclude_mechanism=["LOGIN", "PLAIN"])


def xoauth2(port: int, tokens, user: str = SENDER.email) -> Server:
    return Server(LOOPBACK, port, "none", user, auth="xoauth2", tokens=tokens)


def test_the_initial_response_is_the_providers_format():
    raw = base64.b64decode(xoauth2_response("anna@example.org", "ya29.abc"))
    assert raw == b"user=anna@example.org\x01auth=Bearer ya29.abc\x01\x01"


def test_a_valid_token_signs_in_and_every_recipient_is_mailed(tmp_path, screen_2011):
    mailing = Mailing(tmp_path, screen_2011, people(3))
    handler = OAuthHandler(lifetime={"ya29.SECRET-1": 100})
    with smtp_server(handler, **XOAUTH2) as server:
        result = mailing.send(xoauth2(server.port, CommandToken(str(token_script(tmp_path)))))
    assert result.outcomes == {"sent": 3}
    assert handler.sign_ins == [(SENDER.email, "ya29.SECRET-1")]  # one session, one sign-in
    assert handler.addresses() == [row[1] for row in people(3)]
    assert tokens_issued(tmp_path) == 1


@pytest.mark.parametrize("expiry, challenge", [
    ("530", False),  # MAIL FROM answered 530: the session's sign-in ran out
    ("drop", False),  # the server hangs up; the old token is then refused (535)
    ("drop", True),  # … after a 334 error challenge in JSON, as Google does
    ("drop", "hang up"),  # … and the server hangs up right after the challenge
])
def test_a_token_that_expires_mid_mailing_is_renewed(tmp_path, screen_2011, expiry, challenge):
    rows = people(7)
    mailing = Mailing(tmp_path, screen_2011, rows)
    handler = OAuthHandler(lifetime={"ya29.SECRET-1": 3, "ya29.SECRET-2": 3,
                                     "ya29.SECRET-3": 3}, expiry=expiry,
                           challenge=challenge is True,
                           hang_up_after_challenge=challenge == "hang up")
    with smtp_server(handler, **XOAUTH2) as server:
        result = mailing.send(xoauth2(server.port, CommandToken(str(token_script(tmp_path)))))
    assert result.paused is None
    assert set(mailing.states().values()) == {"sent"}
    assert sorted(handler.addresses()) == sorted(row[1] for row in rows)  # each exactly once
    assert tokens_issued(tmp_path) == 3
    assert [token for _, token in handler.sign_ins] == [
        "ya29.SECRET-1", "ya29.SECRET-2", "ya29.SECRET-3"]
    if challenge is True:
        assert handler.empty_responses == 2  # the challenge answered with an empty line


def test_a_token_command_that_keeps_printing_a_refused_token_stops_the_run(tmp_path,
                                                                            screen_2011):
    mailing = Mailing(tmp_path, screen_2011, people(2))
    script = tmp_path / "same-token"
    script.write_text("#!/bin/sh\necho ya29.SECRET-old\n")
    script.chmod(0o700)
    handler = OAuthHandler(lifetime={})
    with smtp_server(handler, **XOAUTH2) as server:
        with pytest.raises(ServerRefused) as refused:
            mailing.send(xoauth2(server.port, CommandToken(str(script))))
    message = str(refused.value)
    assert "535 5.7.3" in message and "SMTP.Send" in message  # what to do
    assert "printed the same token again" in message
    assert "ya29.SECRET-old" not in message
    assert handler.refused == ["ya29.SECRET-old"]  # the same token is not offered twice
    assert set(mailing.states().values()) == {"pending"}


@pytest.mark.parametrize("script, expected", [
    ("echo 'AADSTS700082: The refresh token has expired' >&2; exit 3",
     r"--token-command: 'helper' failed \(exit 3\): 'AADSTS700082: The refresh token has "
     r"expired'; run it yourself to see why"),
    ("echo", r"--token-command: 'helper' printed no token"),
    ("echo 'two words'", r"printed something that is not an access token"),
])
def test_a_failing_token_command_is_one_clear_line(tmp_path, script, expected):
    helper = tmp_path / "helper"
    helper.write_text(f"#!/bin/sh\n{script}\n")
    helper.chmod(0o700)
    with pytest.raises(TokenUnavailable, match=expected):
        CommandToken(f"{helper} --account 'a b'").token()
    with pytest.raises(TokenUnavailable, match="no such program"):
        CommandToken(str(tmp_path / "missing")).token()


def test_the_command_is_run_without_a_shell(tmp_path):
    helper = tmp_path / "helper"
    helper.write_text('#!/bin/sh\necho "$#:$1"\n')
    helper.chmod(0o700)
    assert CommandToken(f"{helper} $(touch {tmp_path}/x) *").token() == "3:$(touch"
    assert not (tmp_path / "x").exists()


def test_a_token_from_the_environment_cannot_be_renewed_in_a_run():
    tokens = EnvironmentToken("KENNISDAG_SMTP_TOKEN", {"KENNISDAG_SMTP_TOKEN": "ya29.x"})
    assert tokens.token() == "ya29.x"
    with pytest.raises(TokenUnavailable, match="put a fresh token in it, or give --token-comm"):
        tokens.renew()
    with pytest.raises(TokenUnavailable, match="not set; give --token-command"):
        EnvironmentToken("KENNISDAG_SMTP_TOKEN", {}).token()


def send(folder, port, *extra, env=None):
    return run_cli("mail", EVENT, "-r", "recipients.csv", "--send", "--smtp-host", LOOPBACK,
                   "--smtp-port", port, "--tls", "none", "--rate", "0", "--retry-wait", "0",
                   *extra, cwd=folder, env=env)


def test_a_refused_token_is_one_line_and_exit_2_and_the_token_is_never_written(
        tmp_path, screen_2011):
    """The README's exit codes: a refused login is 2. A good run's journal, outbox, output and
    --verbose log never hold the token."""
    folder = tmp_path / "mailing"
    write_recipients(folder, people(3))
    env = {**os.environ, "KENNISDAG_SMTP_TOKEN": "ya29.SECRET-refused"}
    handler = OAuthHandler(lifetime={"ya29.SECRET-1": 2, "ya29.SECRET-2": 9})
    with smtp_server(handler, **XOAUTH2) as server:
        refused = send(folder, server.port, "--smtp-auth", "xoauth2", env=env)
        assert refused.returncode == 2, refused.stderr
        [line] = refused.stderr.splitlines()
        assert line.startswith(f"{LOOPBACK}:{server.port}: the server refuses the token for "
                               f"kennisdag@example.org from KENNISDAG_SMTP_TOKEN: 535 5.7.3")
        assert line.endswith("https://mail.google.com/); KENNISDAG_SMTP_TOKEN cannot be "
                             "renewed during a run: put a fresh token in it, or give "
                             "--token-command")
        script = token_script(tmp_path)
        dry = run_cli("mail", EVENT, "-r", "recipients.csv", cwd=folder)
        done = run_cli("--verbose", "mail", EVENT, "-r", "recipients.csv", "--send",
                       "--smtp-host", LOOPBACK, "--smtp-port", server.port, "--tls", "none",
                       "--rate", "0", "--smtp-auth", "xoauth2", "--token-command", str(script),
                       cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    assert tokens_issued(tmp_path) == 2 and handler.addresses() == [r[1] for r in people(3)]
    assert dry.returncode == 0
    written = b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())
    shown = refused.stdout + refused.stderr + dry.stdout + dry.stderr + done.stdout + done.stderr
    assert "sign-in expired" in done.stderr  # the verbose log saw the renewal …
    for token in ("ya29.SECRET-1", "ya29.SECRET-2", "ya29.SECRET-refused"):
        assert token not in shown and token.encode() not in written  # … but never a token
        assert base64.b64encode(token.encode()) not in written


def test_a_server_without_xoauth2_is_refused_with_what_it_offers(tmp_path, screen_2011):
    mailing = Mailing(tmp_path, screen_2011, people(1))
    with smtp_server(Handler(), authenticator=lambda *args: None,
                     auth_require_tls=False) as server:
        with pytest.raises(ServerRefused, match=r"does not offer XOAUTH2 \(it offers LOGIN, "
                                                r"PLAIN\); leave out --smtp-auth xoauth2"):
            mailing.send(xoauth2(server.port, EnvironmentToken("T", {"T": "ya29.x"})))


def test_a_hang_up_after_the_challenge_with_no_fresh_token_says_so(tmp_path, screen_2011):
    mailing = Mailing(tmp_path, screen_2011, people(1))
    handler = OAuthHandler(hang_up_after_challenge=True)
    with smtp_server(handler, **XOAUTH2) as server:
        with pytest.raises(ServerRefused) as refused:
            mailing.send(xoauth2(server.port, EnvironmentToken("T", {"T": "ya29.x"})))
    assert '334 {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}' in str(
        refused.value) and "T cannot be renewed during a run" in str(refused.value)


MICROSOFT_BASIC_OFF = "550 5.7.30 Basic authentication is not supported for Client Submission"


def test_basic_authentication_switched_off_says_what_to_do(tmp_path):
    folder = tmp_path / "mailing"
    write_recipients(folder, people(2))

    def refuse(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult
        return AuthResult(success=False, handled=False, message=MICROSOFT_BASIC_OFF)

    with smtp_server(Handler(), authenticator=refuse, auth_require_tls=False) as server:
        done = send(folder, server.port, "--smtp-user", USER,
                    env={**os.environ, "KENNISDAG_SMTP_PASSWORD": PASSWORD})
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert MICROSOFT_BASIC_OFF in line
    assert "--smtp-auth xoauth2 --token-command CMD" in line and "--via graph" in line
    assert PASSWORD not in line


SEND_AS_DENIED = ("554 5.2.252 SendAsDeniedException.Mapi.ExSendAsDenied; organiser@example.org "
                  "not allowed to send as kennisdag@example.org")


def test_send_as_denied_stops_at_the_first_message_and_the_same_command_resumes(
        tmp_path, screen_2011):
    rows = people(4)
    mailing = Mailing(tmp_path, screen_2011, rows)
    handler = OAuthHandler(lifetime={"ya29.SECRET-1": 100}, data_answer=SEND_AS_DENIED)
    tokens = CommandToken(str(token_script(tmp_path)))
    with smtp_server(handler, **XOAUTH2) as server:
        with pytest.raises(ServerRefused) as refused:
            mailing.send(xoauth2(server.port, tokens))
        states = mailing.states()
        handler.data_answer = None  # an administrator gave the account Send As rights
        result = mailing.send(xoauth2(server.port, tokens))
    assert "5.2.252" in str(refused.value) and "'Send As' rights" in str(refused.value)
    assert states == {rows[0][1]: "deferred", **{row[1]: "pending" for row in rows[1:]}}
    assert result.outcomes == {"sent": 4}
    assert handler.addresses() == [row[1] for row in rows]


def test_a_daily_limit_pauses_the_run_and_leaves_the_rest_for_tomorrow(tmp_path, screen_2011):
    rows = people(3)
    mailing = Mailing(tmp_path, screen_2011, rows)
    handler = OAuthHandler(lifetime={"ya29.SECRET-1": 100},
                           data_answer="550 5.4.5 Daily user sending limit exceeded.")
    with smtp_server(handler, **XOAUTH2) as server:
        result = mailing.send(xoauth2(server.port, CommandToken(str(token_script(tmp_path)))))
    assert result.limit_reached and "run the same command again in 24 hours" in result.paused
    assert result.attempted == 1
    assert mailing.states() == {rows[0][1]: "deferred", rows[1][1]: "pending",
                                rows[2][1]: "pending"}


@pytest.mark.parametrize("reply, effect, words", [
    (MICROSOFT_BASIC_OFF, "stop", "--via graph"),
    ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
     "Tenant.", "stop", "'Authenticated SMTP'"),
    ("535 5.7.3 Authentication unsuccessful", "stop", "https://outlook.office.com/SMTP.Send"),
    ("534-5.7.9 Application-specific password required.", "stop", "App passwords"),
    ("534 5.7.9 Please log in with an application-specific password", "stop", "App passwords"),
    ("535 5.7.8 Username and Password not accepted.", "stop", "an app password"),
    (SEND_AS_DENIED, "stop", "'Send As' rights"),
    ("550 5.1.8 Access denied, bad outbound sender", "stop", "Restricted entities"),
    ("554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", "pause",
     "10,000 recipients a day"),
    ("550 5.4.5 Daily sending quota exceeded.", "pause", "in 24 hours"),
    ("432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", "", "30 messages a minute"),
    ("421 4.7.0 Try again later, closing connection.", "", "a lower --rate avoids it"),
    ("454 4.7.0 Too many login attempts, please try again later.", "", "tries again later"),
])
def test_provider_answers_in_plain_words(reply, effect, words):
    reading = read_reply(reply)
    assert reading is not None and reading.effect == effect and words in reading.words
    assert read_reply("550 5.1.1 No such user here") is None  # shown as it is


def pace(host, rate=None, sender="kennisdag@example.org", due=10):
    said: list[str] = []
    run = _Run(Options(EVENT, DATA / "x.csv", rate=rate), _voice(said))
    return run.pace(Server(host, 587), Address("", sender), due), said


def _voice(said):
    from kennisdag_pdf.mail.run import Voice
    return Voice(warn=said.append, detail=said.append)


def test_the_default_pace_is_the_providers():
    assert pace("smtp.office365.com")[0] == 30
    assert pace("SMTP.GMAIL.COM")[0] == 30
    assert pace("smtp.example.org") == (60, [])
    assert pace("smtp.office365.com", rate=10) == (10, [])  # the organiser's own choice wins
    rate, said = pace("smtp.office365.com", rate=120)
    assert rate == 120 and "at most 30 messages a minute" in said[0]
    _, said = pace("smtp.gmail.com", sender="club@gmail.com", due=600)
    assert "allows about 500 a day" in said[0]


def test_mail_yaml_names_how_to_send(tmp_path):
    (tmp_path / "mail.yaml").write_text("from: kennisdag@example.org\nsmtp_auth: xoauth2\n"
                                        "token_command: oama access kennisdag@example.org\n"
                                        "via: smtp\n")
    (tmp_path / "mail.yaml").chmod(0o600)
    settings = read_settings(tmp_path)
    assert (settings.smtp_auth, settings.token_command, settings.via) == (
        "xoauth2", "oama access kennisdag@example.org", "smtp")
    (tmp_path / "mail.yaml").chmod(0o664)  # a command others could change runs as you: no
    with pytest.raises(Exception, match=r"mail.yaml:3: token_command: other users may change "
                                        r"this file \(mode 664\)"):
        read_settings(tmp_path)
    (tmp_path / "mail.yaml").write_text("smtp_auth: oauth\nvia: [graph]\n")
    with pytest.raises(Exception) as wrong:
        read_settings(tmp_path)
    assert re.search(r"mail.yaml:1: smtp_auth: 'oauth' is not one of password, xoauth2",
                     str(wrong.value))
    assert "mail.yaml:2: via: must be smtp or graph" in str(wrong.value)
    assert not stat.S_IMODE((tmp_path / "mail.yaml").stat().st_mode) & 0o002


def test_mail_yaml_signs_in_with_its_token_command_on_a_short_command_line(tmp_path):
    folder = tmp_path / "mailing"
    write_recipients(folder, people(2))
    script = token_script(tmp_path)
    with (folder / "mail.yaml").open("a") as settings:
        settings.write(f"smtp_auth: xoauth2\ntoken_command: {script}\n")
    handler = OAuthHandler(lifetime={"ya29.SECRET-1": 9})
    with smtp_server(handler, **XOAUTH2) as server:
        done = send(folder, server.port, env={k: v for k, v in os.environ.items()
                                              if k != "KENNISDAG_SMTP_TOKEN"})
    assert done.returncode == 0, done.stderr
    assert handler.sign_ins == [(SENDER.email, "ya29.SECRET-1")]
    assert handler.addresses() == [row[1] for row in people(2)]
