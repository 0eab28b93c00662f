"""Issue 18, "Nothing silently dropped": lists written in a body are typeset and tagged as
lists; what a body asks for that the brochure cannot make is refused at its field's line."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
import yaml

from inprocess import run_in_process
from kennisdag_pdf.accessibility import check_tags, tree_lines, validate_ua

DATA = Path(__file__).resolve().parent.parent / "data"
CLOSING_WITH_LISTS = (
    "Wat we meenemen:\n\n"
    "- sociale media vragen *tijd* en aandacht;\n"
    "- een richtlijn helpt,\n  ook als die kort is;\n  - zelfs een pagina is genoeg\n"
    "- luister eerst, zend daarna.\n\n"
    "De drie stappen:\n\n"
    "1. Luisteren.\n2. Reageren met [een link](https://example.org/stappen).\n3. Meten.\n\n"
    "Tot slot.")


def event_with_closing(folder: Path, closing: str) -> Path:
    shutil.copytree(DATA / "assets", folder / "assets")
    day = yaml.safe_load((DATA / "kennisdag-2011.yaml").read_text(encoding="utf-8"))
    day["closing"] = closing
    path = folder / "event.yaml"
    path.write_text(yaml.safe_dump(day, allow_unicode=True, sort_keys=False, width=100),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("lists")
    event = event_with_closing(folder, CLOSING_WITH_LISTS)
    out = {}
    for profile in ("screen", "print"):
        pdf = folder / f"{profile}.pdf"
        done = run_in_process(["-q", "build", event, "--profile", profile, "-o", pdf])
        assert done.returncode == 0, done.stderr
        out[profile] = pdf.read_bytes()
    return out


def page_with(pdf: bytes, words: str) -> tuple[int, str]:
    document = pypdfium2.PdfDocument(pdf)
    for number in range(len(document)):
        found = document[number].get_textpage().get_text_range()
        if words in found:
            return number, found
    raise AssertionError(f"{words!r} on no page")


def test_a_bulleted_list_is_set_as_bullets_and_a_numbered_one_with_its_numbers(built):
    _, found = page_with(built["screen"], "Luisteren.")
    lines = [" ".join(line.split()) for line in found.splitlines()]
    assert "1. Luisteren." in lines and "3. Meten." in lines
    _, found = page_with(built["screen"], "zelfs een pagina")
    lines = [" ".join(line.split()) for line in found.splitlines()]
    assert "• sociale media vragen tijd en aandacht;" in lines
    assert "• zelfs een pagina is genoeg" in lines  # the item within an item
    assert not any(line.startswith("- ") for line in lines)  # no Markdown left over


def test_the_introduction_of_a_list_stays_with_its_first_item(built):
    page, _ = page_with(built["screen"], "De drie stappen:")
    assert page_with(built["screen"], "Luisteren.")[0] == page


def list_numbering(pdf: pikepdf.Pdf) -> list[str]:
    """Each list's /ListNumbering, in the order of the structure tree."""
    found = []
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        element = stack.pop()
        if element.get("/S") == "/L":
            found.append(str(element.A.ListNumbering))
        kids = element.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids]
        stack += reversed([k for k in kids if isinstance(k, pikepdf.Dictionary)
                           and "/S" in k])
    return found


def test_a_written_list_is_a_tagged_list_and_the_file_is_approved(built):
    with pikepdf.open(io.BytesIO(built["screen"])) as pdf:
        assert check_tags(pdf) == []
        tree = tree_lines(pdf)
        numbering = list_numbering(pdf)
    assert validate_ua(built["screen"]) == []
    # The untreated theses (None), the conclusions (Disc), and in the closing words a
    # bulleted list, the list within its second item, and a numbered list.
    assert numbering == ["/None", "/Disc", "/Disc", "/Disc", "/Decimal"]
    items = [line for line in tree if line.strip().startswith("LI")]
    labels = [line for line in tree if line.strip().startswith("Lbl [")]
    assert len(items) == len(labels)  # every item's bullet or number is its label


def test_a_printed_list_item_gets_its_links_qr_code(built):
    _, found = page_with(built["print"], "Reageren met")
    assert "example.org/stappen" in found


@pytest.mark.parametrize("closing, said", [
    ("Zie de [notitie](example.org/notitie).",
     "write [notitie](https://example.org/notitie)"),
    ("Intro.\n\n# Nog een hoofdstuk\n\nTekst.", "is a Markdown heading"),
    ("![De zaal](https://example.org/zaal.jpg)", "put the picture under photos:"),
    ("Zie [het verslag][1].", "refers to a link '1' that is not defined"),
    ("Mail ons via <example.org>.", "write <https://example.org>"),
])
def test_what_a_body_cannot_have_is_refused_at_its_line(tmp_path, closing, said):
    event = event_with_closing(tmp_path, closing)
    lines = event.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("closing:"))
    for command in (["validate", event], ["build", event, "-o", tmp_path / "x.pdf"]):
        done = run_in_process(command)
        assert done.returncode == 2, done.stdout + done.stderr
        [message] = done.stderr.strip().splitlines()
        assert message.startswith(f"{event}:{line}:") and " closing: " in message
        assert said in message and "Traceback" not in done.stderr
    assert not (tmp_path / "x.pdf").exists()
