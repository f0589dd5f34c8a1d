"""The shape of idp/: modules split by concern, and packages in layers.

Every import counts, inside functions and under TYPE_CHECKING too: a cycle
hidden there is still two packages that cannot be read, or moved, one at a time.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import idp

ROOT = Path(idp.__file__).parent
MAX_LINES = 300
#: The domains' layers, lowest first: each imports only those below it.
LAYER = {
    "events": 0,
    "audit": 0,
    "changes": 0,
    "accounts": 1,
    "credentials": 2,
    "oauth": 3,
    "webhooks": 4,
    "admin": 5,
    "console": 6,
}


def _modules() -> list[Path]:
    return [path for path in ROOT.rglob("*.py") if "migrations" not in path.parts]


def _part(path: Path) -> str:
    """The package (or top-level module) of idp that ``path`` belongs to."""
    first = path.relative_to(ROOT).parts[0]
    return first.removesuffix(".py")


def _imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "idp":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "idp."
        ):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("idp.")
            )
    return found


def test_no_module_is_over_300_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_packages_of_idp_import_each_other_in_layers():
    graph: dict[str, set[str]] = {}
    for path in _modules():
        part = _part(path)
        if part == "__init__":  # create_app wires every part together
            continue
        graph.setdefault(part, set()).update(_imported(path) - {part})
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        raise AssertionError(f"these import each other: {error.args[1]}") from None
    climbing = {
        (part, other)
        for part, imported in graph.items()
        for other in imported
        if part in LAYER and LAYER.get(other, -1) > LAYER[part]
    }
    assert climbing == set(), "a domain imports one above it (idp.events names them)"
