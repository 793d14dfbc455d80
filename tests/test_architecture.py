"""The import ladder holds: every import of every module under nexus/ points down, nothing imports
the face, nothing imports in a circle, labels reach only training code (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nexus.architecture import LAYERS, layer_of, layer_table, top_name

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nexus"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(module: str, source: str, is_package: bool) -> list[tuple[str, int, bool]]:
    """(imported nexus module, line, at module level) for every import in ``source``, function-level ones too.

    ``from a.b import c`` names the module ``a.b.c`` when that is a module, else ``a.b``.
    """
    tree = ast.parse(source)
    here = module if is_package else module.rpartition(".")[0]
    top_level = {id(n) for n in tree.body}
    top_level |= {id(n) for stmt in tree.body if isinstance(stmt, (ast.If, ast.Try)) for n in ast.walk(stmt)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names]
        else:
            continue
        for name in names:
            if name == "nexus" or name.startswith("nexus."):
                while name not in MODULES and "." in name:
                    name = name.rpartition(".")[0]  # `import nexus.a.b.Thing`: the module is the longest known prefix
                out.append((name, node.lineno, id(node) in top_level))
    return out


EDGES = {
    m: imports_of(m, p.read_text(), p.name == "__init__.py")
    for m, p in MODULES.items()
}


def typing_only_lines(source: str) -> set[int]:
    """Lines of imports under ``if TYPE_CHECKING:``: they name a type for annotations and never run."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            lines |= {n.lineno for stmt in node.body for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return lines


TYPING_ONLY = {m: typing_only_lines(p.read_text()) for m, p in MODULES.items()}


def test_every_module_is_on_a_layer():
    missing = sorted({top_name(m) for m in MODULES} - {n for _, names, _ in LAYERS for n in names})
    assert not missing, f"nexus/{missing[0]} is on no layer; add it to LAYERS in nexus/architecture.py"


def _layer(module: str) -> int:
    try:
        return layer_of(module)
    except KeyError:
        return 0  # reported by test_every_module_is_on_a_layer


def test_imports_point_down_the_ladder():
    bad = [
        f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)}) at line {line}"
        for m, edges in EDGES.items() for t, line, _ in edges
        if t != "nexus" and _layer(t) > _layer(m) > 0
    ]
    assert not bad, "upward import: " + "; ".join(bad)


def test_nothing_imports_the_face():
    bad = [f"{m} line {line}" for m, edges in EDGES.items() for t, line, _ in edges if t == "nexus" and m != "nexus"]
    assert not bad, "imports the face `nexus` (import the defining module instead): " + "; ".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def _where(graph_edges: dict[str, list[tuple[str, int, bool]]], comp: list[str]) -> str:
    inside = set(comp)
    return "; ".join(sorted({f"{m} imports {t} (line {line})" for m in comp for t, line, _ in graph_edges[m]
                             if t in inside and t != m}))


def test_no_import_circles_between_modules():
    # function-level imports count too: a circle deferred into a function is still a circle
    # a type named for annotations only (under TYPE_CHECKING) is not an import that runs: no circle
    graph = {m: {t for t, line, _ in edges if t != m and t != "nexus" and line not in TYPING_ONLY[m]}
             for m, edges in EDGES.items()}
    circles = _cycles(graph)
    assert not circles, "import circle: " + " | ".join(_where(EDGES, c) for c in circles)


def test_no_import_circles_between_packages():
    graph: dict[str, set[str]] = {}
    for m, edges in EDGES.items():
        for t, _, _ in edges:
            if t != "nexus" and top_name(t) != top_name(m):
                graph.setdefault(top_name(m), set()).add(top_name(t))
    circles = _cycles(graph)
    detail = [
        "; ".join(sorted({f"{m} imports {t} (line {line})" for m, edges in EDGES.items() for t, line, _ in edges
                          if t != "nexus" and top_name(m) in c and top_name(t) in c and top_name(m) != top_name(t)}))
        for c in circles
    ]
    assert not circles, "packages import each other: " + " | ".join(detail)


def test_no_package_imports_another_packages_private_names():
    bad = []
    for m, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("nexus."):
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__") and top_name(node.module) != top_name(m):
                        bad.append(f"{m} imports {node.module}.{a.name} (line {node.lineno})")
    assert not bad, "private name of another package (make it public or pass the value down): " + "; ".join(bad)


def test_labels_reach_only_training_code():
    # labels look forward by definition: features, strategies, MQScore and the pipeline never see them
    allowed = {"nexus.models.labels", "nexus.models.train_data"}
    bad = [f"{m} line {line}" for m, edges in EDGES.items() for t, line, _ in edges
           if t in ("nexus.models.labels", "nexus.models.label_kernels") and m not in allowed
           and not m.startswith("nexus.models.train")]
    assert not bad, "imports the forward-looking labels outside training code: " + "; ".join(bad)


def test_docs_show_the_ladder():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    assert layer_table() in doc, "docs/architecture.md: paste nexus.architecture.layer_table() in place of the old table"


# ------------------------------------------------------------------ the checker itself
def _edges_of(src: dict[str, str]) -> dict[str, list]:
    return {m: imports_of(m, s, False) for m, s in src.items()}


@pytest.mark.parametrize("source, expected", [
    ("from nexus.portfolio.wrapper import Portfolio", [("nexus.portfolio.wrapper", 1, True)]),
    ("def f():\n    from nexus.portfolio import wrapper", [("nexus.portfolio.wrapper", 2, False)]),
    ("import nexus", [("nexus", 1, True)]),
    ("from . import stats", [("nexus.metrics.stats", 1, True)]),
    ("from ..data.bars import Bars", [("nexus.data.bars", 1, True)]),
    ("import nexus.pipeline.runner as r", [("nexus.pipeline.runner", 1, True)]),
    ("import numpy\nfrom typing import Any", []),
])
def test_import_reader_resolves_names(source, expected):
    assert imports_of("nexus.metrics.returns", source, False) == expected


def test_checker_finds_an_upward_import_and_a_circle():
    src = {"nexus.metrics.returns": "def f():\n    from nexus.portfolio.wrapper import Portfolio\n",
           "nexus.portfolio.wrapper": "from nexus.portfolio import signals\n",
           "nexus.portfolio.signals": "from nexus.portfolio.wrapper import Portfolio\n"}
    edges = _edges_of(src)
    up = [(m, t) for m, e in edges.items() for t, _, _ in e if layer_of(t) > layer_of(m)]
    assert up == [("nexus.metrics.returns", "nexus.portfolio.wrapper")]
    graph = {m: {t for t, _, _ in e} for m, e in edges.items()}
    assert _cycles(graph) == [["nexus.portfolio.signals", "nexus.portfolio.wrapper"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
