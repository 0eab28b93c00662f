"""Security regressions: user text never becomes markup or code, builds never touch the
network, and the files a build may read stay inside the event's folder.

Each payload here once did harm in a tool like ours (ReportLab's own CVEs among them); every
test runs the real command line, in every profile, and checks the printed text or the
absence of a side effect.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
import yaml

from conftest import DATA, page_texts, squash
from inprocess import run_in_process


# CVE-2023-33733: ReportLab < 3.6.13 evaluated a colour attribute as Python
# (rl_safe_eval); this is the published proof of concept, made harmless: it would create
# a file named `pwned` in the working folder.
CVE_2023_33733 = ("<para><font color=\"[[[getattr(pow, Word('__globals__'))['os']"
                  ".system('touch pwned') for Word in [ orgTypeFun( 'Word', (str,), { "
                  "'mutated': 1, 'startswith': lambda self, x: 1 == 0, '__eq__': lambda "
                  "self, x: self.mutate() and self.mutated < 0 and str(self) == x, "
                  "'mutate': lambda self: { setattr(self, 'mutated', self.mutated - 1) }, "
                  "'__hash__': lambda self: hash(str(self)), }, ) ] ] for orgTypeFun in "
                  "[type(type(1))] for none in [[].append(1)]]] and 'red'\">exploit"
                  "</font></para>")

PAYLOADS = {
    "cve-2023-33733-colour-expression": CVE_2023_33733,
    "image-tag-fetching-a-url": '<img src="http://127.0.0.1:9/x.png" width="10" height="10"/>',
    "link-to-javascript": '<a href="javascript:alert(1)">klik</a>',
    "huge-font": '<font size="100000">groot</font>',
    "entities": "&amp; &lt;b&gt; &#x26; &unknown;",
    "unclosed-tags": "<b><i>open <u>einde",
    "document-for-local-file": '<link href="file:///etc/passwd">pw</link>',
}


def _event(folder: Path, text: str, url: str = "https://example.org/fotos") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    day = {
        "event": {"id": "veilig", "title": "Veiligheid", "date": "2024-05-01", "venue": "Zaal",
                  "city": "Utrecht", "language": "nl", "organisers": [{"name": "Gemeente"}],
                  "photos_url": url},
        "participants": [{"name": text[:600], "organisation": "Test"}],
        "theses": [{"statement": text[:600], "body": f"Voor: {text}\n\nNa."}],
        "photos_note": "De foto's staan online.",
    }
    path = folder / "event.yaml"
    path.write_text(yaml.safe_dump(day, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _build(event: Path, profile: str, target: Path, env: dict | None = None):
    return run_in_process(["build", event, "-p", profile, "-o", target], cwd=event.parent,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_markup_payloads_print_literally(tmp_path, name):
    payload = PAYLOADS[name]
    event = _event(tmp_path / "event", payload)
    result = _build(event, "screen", tmp_path / "out.pdf")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "event" / "pwned").exists()
    text = squash(" ".join(page_texts((tmp_path / "out.pdf").read_bytes())))
    assert squash(payload[:60]) in text, (payload[:60], text[:400])


class _Listener:
    """A TCP listener on loopback that counts every connection made to it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def listener():
    watching = _Listener()
    yield watching
    watching.close()


@pytest.mark.parametrize("profile", ["screen", "print", "archive"])
def test_a_build_never_connects_anywhere(tmp_path, listener, profile):
    """Every address in the data points at a listener, and every proxy setting too: a build
    that fetched anything (an image, a link check, a font) would knock."""
    here = f"http://127.0.0.1:{listener.port}"
    text = (f'Zie <img src="{here}/beeld.png"/> en [de site]({here}/pagina) en '
            f'<a href="{here}/a">a</a>.')
    event = _event(tmp_path / "event", text, url=f"{here}/fotos")
    proxies = {name: here for name in ("http_proxy", "https_proxy", "HTTP_PROXY",
                                       "HTTPS_PROXY", "ALL_PROXY")}
    result = _build(event, profile, tmp_path / "out.pdf", env=proxies)
    assert result.returncode == 0, result.stderr
    assert listener.connections == 0


def test_the_listener_would_see_a_connection(listener):
    """The network test can fail: a connection to the listener is counted."""
    import time

    with socket.create_connection(("127.0.0.1", listener.port), timeout=2):
        pass
    deadline = time.monotonic() + 2
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert listener.connections == 1


def test_no_socket_is_opened_in_process(tmp_path, monkeypatch):
    """Belt and braces: with socket creation forbidden, the whole pipeline still runs."""
    from kennisdag_pdf.build import rendered_from
    from kennisdag_pdf.finish import finish
    from kennisdag_pdf.loader import load
    from kennisdag_pdf.profiles import PROFILES
    from kennisdag_pdf.render import render

    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    loaded = load(folder / "example-en.yaml")

    def refused(*args, **kwargs):
        raise AssertionError("a build opened a socket")

    monkeypatch.setattr(socket, "socket", refused)
    monkeypatch.setattr(socket, "create_connection", refused)
    for profile in ("screen", "print", "archive"):
        chosen = PROFILES[profile]
        event, source = rendered_from(loaded, chosen)
        finish(render(event, chosen, "a5"), event, name="x.pdf", source=source)


@pytest.mark.parametrize("field, value", [
    ("logo", "../buiten.png"),
    ("logo", "/etc/passwd"),
    ("logo", "assets/../../buiten.png"),
])
def test_asset_paths_cannot_leave_the_event_folder(tmp_path, field, value):
    from PIL import Image

    Image.new("RGB", (40, 20), "red").save(tmp_path / "buiten.png")
    event = _event(tmp_path / "event", "Gewone tekst.")
    day = yaml.safe_load(event.read_text(encoding="utf-8"))
    day["event"]["organisers"][0][field] = value
    event.write_text(yaml.safe_dump(day, allow_unicode=True), encoding="utf-8")
    result = _build(event, "screen", tmp_path / "out.pdf")
    assert result.returncode == 2
    assert "event.organisers[0].logo" in result.stderr
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize("yaml_text", [
    "event: !!python/object/apply:os.system ['touch pwned']\n",
    "event: &a {id: x}\nlead: *a\n",
    "event: !kennis x\n",
])
def test_yaml_tags_and_aliases_are_refused(tmp_path, yaml_text):
    (tmp_path / "event.yaml").write_text(yaml_text, encoding="utf-8")
    result = run_in_process(["validate", "event.yaml"], cwd=tmp_path)
    assert result.returncode == 2
    assert "event.yaml:1:" in result.stderr or "event.yaml:2:" in result.stderr
    assert not (tmp_path / "pwned").exists()
