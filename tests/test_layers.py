"""The package layout is the architecture: each layer imports only the layers below it (no cycles)."""

from __future__ import annotations

import ast

from tests.conftest import REPO

# Lower rank first; a module may import its own layer and any lower one, never a higher one.
LAYERS = {
    "errors": 0, "config": 1, "text": 2, "bank": 3, "index": 4, "search": 5,
    "evaluation": 6, "practice": 6, "service": 7, "cli": 8,
}  # fmt: skip
PACKAGE = REPO / "rag"


def _layer(module: str) -> str:
    """The top-level part of ``rag`` a dotted module name (relative to ``rag``) belongs to."""
    return module.split(".")[0]


def _imports(text: str, where: tuple[str, ...]) -> set[str]:
    """The rag modules a file imports, as dotted names relative to ``rag``; ``where`` is the file's
    path parts below ``rag/`` without ``.py`` (``("bank", "corpus")``)."""
    package = where[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            elif (node.module or "").startswith("rag."):
                target = node.module.removeprefix("rag.")
            else:
                continue
            if target:
                found.add(target)
    return found


def _upward(text: str, where: tuple[str, ...]) -> list[str]:
    """The imports of a file that reach a layer above its own."""
    own = where[0]
    return sorted(t for t in _imports(text, where) if LAYERS[_layer(t)] > LAYERS[own])


def test_every_module_belongs_to_a_named_layer():
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.rglob("*.py")}
    assert tops - {"__init__", "__main__"} == set(LAYERS)


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        where = path.relative_to(PACKAGE).with_suffix("").parts
        if where[0] in ("__init__", "__main__"):
            continue
        text = path.read_text(encoding="utf-8")
        upward += [f"{path.relative_to(REPO)} imports rag.{t}" for t in _upward(text, where)]
    assert upward == []


def test_the_check_sees_an_upward_import():
    text = (PACKAGE / "bank" / "corpus.py").read_text(encoding="utf-8")
    assert _upward(text, ("bank", "corpus")) == []
    assert _upward(text + "\nfrom ..index.store import load_index\n", ("bank", "corpus")) == ["index.store"]
    assert _upward("from rag.cli.main import main\n", ("search", "ranking")) == ["cli.main"]
