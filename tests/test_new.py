"""`kennisdag-pdf new`: a folder a new organiser can start from, in both languages."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from test_schema import as_json

from kennisdag_pdf.errors import OutputError
from kennisdag_pdf.loader import load
from kennisdag_pdf.new import TEMPLATES, create, event_id
from kennisdag_pdf.render import render

OPTIONAL = re.compile(r"^(\s*)# (?=[a-z_]+:|- |  )")  # a commented-out field, not prose


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_new_event_builds_at_once(tmp_path, language):
    folder = tmp_path / "Kennisdag Zomer 2026"
    written = create(folder, language, today=dt.date(2026, 6, 12))
    names = sorted(p.relative_to(folder).as_posix() for p in written)
    assert names == ["assets/README.txt", "event.yaml", "kennisdag.schema.json", "mail.yaml",
                     "recipients.csv"]
    text = (folder / "event.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=kennisdag.schema.json"
    loaded = load(folder / "event.yaml")
    event = loaded.day.event
    assert (event.id, event.language, event.date) == ("kennisdag-zomer-2026", language,
                                                     dt.date(2026, 6, 12))
    assert render(loaded).pages >= 6
    schema = json.loads((folder / "kennisdag.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(as_json(yaml.safe_load(text)), schema)
    assert (folder / "recipients.csv").read_text().startswith("name,email,language,salutation")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_optional_field_is_shown_and_valid_once_uncommented(tmp_path, language):
    """Removing the '# ' of the commented-out fields gives a valid file with every field."""
    template = (TEMPLATES / f"event-{language}.yaml").read_text(encoding="utf-8").splitlines()
    start = template.index("event:")  # the header above it is prose
    lines = template[:start] + [OPTIONAL.sub(r"\1", line) for line in template[start:]]
    data = yaml.safe_load("\n".join(lines).replace("__ID__", "x").replace("__DATE__",
                                                                         "2026-01-01"))
    from kennisdag_pdf.model import Event, KnowledgeDay

    assert set(data) == set(KnowledgeDay.model_fields)
    assert set(data["event"]) == set(Event.model_fields)
    participant = data["participants"][-1]
    assert {"name", "organisation", "host", "sort_as"} <= set(participant)
    # Valid but for the images, which the organiser still has to add.
    from pydantic import ValidationError

    try:
        KnowledgeDay.model_validate(data)
    except ValidationError as exc:  # pragma: no cover - shows what is wrong
        pytest.fail(str(exc))


def test_new_never_overwrites(tmp_path):
    folder = tmp_path / "event"
    create(folder, "nl")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(OutputError, match="already exists and is not an empty folder"):
        create(folder, "en")
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError):
        create(tmp_path / "file", "nl")
    assert (tmp_path / "file").read_text() == "x"


def test_new_on_a_taken_folder_suggests_a_free_name(tmp_path, monkeypatch):
    import io

    from kennisdag_pdf.cli import run

    monkeypatch.chdir(tmp_path)
    assert run(["new", "my-day", "--language", "nl"], stdout=io.StringIO()) == 0
    before = (tmp_path / "my-day" / "event.yaml").read_bytes()
    err = io.StringIO()
    assert run(["new", "my-day", "--language", "en"], stderr=err) == 73
    assert err.getvalue() == ("my-day: already exists and is not an empty folder; nothing was "
                              "changed: choose a new name, such as my-day-en\n")
    for language, free in (("en", "my-day-en"), ("en", "my-day-2"), ("nl", "my-day-nl"),
                           ("nl", "my-day-3")):
        with pytest.raises(OutputError, match=f"such as {free}$"):
            create(Path("my-day"), language)
        create(Path(free), language)  # the suggestion is free: taking it works
    assert (tmp_path / "my-day" / "event.yaml").read_bytes() == before
    (tmp_path / "empty").mkdir()
    create(Path("empty"), "en")  # an empty folder is free
    monkeypatch.chdir(tmp_path / "my-day")
    with pytest.raises(OutputError, match="such as ../my-day-4$"):
        create(Path("."), "en")


@pytest.mark.parametrize("name, slug", [("Kennisdag 2026", "kennisdag-2026"),
                                        ("  Été à Zürich!  ", "t-z-rich"), ("---", "kennisdag")])
def test_event_id_from_the_folder_name(tmp_path, name, slug):
    assert event_id(tmp_path / name) == slug


def test_every_language_has_a_template():
    from kennisdag_pdf.i18n import LANGUAGES

    assert {p.stem.removeprefix("event-") for p in TEMPLATES.glob("event-*.yaml")} == set(LANGUAGES)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_new_event_can_be_mailed_at_once(tmp_path, language):
    """mail.yaml and recipients.csv beside each other: the dry run works without edits, and
    everything the template leaves commented out is a valid key when uncommented."""
    import subprocess
    import sys

    from kennisdag_pdf.mail.settings import read_settings

    folder = tmp_path / "day"
    create(folder, language)
    result = subprocess.run(
        [sys.executable, "-c", "from kennisdag_pdf.cli import main; main()", "mail",
         str(folder / "event.yaml"), "-r", str(folder / "recipients.csv"), "-o",
         str(tmp_path / "outbox")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3
    text = (folder / "mail.yaml").read_text(encoding="utf-8")
    uncommented = "\n".join(_uncomment(line) for line in text.splitlines()
                            if not line.startswith("# ") or re.match(r"# ( |[a-z_]+:)", line))
    (folder / "mail.yaml").write_text(uncommented, encoding="utf-8")
    settings = read_settings(folder)
    assert settings.sender is not None and settings.reply_to is not None
    assert set(settings.texts) == {"nl", "en"}
    assert "{salutation}" in settings.text(language, "body")


def _uncomment(line: str) -> str:
    """A commented-out line of a template as it reads when the user removes the '# '."""
    return "" if line == "#" else re.sub(r"^# ", "", line)
