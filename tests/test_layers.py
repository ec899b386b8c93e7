"""Data flows one way, and each layer imports only the layers below it: the rules import no other part
of tallyroom; the store knows nothing of importers, the night, copy or the web; nothing takes from the
store what belongs to the rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "tallyroom"

BELOW = {
    "rules": {"rules"},
    "store": {"rules", "store", "delivery", "errors"},
    "importers": {"rules", "importers", "delivery", "errors", "reference"},
}
"""For each layer, the parts of tallyroom its modules may import."""


def imports(module: Path) -> set[tuple[str, str]]:
    """(module, name) for every `from tallyroom... import name` and `import tallyroom...` in a file."""
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tallyroom"):
            found |= {(node.module or "", alias.name) for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {(alias.name, "") for alias in node.names if alias.name.startswith("tallyroom")}
    return found


@pytest.mark.parametrize("layer", sorted(BELOW))
def test_a_layer_imports_only_what_is_below_it(layer: str) -> None:
    for module in sorted((PACKAGE / layer).rglob("*.py")):
        for name, _ in imports(module):
            part = name.split(".")[1] if "." in name else ""
            assert part in BELOW[layer], f"{module.relative_to(PACKAGE)} imports {name}"


def test_the_ballot_id_is_taken_from_the_rules_alone() -> None:
    for module in sorted(PACKAGE.rglob("*.py")):
        for name, imported in imports(module):
            if imported == "ballot_id":
                where = module.relative_to(PACKAGE)
                assert name == "tallyroom.rules.ballots", f"{where} takes it from {name}"
