"""Layer rules import-linter cannot say: the domain imports only stdlib, attrs and our kernel."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PURE_PREFIXES = ("sanece.domain", "excedentes.domain", "shared.kernel")
ALLOWED_EXTERNAL = {"attrs", "attr"}


def test_pure_modules_import_only_stdlib_attrs_and_the_kernel():
    graph = grimp.build_graph("sanece", "excedentes", "shared", include_external_packages=True)
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
    heavy = {"sqlalchemy", "litestar", "fpdf", "xlsxwriter", "boto3", "dependency_injector", "alembic"}
    graph = grimp.build_graph("sanece", "excedentes", "shared", include_external_packages=True)
    offenders = []
    for module in graph.modules:
        if ".adapters" in module or module.split(".")[0] not in {"sanece", "excedentes", "shared"}:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] in heavy:
                offenders.append(f"{module} -> {imported}")
    assert not offenders, offenders
