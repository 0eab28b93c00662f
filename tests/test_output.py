"""kennisdag_pdf.output: writing is all or nothing, and obviously bad targets fail early."""

from __future__ import annotations

import errno
import os
import stat
import tempfile

import pytest

from kennisdag_pdf.errors import EXIT_CANT_CREATE, EXIT_IO, OutputError
from kennisdag_pdf.output import check_target, write_atomic

OLD = b"%PDF-1.4 old brochure\n"
NEW = b"%PDF-1.7 new brochure\n" * 100


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def existing(tmp_path):
    target = tmp_path / "brochure.pdf"
    target.write_bytes(OLD)
    return target


# --- the happy path ------------------------------------------------------------------------------

def test_writes_bytes(tmp_path):
    target = tmp_path / "brochure.pdf"
    write_atomic(target, NEW)
    assert target.read_bytes() == NEW
    assert os.listdir(tmp_path) == ["brochure.pdf"]


def test_replaces_an_existing_file(existing):
    write_atomic(existing, NEW)
    assert existing.read_bytes() == NEW
    assert leftovers(existing.parent) == []


def test_creates_missing_folders(tmp_path):
    target = tmp_path / "a" / "b" / "brochure.pdf"
    write_atomic(target, NEW)
    assert target.read_bytes() == NEW


def test_file_gets_normal_permissions_not_the_temp_files(tmp_path):
    # mkstemp creates 0600; a brochure should be readable like any file the user makes.
    target = tmp_path / "brochure.pdf"
    old_mask = os.umask(0o022)
    try:
        write_atomic(target, NEW)
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


# --- failures ------------------------------------------------------------------------------------

def test_disk_full_keeps_the_old_file(existing, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as info:
        write_atomic(existing, NEW)
    assert "no space" in str(info.value)
    assert info.value.exit_code == EXIT_IO == 74
    assert existing.read_bytes() == OLD
    assert leftovers(existing.parent) == []


def test_permission_denied_on_rename_keeps_the_old_file(existing, monkeypatch):
    def denied(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(OutputError) as info:
        write_atomic(existing, NEW)
    assert info.value.exit_code == EXIT_CANT_CREATE == 73
    assert "permission denied" in str(info.value)
    assert existing.read_bytes() == OLD
    assert leftovers(existing.parent) == []


def test_other_io_error_is_exit_74(existing, monkeypatch):
    def broken(fd):
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OutputError) as info:
        write_atomic(existing, NEW)
    assert info.value.exit_code == EXIT_IO
    assert "input/output error" in str(info.value)
    assert existing.read_bytes() == OLD
    assert leftovers(existing.parent) == []


def test_ctrl_c_while_writing_keeps_the_old_file(existing, monkeypatch):
    def interrupted(fd):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(existing, NEW)
    assert existing.read_bytes() == OLD
    assert leftovers(existing.parent) == []


def test_read_only_folder(tmp_path, monkeypatch):
    folder = tmp_path / "read-only"
    folder.mkdir()
    target = folder / "brochure.pdf"
    if os.geteuid() == 0:
        # root writes through chmod 0o555: simulate what everyone else gets.
        def denied(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))
        monkeypatch.setattr(tempfile, "mkstemp", denied)
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError) as info:
            write_atomic(target, NEW)
    finally:
        folder.chmod(0o755)
    assert info.value.exit_code == EXIT_CANT_CREATE
    assert "permission denied" in str(info.value)
    assert list(folder.iterdir()) == []


def test_folder_below_a_file_cannot_be_created(tmp_path):
    (tmp_path / "not-a-folder").write_bytes(b"x")
    with pytest.raises(OutputError) as info:
        write_atomic(tmp_path / "not-a-folder" / "sub" / "brochure.pdf", NEW)
    assert info.value.exit_code == EXIT_CANT_CREATE
    assert (tmp_path / "not-a-folder").read_bytes() == b"x"


def test_folder_that_is_a_file(tmp_path):
    (tmp_path / "not-a-folder").write_bytes(b"x")
    with pytest.raises(OutputError) as info:
        write_atomic(tmp_path / "not-a-folder" / "brochure.pdf", NEW)
    assert info.value.exit_code == EXIT_CANT_CREATE
    assert (tmp_path / "not-a-folder").read_bytes() == b"x"


# --- check_target --------------------------------------------------------------------------------

def test_check_target_accepts_a_new_file_and_an_unrelated_existing_one(tmp_path, existing):
    source = tmp_path / "event.yaml"
    source.write_text("event: {}\n")
    check_target(tmp_path / "new.pdf", [source])
    check_target(existing, [source])
    check_target(tmp_path / "sub" / "new.pdf", [source, tmp_path / "missing-input.png"])


def test_check_target_refuses_a_folder(tmp_path):
    with pytest.raises(OutputError) as info:
        check_target(tmp_path, [])
    assert info.value.exit_code == EXIT_CANT_CREATE
    assert "folder" in str(info.value)


def test_check_target_refuses_the_input_file(tmp_path):
    source = tmp_path / "event.yaml"
    source.write_text("event: {}\n")
    with pytest.raises(OutputError) as info:
        check_target(source, [source])
    assert info.value.exit_code == EXIT_CANT_CREATE
    assert "input file" in str(info.value)
    assert source.read_text() == "event: {}\n"


def test_check_target_refuses_the_input_under_another_spelling(tmp_path, monkeypatch):
    source = tmp_path / "event.yaml"
    source.write_text("event: {}\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    with pytest.raises(OutputError):
        check_target(source.__class__("../event.yaml"), [source])


def test_check_target_refuses_the_input_through_a_symlink(tmp_path):
    source = tmp_path / "event.yaml"
    source.write_text("event: {}\n")
    link = tmp_path / "brochure.pdf"
    link.symlink_to(source)
    with pytest.raises(OutputError) as info:
        check_target(link, [source])
    assert info.value.exit_code == EXIT_CANT_CREATE
    # … and the other way round: the input given through the link.
    with pytest.raises(OutputError):
        check_target(source, [link])


def test_check_target_refuses_a_hard_link_to_an_input(tmp_path):
    source = tmp_path / "logo.png"
    source.write_bytes(b"\x89PNG")
    os.link(source, tmp_path / "brochure.pdf")
    with pytest.raises(OutputError):
        check_target(tmp_path / "brochure.pdf", [tmp_path / "event.yaml", source])


def test_check_target_refuses_a_parent_that_is_a_file(tmp_path):
    (tmp_path / "not-a-folder").write_bytes(b"x")
    with pytest.raises(OutputError) as info:
        check_target(tmp_path / "not-a-folder" / "brochure.pdf", [])
    assert info.value.exit_code == EXIT_CANT_CREATE
