"""The dry run's outbox deletes and overwrites only files it can prove it wrote (issue 14
item 2): its manifest names them with their size and SHA-256. A user's file with a name like
ours, a file of ours the user edited, a symlink in place of one, and a manifest edited to name
a path elsewhere are all left alone."""

from __future__ import annotations

import json
import os

import pytest

from kennisdag_pdf.errors import EXIT_CANT_CREATE, OutputError
from kennisdag_pdf.mail.message import Outgoing
from kennisdag_pdf.mail.outbox import MANIFEST_NAME, write_outbox
from kennisdag_pdf.mail.recipients import Recipient


def messages(*addresses: str, text: str = "message"):
    """(recipients, compose) as write_outbox takes them, for small stand-in messages."""
    recipients = [Recipient(line, "X", address, None, None)
                  for line, address in enumerate(addresses, 2)]

    def compose(recipient: Recipient) -> Outgoing:
        return Outgoing(recipient, f"<{recipient.line}@x>",
                        f"To: {recipient.email}\r\n\r\n{text}\r\n".encode())
    return recipients, compose


@pytest.fixture
def outbox(tmp_path):
    folder = tmp_path / "mymail"
    folder.mkdir()
    return folder


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != MANIFEST_NAME)


def test_the_users_files_named_like_ours_are_never_deleted(outbox):
    """The issue's example: -o pointing at a folder of the organiser's saved mail."""
    theirs = {"2023-12-01-newsletter@example.com.eml": b"a newsletter",
              "100-ideas-from-piet@home.nl.eml": b"Piet's ideas", "001-x@y.org.eml": b"mine"}
    for name, data in theirs.items():
        (outbox / name).write_bytes(data)
    result = write_outbox(outbox, *messages("anna@example.org"))
    assert names(outbox) == sorted(["001-anna@example.org.eml", *theirs])
    assert all((outbox / name).read_bytes() == data for name, data in theirs.items())
    assert result.removed == [] and result.left == []


def test_a_rerun_removes_only_its_own_stale_files(outbox):
    write_outbox(outbox, *messages("anna@example.org", "bob@example.org", "carla@example.org"))
    result = write_outbox(outbox, *messages("anna@example.org"))
    assert names(outbox) == ["001-anna@example.org.eml"]
    assert [p.name for p in result.removed] == ["002-bob@example.org.eml",
                                                "003-carla@example.org.eml"]


def test_a_file_of_ours_the_user_edited_is_left_and_forgotten(outbox):
    write_outbox(outbox, *messages("anna@example.org", "bob@example.org"))
    edited = outbox / "002-bob@example.org.eml"
    edited.write_bytes(edited.read_bytes() + b"my note\r\n")
    kept = edited.read_bytes()
    result = write_outbox(outbox, *messages("anna@example.org"))
    assert result.left == [edited] and edited.read_bytes() == kept
    write_outbox(outbox, *messages("anna@example.org"))  # no longer listed as ours
    assert edited.read_bytes() == kept
    assert "002-bob@example.org.eml" not in (outbox / MANIFEST_NAME).read_text()


def test_a_file_of_ours_the_user_edited_is_not_overwritten(outbox):
    write_outbox(outbox, *messages("anna@example.org"))
    edited = outbox / "001-anna@example.org.eml"
    edited.write_bytes(b"rewritten by hand")
    with pytest.raises(OutputError) as caught:
        write_outbox(outbox, *messages("anna@example.org", text="new text"))
    assert caught.value.exit_code == EXIT_CANT_CREATE
    assert "did not write it (or it was changed since)" in str(caught.value)
    assert edited.read_bytes() == b"rewritten by hand"


def test_an_unchanged_file_of_ours_is_rewritten(outbox):
    write_outbox(outbox, *messages("anna@example.org"))
    write_outbox(outbox, *messages("anna@example.org", text="new text"))
    assert b"new text" in (outbox / "001-anna@example.org.eml").read_bytes()


def test_a_users_file_with_the_name_we_need_stops_the_run_before_anything_is_written(outbox):
    (outbox / "002-bob@example.org.eml").write_bytes(b"mine")
    with pytest.raises(OutputError):
        write_outbox(outbox, *messages("anna@example.org", "bob@example.org"))
    assert (outbox / "002-bob@example.org.eml").read_bytes() == b"mine"
    assert sorted(p.name for p in outbox.iterdir()) == ["002-bob@example.org.eml"]


def test_a_manifest_edited_to_name_files_elsewhere_deletes_nothing(outbox, tmp_path):
    precious = tmp_path / "precious.eml"
    precious.write_bytes(b"keep me")
    write_outbox(outbox, *messages("anna@example.org"))
    entry = json.loads((outbox / MANIFEST_NAME).read_text().splitlines()[0])
    forged = [dict(entry, name=name) for name in
              ("../precious.eml", str(precious), "sub/001-a@b.eml", "001-a@b.eml/../x.eml")]
    forged.append({"name": "../precious.eml", "size": 7,
                   "sha256": __import__("hashlib").sha256(b"keep me").hexdigest()})
    with open(outbox / MANIFEST_NAME, "a") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in forged)
        handle.write("not json\n{\"name\": 3}\n")
    write_outbox(outbox, *messages("bob@example.org"))
    assert precious.read_bytes() == b"keep me"


def test_a_symlink_in_place_of_a_listed_file_is_neither_followed_nor_removed(outbox, tmp_path):
    target = tmp_path / "elsewhere.eml"
    target.write_bytes(b"not ours")
    write_outbox(outbox, *messages("anna@example.org", "bob@example.org"))
    listed = outbox / "002-bob@example.org.eml"
    listed.unlink()
    listed.symlink_to(target)
    write_outbox(outbox, *messages("anna@example.org"))
    assert listed.is_symlink() and target.read_bytes() == b"not ours"
    (outbox / "001-anna@example.org.eml").unlink()
    (outbox / "001-anna@example.org.eml").symlink_to(target)
    with pytest.raises(OutputError):  # nor written through
        write_outbox(outbox, *messages("anna@example.org"))
    assert target.read_bytes() == b"not ours"


def test_a_symlinked_manifest_is_refused(outbox, tmp_path):
    (tmp_path / "other").write_text("x")
    os.symlink(tmp_path / "other", outbox / MANIFEST_NAME)
    with pytest.raises(OutputError) as caught:
        write_outbox(outbox, *messages("anna@example.org"))
    assert caught.value.exit_code == EXIT_CANT_CREATE
    assert (tmp_path / "other").read_text() == "x" and names(outbox) == []


def test_files_written_before_a_crash_stay_provably_ours(outbox):
    """Each entry is on disk before its file: a run that dies halfway leaves nothing the
    next run must refuse."""
    class Dies(Exception):
        pass

    recipients, compose = messages("anna@example.org", "bob@example.org", "carla@example.org")

    def dying(recipient):
        if recipient.email.startswith("carla"):
            raise Dies
        return compose(recipient)

    with pytest.raises(Dies):
        write_outbox(outbox, recipients, dying)
    result = write_outbox(outbox, *messages("carla@example.org"))
    assert names(outbox) == ["001-carla@example.org.eml"]
    assert [p.name for p in result.removed] == ["001-anna@example.org.eml",
                                                "002-bob@example.org.eml"]
