"""The package's layers, as the README's "How it is built" names them, hold: no module imports
one in a layer above it, and no modules import each other in a circle.

Every import counts, a function's local import too (the commands import lazily to start fast),
so the graph is read from the source with `ast` rather than from what happens to be loaded.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kennisdag_pdf"

# Lowest first. A module belongs to the layer of the longest name below that matches it.
LAYERS = [
    ("foundations", ["kennisdag_pdf", "units", "paper", "reading", "errors", "i18n", "cache",
                     "crashpoints", "output", "resources", "profiles"]),
    ("loading", ["sourcemap", "text", "model", "schema", "eventyaml", "messages", "assets",
                 "loader"]),
    ("layout", ["truetype", "fonts", "hyphenation", "theme", "images", "checks", "flowables",
                "tagging", "parts", "document", "compose"]),
    ("rendering and finishing", ["render", "published", "pdfa", "pdfin", "preflight", "finish",
                                 "impose", "preview", "accessibility", "pdfx", "inks"]),
    ("delivery", ["isolation", "mail", "archive", "catalogue", "new", "watch"]),
    ("commands", ["build", "foreign", "mail.run"]),
    ("command line", ["cli"]),
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c in modules and c != name)
    return found


def _layer(module: str) -> int:
    short = module.removeprefix("kennisdag_pdf.")
    best = None
    for rank, (_, names) in enumerate(LAYERS):
        for prefix in names:
            if short == prefix or short.startswith(prefix + ".") or module == prefix:
                if best is None or len(prefix) > best[1]:
                    best = (rank, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS and the README"
    return best[0]


GRAPH = {name: _imports(name, path, _modules()) for name, path in _modules().items()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_a_layer_above_its_own(module):
    mine = _layer(module)
    above = sorted(other for other in GRAPH[module] if _layer(other) > mine)
    assert not above, (f"{module} ({LAYERS[mine][0]}) imports "
                       + ", ".join(f"{o} ({LAYERS[_layer(o)][0]})" for o in above))


def test_no_import_cycle():
    seen: dict[str, int] = {}  # 1: on the path being walked, 2: done

    def walk(module: str, path: list[str]) -> None:
        seen[module] = 1
        for other in sorted(GRAPH[module]):
            if seen.get(other) == 1:
                cycle = path[path.index(other):] + [other]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if other not in seen:
                walk(other, path + [other])
        seen[module] = 2

    for module in sorted(GRAPH):
        if module not in seen:
            walk(module, [module])


def test_the_layer_test_sees_an_upward_import(tmp_path, monkeypatch):
    # not blind: a foundation that imports the command line is caught
    assert _layer("kennisdag_pdf.units") < _layer("kennisdag_pdf.cli")
    assert _layer("kennisdag_pdf.mail.run") > _layer("kennisdag_pdf.mail.journal")
    monkeypatch.setitem(GRAPH, "kennisdag_pdf.units", {"kennisdag_pdf.cli"})
    with pytest.raises(AssertionError, match="imports kennisdag_pdf.cli"):
        test_no_module_imports_a_layer_above_its_own("kennisdag_pdf.units")
    monkeypatch.setitem(GRAPH, "kennisdag_pdf.errors", {"kennisdag_pdf.units"})
    monkeypatch.setitem(GRAPH, "kennisdag_pdf.units", {"kennisdag_pdf.errors"})
    with pytest.raises(AssertionError, match="import cycle"):
        test_no_import_cycle()


def test_the_readme_names_every_module_in_its_layer():
    """The README's layer table and LAYERS agree, and every module of the package is in it."""
    import re

    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| layer | modules |"):]
    table = table[:table.index("\n\n")]
    named = {}
    for row in table.splitlines()[2:]:
        layer, modules = (cell.strip() for cell in row.strip("|").split("|"))
        for name in re.findall(r"`([^`]+)`", modules):
            named[name.removesuffix(".py").removesuffix("/").replace("/", ".")] = layer
    for name in sorted(GRAPH):
        short = name.removeprefix("kennisdag_pdf.")
        if short == "kennisdag_pdf":
            continue
        listed = next((n for n in sorted(named, key=len, reverse=True)
                       if short == n or short.startswith(n + ".")), None)
        assert listed is not None, f"{short} is missing from the README's layer table"
        assert named[listed] == LAYERS[_layer(name)][0], \
            f"{short}: the README says {named[listed]}, LAYERS {LAYERS[_layer(name)][0]}"
    modules = readme[readme.index("| module | what it does |"):]
    modules = modules[:modules.index("\n\n")]
    described = set(re.findall(r"`([\w/]+\.py|\w+/)`", modules))
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name != "__init__.py":
            assert path.name in described, f"{path.name} has no row in the README's module table"
