"""The layering contract, checked over the import graph of govhub/ (every import, also those inside functions): a
module imports only its own layer or layers below it, so pages → state → domains → core → models stays true."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "govhub"

LAYERS: list[tuple[str, ...]] = [  # top to bottom
    ("govhub.govhub", "govhub.cli"),
    ("govhub.pages", "govhub.components"),
    ("govhub.state", "govhub.realtime"),
    ("govhub.api", "govhub.jobs", "govhub.auth"),
    ("govhub.demo",),
    ("govhub.services",),
    ("govhub.services.core",),
    ("govhub.models", "govhub.db", "govhub.config", "govhub.i18n", "govhub.routes", "govhub.migrations",
     "govhub.data", "govhub"),
]
NO_FRAMEWORK = ("govhub.services", "govhub.models", "govhub.demo")  # plain Python: no Reflex, no web framework
FRAMEWORKS = ("reflex", "reflex_base", "starlette")


def layer_of(module: str) -> int:
    """The index of the layer holding ``module`` (the longest matching prefix decides)."""
    best, index = -1, len(LAYERS) - 1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, index = len(name), i
    return index


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # ``from pkg import module``
    return found


def violations(graph: dict[str, set[str]], known: set[str]) -> list[str]:
    """Every edge that goes up a layer, and every framework import below the state layer."""
    out = []
    for importer, imported in sorted(graph.items()):
        for target in sorted(imported):
            if target.split(".")[0] in FRAMEWORKS and importer.startswith(NO_FRAMEWORK):
                out.append(f"{importer} imports {target}")
            elif target in known and layer_of(target) < layer_of(importer):
                out.append(f"{importer} (layer {layer_of(importer)}) imports {target} (layer {layer_of(target)})")
    return out


def test_no_module_imports_a_layer_above_it() -> None:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: imports_of(path) for name, path in modules.items()}
    assert violations(graph, set(modules)) == []


def test_the_contract_can_fail() -> None:
    graph = {"govhub.services.tasks.actions": {"govhub.state.tasks", "reflex"},
             "govhub.models.task": {"govhub.services.core.audit"},
             "govhub.state.tasks": {"govhub.services.tasks.actions"}}
    known = {*graph, "govhub.services.core.audit"}
    assert violations(graph, known) == [
        "govhub.models.task (layer 7) imports govhub.services.core.audit (layer 6)",
        "govhub.services.tasks.actions (layer 5) imports govhub.state.tasks (layer 2)",
        "govhub.services.tasks.actions imports reflex",
    ]
