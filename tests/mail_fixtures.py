"""Session fixtures of the mail tests, loaded with `pytest_plugins = ["mail_fixtures"]` so
that every mail test module shares one screen brochure and one test CA; and a keyring in
memory for the tests that want one (conftest keeps every other from any keyring)."""

from __future__ import annotations

import pytest
from mail_helpers import LOOPBACK, LoopbackCA


@pytest.fixture(scope="session")
def screen_2011(tmp_path_factory):
    """The 2011 screen brochure as build makes it: what every message must carry intact."""
    from conftest import finish_to

    return finish_to(tmp_path_factory.mktemp("mail-screen"), "kennisdag-2011.yaml", "screen")


@pytest.fixture(scope="session")
def loopback_ca(tmp_path_factory) -> LoopbackCA:
    """A throwaway CA made by trustme, and a server certificate it signed."""
    import trustme

    ca = trustme.CA()
    cafile = tmp_path_factory.mktemp("ca") / "test-ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return LoopbackCA(ca.issue_cert(LOOPBACK, "localhost"), cafile)


@pytest.fixture()
def memory_keyring():
    """A system keyring in memory, as keyring's backends are made (KeyringBackend), set as
    the keyring for one test; `limit` makes it refuse longer values, as Windows' does."""
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.backends import fail
    from keyring.errors import PasswordDeleteError, PasswordSetError

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self.values: dict[tuple[str, str], str] = {}
            self.limit: int | None = None

        def get_password(self, service, username):
            return self.values.get((service, username))

        def set_password(self, service, username, password):
            if self.limit is not None and len(password) > self.limit:
                raise PasswordSetError(f"longer than {self.limit} characters")
            self.values[(service, username)] = password

        def delete_password(self, service, username):
            if self.values.pop((service, username), None) is None:
                raise PasswordDeleteError("not there")

    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        yield memory
    finally:
        keyring.set_keyring(fail.Keyring())
