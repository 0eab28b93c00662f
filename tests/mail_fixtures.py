"""Session fixtures of the mail tests, loaded with `pytest_plugins = ["mail_fixtures"]` so
that every mail test module shares one screen brochure and one test CA."""

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
