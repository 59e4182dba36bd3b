"""Layer rules import-linter cannot say: the domain imports only stdlib, attrs and our kernel;
no import cycle anywhere in our packages."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PURE_PREFIXES = ("sanece.domain", "excedentes.domain", "exchange.domain", "shared.kernel")
CONTEXTS = ("sanece", "excedentes", "exchange")
OURS = (*CONTEXTS, "shared", "entrypoints")
ALLOWED_EXTERNAL = {"attrs", "attr"}


def test_pure_modules_import_only_stdlib_attrs_and_the_kernel():
    graph = grimp.build_graph(*CONTEXTS, "shared", include_external_packages=True)
    offenders = []
    for module in graph.modules:
        if not module.startswith(PURE_PREFIXES):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            top = imported.split(".")[0]
            if imported.startswith(("shared.kernel",)) or imported.startswith(module.split(".domain")[0] + ".domain"):
                continue
            if top in sys.stdlib_module_names or top in ALLOWED_EXTERNAL:
                continue
            offenders.append(f"{module} -> {imported}")
    assert not offenders, offenders


def test_entrypoints_is_ours():
    # A PyPI package called "entrypoints" would shadow this one.
    import entrypoints

    assert Path(entrypoints.__file__).resolve().is_relative_to(ROOT)


def test_frameworks_stay_in_adapters_and_entrypoints():
    heavy = {"sqlalchemy", "litestar", "fpdf", "xlsxwriter", "boto3", "dependency_injector", "alembic",
             "ortools", "networkx", "numpy"}
    graph = grimp.build_graph(*CONTEXTS, "shared", include_external_packages=True)
    offenders = []
    for module in graph.modules:
        if ".adapters" in module or module.split(".")[0] not in {*CONTEXTS, "shared"}:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] in heavy:
                offenders.append(f"{module} -> {imported}")
    assert not offenders, offenders


# --------------------------------------------------------------------------- import cycles

# Cycles allowed today, each named, so that the test still fails on any other cycle and on any
# change to these ones. Remove an entry when its cycle is broken. None now: keep it that way.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (or a module importing
    itself): every module-level import cycle, each once (Tarjan, iterative)."""
    adjacency = {m: sorted(graph.find_modules_directly_imported_by(m) & modules)
                 for m in sorted(modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in adjacency:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = adjacency[node]
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            for prev in edges:  # fold the children's low-links in once they are done
                if prev in on_stack:
                    low[node] = min(low[node], low[prev])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in adjacency[node]:
                    found.append(frozenset(component))
    return found


def test_no_import_cycle_in_our_packages():
    # Imports under ``if TYPE_CHECKING:`` are left out: they never run, so they cannot make
    # an import-time cycle (annotations name the types as strings).
    graph = grimp.build_graph(*OURS, exclude_type_checking_imports=True)
    modules = {m for m in graph.modules if m.split(".")[0] in OURS}
    cycles = _cycles(graph, modules)
    unexpected = [sorted(c) for c in cycles if c not in KNOWN_CYCLES]
    assert not unexpected, f"import cycles: {unexpected}"
    gone = [KNOWN_CYCLES[c] for c in KNOWN_CYCLES if c not in cycles]
    assert not gone, f"cycles broken, remove them from KNOWN_CYCLES: {gone}"


def test_the_cycle_finder_finds_cycles():
    # The check above is only as good as ``_cycles``: feed it a graph with known cycles.
    graph = grimp.ImportGraph()
    for importer, imported in (("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "a.w"),
                               ("b.p", "b.q"), ("b.q", "b.p"), ("b.q", "b.r")):
        graph.add_import(importer=importer, imported=imported)
    found = _cycles(graph, set(graph.modules))
    assert sorted(sorted(c) for c in found) == [["a.x", "a.y", "a.z"], ["b.p", "b.q"]]
