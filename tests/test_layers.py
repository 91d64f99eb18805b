"""The direction of imports between the packages of ``partnercrm/`` (docs/architecture.md).

A package imports only its own layer and the layers below; domains of one layer import each
other one way only. The access rules of a domain (``access/<domain>.py``) belong to that domain,
``access/base.py`` to Base. Read from the source with ``ast``, so a new upward import fails here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "partnercrm"

# Top to bottom: a package may import its own layer and every layer below it.
LAYERS: dict[str, set[str]] = {
    "entry": {"__init__", "app", "cli", "console", "models", "gunicorn_conf"},
    "roof": {"admin", "demo", "feeds", "operations", "dashboard"},
    "reports": {"indicators", "monitoring", "profminimum", "programmes"},
    "partners": {"offers", "jobs", "portal", "agreements", "series"},
    "records": {"activities", "students", "imports"},
    "base": {"accounts", "directory", "roadmap", "audit", "access.base"},
    "web": {"web"},
    "ground": {
        "extensions",
        "commands",
        "database",
        "config",
        "errors",
        "localtime",
        "spreadsheets",
        "mail",
        "uploads",
        "plausible",
        "pdfs",
        "data",
    },
}
ENTRY = LAYERS["entry"]
RANK = {node: rank for rank, nodes in enumerate(reversed(LAYERS.values())) for node in nodes}
# access/<module>.py → the package whose rules it holds.
ACCESS_HOME = {"reports": "indicators"}
# The one cycle the layers allow: a user belongs to an organization, the directory's rules are
# about users, and the shared access base reads both.
BASE_CYCLE = {"access.base", "accounts", "directory"}


def node_of(parts: tuple[str, ...]) -> str:
    """The package a module belongs to, from its dotted path below ``partnercrm``."""
    if parts[0] == "access":
        module = parts[1] if len(parts) > 1 else "base"
        return "access.base" if module in ("base", "__init__") else ACCESS_HOME.get(module, module)
    return parts[0]


def import_graph(root: Path = PACKAGE) -> dict[str, dict[str, set[str]]]:
    """package → imported package → the files that import it."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).with_suffix("")
        source = node_of(relative.parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
                if node.module == "partnercrm":
                    # ``from partnercrm import config`` names a module; ``create_app`` is
                    # the package's own (Entry).
                    names = [
                        f"partnercrm.{alias.name}"
                        if any(root.glob(f"{alias.name}.py")) or (root / alias.name).is_dir()
                        else "partnercrm.__init__"
                        for alias in node.names
                    ]
            else:
                continue
            for name in names:
                parts = tuple(name.split("."))
                if parts[0] != "partnercrm" or len(parts) < 2:
                    continue
                target = node_of(parts[1:])
                if target != source:
                    graph[source][target].add(str(relative))
    return graph


def strongly_connected(graph) -> list[set[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, {}):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    for node in list(graph):
        if node not in index:
            visit(node)
    return components


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_every_package_has_a_layer(graph):
    nodes = set(graph) | {target for targets in graph.values() for target in targets}
    assert nodes - RANK.keys() == set()


def test_no_package_imports_a_layer_above_it(graph):
    upward = sorted(
        f"{source} → {target} ({', '.join(sorted(files))})"
        for source, targets in graph.items()
        for target, files in targets.items()
        if RANK[target] > RANK[source]
    )
    assert upward == []


def below_entry(graph):
    """The graph without the Entry layer, which wires everything (``create_app`` ↔ the CLI)."""
    return {
        source: {target: files for target, files in targets.items() if target not in ENTRY}
        for source, targets in graph.items()
        if source not in ENTRY
    }


def test_the_only_package_cycle_is_the_base_one(graph):
    cycles = [
        component for component in strongly_connected(below_entry(graph)) if len(component) > 1
    ]
    assert all(component <= BASE_CYCLE for component in cycles), cycles
    assert max(map(len, cycles), default=0) <= 3


def test_domains_of_one_layer_import_each_other_one_way(graph):
    graph = below_entry(graph)
    both_ways = sorted(
        f"{source} ↔ {target}"
        for source, targets in graph.items()
        for target in targets
        if source < target and source in graph.get(target, {}) and {source, target} - BASE_CYCLE
    )
    assert both_ways == []


def test_the_web_layer_and_the_ground_know_no_domain(graph):
    below_base = {node for node, rank in RANK.items() if rank <= RANK["web"]}
    reaching_up = sorted(
        f"{source} → {target}"
        for source in below_base
        for target in graph.get(source, {})
        if target not in below_base
    )
    assert reaching_up == []


def test_the_check_sees_an_upward_import(tmp_path):
    """The graph is read from the files: an upward import written into a copy is reported."""
    copy = tmp_path / "partnercrm"
    for path in PACKAGE.rglob("*.py"):
        target = copy / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    rules = copy / "students" / "rules.py"
    rules.write_text(
        rules.read_text(encoding="utf-8") + "\nfrom partnercrm.offers import models\n",
        encoding="utf-8",
    )
    upward = import_graph(copy)
    assert "offers" in upward["students"]
    assert RANK["offers"] > RANK["students"]
