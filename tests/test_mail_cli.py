"""`kennisdag-pdf mail` as the organiser meets it: the dry run and a real send of 200 messages
to a loopback server, STARTTLS with a login, refusals before anything is sent, partial
delivery, --status, changed inputs and a second run on the same journal."""

from __future__ import annotations

import email
import email.policy
import os
import re
from email.parser import BytesHeaderParser

import pytest
from conftest import DATA
from mail_helpers import (LOOPBACK, PASSWORD, RUN, USER, Handler, people,
                          run_cli, sha256, smtp_server, write_recipients)
from typer.testing import CliRunner

from kennisdag_pdf import cli
from kennisdag_pdf.mail.journal import Journal

# The loopback server, the test CA and the session's screen brochure (fixtures).
pytest_plugins = ["mail_fixtures"]

EVENT = DATA / "kennisdag-2011.yaml"


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "mailing"
    folder.mkdir()
    return folder


def send(folder, port, *extra, env=None):
    return run_cli("mail", EVENT, "--recipients", "recipients.csv", "--send", "--smtp-host",
                   LOOPBACK, "--smtp-port", port, "--tls", "none", "--rate", "0",
                   "--retry-wait", "0", *extra, cwd=folder, env=env)


def test_a_dry_run_writes_one_message_per_recipient_and_sends_nothing(workspace, screen_2011):
    rows = people(200)
    rows[7] = ("Sarah Baker", "sarah@example.org", "en", "Dear Sarah")
    write_recipients(workspace, rows)
    done = run_cli("mail", EVENT, "-r", "recipients.csv", cwd=workspace)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"output/outbox/kennisdag-2011/: 200 messages to check, each with "
                        r"'Verslag kennisdag Social media.pdf' \(\d+ kB\); nothing was sent: "
                        r"add --send --smtp-host HOST to send\n", done.stdout)
    folder = workspace / "output" / "outbox" / "kennisdag-2011"
    outbox = sorted(folder.glob("*.eml"))
    assert len(outbox) == 200 and outbox[0].name == "001-deelnemer1@example.org.eml"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".kennisdag-outbox.jsonl", *(p.name for p in outbox)])  # and what proves them ours
    headers = [BytesHeaderParser(policy=email.policy.default).parsebytes(p.read_bytes())
               for p in outbox]
    assert [h["To"].addresses[0].addr_spec for h in headers] == [row[1] for row in rows]
    assert headers[7]["Subject"] == "Report of the knowledge day ‘Social media.’"
    assert len({h["Message-ID"] for h in headers}) == 200
    last = email.message_from_bytes(outbox[-1].read_bytes(), policy=email.policy.default)
    [attachment] = last.iter_attachments()
    assert sha256(attachment.get_content()) == sha256(screen_2011.pdf)
    assert not (workspace / "recipients.csv.journal.sqlite").exists()


def test_a_send_of_200_reaches_everyone_once_and_a_rerun_nobody(workspace, screen_2011):
    rows = people(200)
    write_recipients(workspace, rows)
    handler = Handler()
    with smtp_server(handler) as server:
        done = send(workspace, server.port)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert "mailing 1 of kennisdag-2011" in done.stdout
        assert ": 200 of 200 sent\n" in done.stdout
        assert done.stdout.splitlines()[2].split() == ["sent", "200"]
        again = send(workspace, server.port)
        assert again.returncode == 0, again.stderr
    assert sorted(handler.addresses()) == sorted(row[1] for row in rows)
    for received in handler.received:
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(received.data)
        assert [a.addr_spec for a in headers["To"].addresses] == received.recipients
    assert sha256(handler.received[-1].attachment()) == sha256(screen_2011.pdf)
    status = run_cli("mail", EVENT, "-r", "recipients.csv", "--status", cwd=workspace)
    assert status.returncode == 0 and ": 200 of 200 sent" in status.stdout


def test_starttls_with_a_login_and_a_private_ca(workspace, loopback_ca):
    write_recipients(workspace, people(3))
    handler = Handler()
    env = {**os.environ, "KENNISDAG_SMTP_PASSWORD": PASSWORD}
    with smtp_server(handler, tls="starttls", ca=loopback_ca, auth=True) as server:
        done = run_cli("-v", "mail", EVENT, "-r", "recipients.csv", "--send", "--smtp-host",
                       LOOPBACK, "--smtp-port", server.port, "--smtp-user", USER, "--cafile",
                       loopback_ca.cafile, "--rate", "0", cwd=workspace, env=env)
    assert done.returncode == 0, done.stderr
    assert len(handler.received) == 3 and all(r.encrypted for r in handler.received)
    journal = (workspace / "recipients.csv.journal.sqlite").read_bytes()
    for text in (done.stdout, done.stderr):
        assert PASSWORD not in text
    assert PASSWORD.encode() not in journal


def test_a_server_without_starttls_is_refused(workspace):
    write_recipients(workspace, people(3))
    handler = Handler()
    with smtp_server(handler) as server:
        done = run_cli("mail", EVENT, "-r", "recipients.csv", "--send", "--smtp-host",
                       LOOPBACK, "--smtp-port", server.port, cwd=workspace)
    assert done.returncode == 2
    assert done.stderr == (f"{LOOPBACK}:{server.port}: the server does not offer STARTTLS; "
                           f"refusing to send in plain text (--tls ssl for a server on port "
                           f"465, --tls none only for a server on this machine)\n")
    assert handler.received == []


def test_a_bad_recipients_file_is_refused_before_anything_is_sent(workspace):
    write_recipients(workspace, [("Anna", "anna@example.org", "", ""),
                                 ("Eve\r\nBcc: all@example.net", "eve@example.org", "", ""),
                                 ("=?utf-8?q?Mal=0D=0ABcc:_all@x.net?=", "mal@example.org", "",
                                  ""),
                                 ("", "nobody@example.org", "xx", ""),
                                 ("Anna again", "ANNA@example.org", "", "")])
    handler = Handler()
    with smtp_server(handler) as server:
        done = send(workspace, server.port)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "recipients.csv:3: name: line break (U+000D) is not allowed in a mail's fields",
        "recipients.csv:5: name: encoded word =?utf-8?q?Mal=0D=0ABcc:_all@x.net?= hides a "
        "line break or control character",
        "recipients.csv:6: language: 'xx' is not one of nl, en (leave it empty for the "
        "event's language)",
        "recipients.csv:6: name: is empty",
        "recipients.csv:7: email: ANNA@example.org is already on line 2",
    ]
    assert handler.received == []
    assert not (workspace / "recipients.csv.journal.sqlite").exists()


def test_partial_delivery_exits_75_and_status_says_who(workspace):
    rows = people(4)
    write_recipients(workspace, rows)
    handler = Handler(permanent={rows[1][1]}, drop_after_data={rows[2][1]})
    with smtp_server(handler) as server:
        done = send(workspace, server.port)
    assert done.returncode == 75, done.stderr
    attention = [
        "recipients.csv:3: deelnemer2@example.org: failed: 550 5.1.1 No such user here",
        "recipients.csv:4: deelnemer3@example.org: unknown: the connection broke after the "
        "message was sent and before the server answered (RFC 1047): it may have arrived"]
    assert done.stderr.splitlines() == attention
    assert ": 2 of 4 sent" in done.stdout
    status = run_cli("mail", EVENT, "-r", "recipients.csv", "--status", cwd=workspace)
    assert status.returncode == 75
    assert status.stderr.splitlines() == attention
    assert [line.split()[:2] for line in status.stdout.splitlines()[2:]] == [
        ["sent", "2"], ["failed", "1"], ["unknown", "1"]]


def test_a_changed_list_needs_a_new_mailing_that_skips_who_has_the_pdf(workspace):
    rows = people(3)
    write_recipients(workspace, rows)
    handler = Handler()
    with smtp_server(handler) as server:
        assert send(workspace, server.port).returncode == 0
        write_recipients(workspace, [*rows, ("Late Comer", "late@example.org", "en", "")])
        refused = send(workspace, server.port)
        assert refused.returncode == 2
        assert refused.stderr.startswith("recipients.csv.journal.sqlite: recipients.csv changed "
                                         "since the mailing began; mailing 1 began on ")
        assert refused.stderr.endswith(" and 3 of its recipients have (or may have) the "
                                       "brochure. To mail the list as it is now, skipping "
                                       "everybody who has had this PDF, add --new-mailing\n")
        again = send(workspace, server.port, "--new-mailing")
        assert again.returncode == 0, again.stderr
        assert "3 recipient(s) already have this PDF from an earlier mailing" in again.stdout
    assert handler.addresses() == [row[1] for row in rows] + ["late@example.org"]


def test_a_second_sending_run_on_the_same_journal_is_refused(workspace):
    write_recipients(workspace, people(2))
    with Journal.open(workspace / "recipients.csv.journal.sqlite"):
        done = send(workspace, 1)
    assert done.returncode == 75
    assert done.stderr == ("recipients.csv.journal.sqlite: another 'mail --send' is using this "
                           "journal; wait for it to end (--status shows how far it is)\n")


@pytest.mark.parametrize("args, env, message", [
    (["--smtp-host", "smtp.example.org"], {}, "--smtp-host: only with --send"),
    (["--send"], {}, "--smtp-host: needed with --send"),
    (["--send", "--smtp-host", "smtp.example.org", "--smtp-user", "me"], {},
     "KENNISDAG_SMTP_PASSWORD: not set; the password for --smtp-user is read only from it"),
    (["--send", "--smtp-host", "smtp.example.org", "--tls", "none"], {},
     "--tls: none is only for a server on this machine (localhost, 127.0.0.1, ::1), not "
     "smtp.example.org; use starttls or ssl"),
    (["--status", "--send"], {}, "--status: only reports; leave out --send"),
    (["--max-attachment", "lots"], {}, "--max-attachment: "),
    (["--from", "nobody"], {}, "--from: 'nobody' is not an email address"),
])
def test_options_are_checked_before_anything_is_built(workspace, monkeypatch, args, env,
                                                      message):
    write_recipients(workspace, people(2))
    monkeypatch.chdir(workspace)
    monkeypatch.delenv("KENNISDAG_SMTP_PASSWORD", raising=False)
    monkeypatch.setattr("kennisdag_pdf.render.render", None)  # building would fail loudly
    result = CliRunner().invoke(cli.app, ["mail", str(EVENT), "-r", "recipients.csv", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def test_without_a_sender_the_organiser_is_told_where_to_put_one(workspace, monkeypatch):
    write_recipients(workspace, people(1))
    (workspace / "mail.yaml").unlink()
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(cli.app, ["mail", str(EVENT), "-r", "recipients.csv"])
    assert result.exit_code == 2
    assert result.stderr == ("recipients.csv: no sender: put 'from: Name <address>' in a "
                             "mail.yaml beside it, or give --from\n")


def test_help_tells_where_the_password_and_the_ca_come_from():
    result = CliRunner().invoke(cli.app, ["mail", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for words in ("KENNISDAG_SMTP_PASSWORD", "--cafile", "SSL_CERT_FILE", "--retry-unknown",
                  "--new-mailing", "75 not everyone has it"):
        assert words in result.stdout


def test_a_server_that_keeps_saying_later_pauses_with_exit_69(workspace):
    rows = people(3)
    write_recipients(workspace, rows)
    handler = Handler(temporary={row[1]: 99 for row in rows})
    with smtp_server(handler) as server:
        done = send(workspace, server.port, "--pause-after", "2")
    assert done.returncode == 69
    assert done.stderr.splitlines()[-1] == (
        "paused after 2 temporary failures in a row (last: 450 4.2.0 Mailbox busy, try again "
        "later); rerun the same command later to resume")
    assert ": 0 of 3 sent" in done.stdout


def _file_size_limit(limit: int):
    """For the child: writes past limit bytes fail (EFBIG) as on a full disk, no signal."""
    import resource
    import signal

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_journal_that_cannot_be_written_mid_run_ends_with_74_and_resumes(workspace,
                                                                        monkeypatch):
    """Issue 14 item 17: a full disk under the journal was exit 1 (OperationalError). The
    journal's writes fail once its WAL would pass 80 kB, a few messages into the run."""
    import subprocess

    write_recipients(workspace, people(30))
    handler = Handler()
    env = dict(os.environ, KENNISDAG_NO_CACHE="1")
    with smtp_server(handler) as server:
        args = [*RUN, "-q", "mail", str(EVENT), "-r", "recipients.csv", "--send", "--smtp-host",
                LOOPBACK, "--smtp-port", str(server.port), "--tls", "none", "--rate", "0",
                "--retry-wait", "0"]
        failed = subprocess.run(args, cwd=workspace, env=env, capture_output=True, text=True,
                                preexec_fn=_file_size_limit(80_000), timeout=120)
        assert failed.returncode == 74, failed.stderr
        assert failed.stderr.startswith("recipients.csv.journal.sqlite: the journal cannot be "
                                        "written: ")
        assert "Traceback" not in failed.stderr and failed.stderr.count("\n") == 1
        assert 0 < len(handler.addresses()) < 30
        rerun = subprocess.run(args, cwd=workspace, env=env, capture_output=True, text=True,
                               timeout=120)
    assert rerun.returncode in (0, 75), rerun.stderr  # 75: the one whose answer was not kept
    assert sorted(handler.addresses()) == sorted(p[1] for p in people(30))  # each once


def test_a_journal_that_cannot_be_created_leaves_no_empty_file(workspace):
    import subprocess

    write_recipients(workspace, people(3))
    args = [*RUN, "-q", "mail", str(EVENT), "-r", "recipients.csv", "--send", "--smtp-host",
            LOOPBACK, "--smtp-port", "9", "--tls", "none"]
    done = subprocess.run(args, cwd=workspace, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, KENNISDAG_NO_CACHE="1"),
                          preexec_fn=_file_size_limit(0))
    assert (done.returncode, done.stderr) == (74, "recipients.csv.journal.sqlite: the journal "
                                                  "cannot be written: disk I/O error; nothing "
                                                  "was sent\n")
    assert sorted(p.name for p in workspace.iterdir()) == ["mail.yaml", "recipients.csv"]
