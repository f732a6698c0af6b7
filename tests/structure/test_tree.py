"""The tree says where a rule lives: areas as packages, no import cycles (function-level imports included),
no module too long to read without a reason, one clock."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "roombook"
WIRING = {"__init__", "config", "db", "clock", "i18n", "security", "cli", "jobs", "backup"}
LONG = 400


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every app module `name` imports, at any depth of the file (a function's imports count too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # imports for type checkers only never run, so they make no cycle
    typing_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                   for inner in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not (path.name == "__init__.py" and target.startswith(name + ".")):
                edges.add(target)
    return edges


def test_no_import_cycle_among_the_apps_modules():
    found = modules()
    graph = {name: imports_of(name, path, set(found)) for name, path in found.items()}
    # a module importing a package imports that package's __init__ only; the package's own submodules
    # importing back into their package are edges like any other
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == [], "\n".join(" → ".join(cycle) for cycle in cycles)


def test_the_top_level_holds_only_wiring_modules_and_area_packages():
    loose = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem not in WIRING)
    assert loose == []


def test_outside_models_web_and_api_no_two_modules_share_a_name():
    seen: dict[str, list[str]] = {}
    for name, path in modules().items():
        if path.name == "__init__.py" or name.split(".")[1] in {"models", "web", "api"}:
            continue
        seen.setdefault(path.stem, []).append(name)
    assert {stem: names for stem, names in seen.items() if len(names) > 1} == {}


def test_a_long_module_says_why_at_its_top():
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG:
            assert "Longer than" in text[:1500], f"{name}: {text.count(chr(10))} lines and no reason at its top"


CLOCK_CALL = re.compile(r"\b(?:date\.today|datetime\.now|datetime\.utcnow|(?<![\w.])utcnow)\(")


@pytest.mark.parametrize("name", sorted(n for n in modules() if n != "roombook.clock"))
def test_only_the_clock_asks_the_system_for_the_time(name):
    source = modules()[name].read_text(encoding="utf-8")
    calls = [line.strip() for line in source.splitlines()
             if CLOCK_CALL.search(line) and not line.lstrip().startswith(("def ", "#"))]
    assert calls == [], f"{name} asks the system clock; ask roombook.clock instead"
