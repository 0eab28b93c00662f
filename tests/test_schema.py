"""The exported JSON Schema describes the same format the loader accepts."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest
import yaml
from conftest import DATA

from kennisdag_pdf.model import ALT_MAX
from kennisdag_pdf.schema import json_schema


def as_json(value):
    """What an editor's YAML plugin sees: dates are text in JSON."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def validator():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("name", ["kennisdag-2011.yaml", "example-en.yaml"])
def test_the_data_files_satisfy_the_schema(validator, name):
    data = as_json(yaml.safe_load((DATA / name).read_text(encoding="utf-8")))
    assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d["event"].pop("title"), "title"),
    (lambda d: d["event"].__setitem__("language", "fr"), "fr"),
    (lambda d: d.__setitem__("deelnemers", []), "deelnemers"),
    (lambda d: d["participants"][0].__setitem__("host", "misschien"), "misschien"),
    (lambda d: d["event"].__setitem__("date", "07-04-2011"), "07-04-2011"),
    (lambda d: d["event"].__setitem__("cover_image_alt", "Long" + "x" * (ALT_MAX - 3)), "'Long"),
    (lambda d: d["event"]["organisers"][0].__setitem__("alt", "Logo"), "'alt'"),
])
def test_the_schema_refuses_what_the_loader_refuses(validator, mutate, where):
    data = as_json(yaml.safe_load((DATA / "kennisdag-2011.yaml").read_text(encoding="utf-8")))
    mutate(data)
    messages = [e.message for e in validator.iter_errors(data)]
    assert messages and any(where in m for m in messages), messages


def test_the_schema_accepts_a_description_beside_every_image(validator):
    data = as_json(yaml.safe_load((DATA / "example-en.yaml").read_text(encoding="utf-8")))
    data["event"]["organisers"][0]["logo_alt"] = "A blue lighthouse above the name"
    data["event"]["cover_image"] = "assets/cover.jpg"
    data["event"]["cover_image_alt"] = "x" * ALT_MAX
    data["photos"][0]["alt"] = "Shelves of books under a glass roof."
    assert list(validator.iter_errors(data)) == []
