"""The SAnECE domain imports only the standard library, attrs and the shared kernel, and never
reads the wall clock."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import sanece.domain

DOMAIN = Path(sanece.domain.__file__).parent
ALLOWED_PREFIXES = ("attrs", "shared.kernel", "sanece.domain", "__future__")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names.append(node.module or "")
    return names


def test_domain_imports_only_stdlib_attrs_and_kernel() -> None:
    files = sorted(DOMAIN.rglob("*.py"))  # the request types package too
    assert files
    for path in files:
        for name in _imports(path):
            root = name.split(".")[0]
            ok = root in sys.stdlib_module_names or any(
                name == p or name.startswith(p + ".") for p in ALLOWED_PREFIXES)
            assert ok, f"{path.name} imports {name}"


def test_domain_never_reads_the_clock() -> None:
    for path in DOMAIN.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
            assert call not in text, f"{path.name} calls {call}"
