"""The excedentes domain imports only the standard library, attrs and ``shared.kernel``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import excedentes.domain

DOMAIN = Path(excedentes.domain.__file__).parent
ALLOWED = {"attrs"}
ALLOWED_PREFIXES = ("excedentes.domain", "shared.kernel")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_every_domain_module_imports_only_what_it_may():
    offending = {}
    for path in DOMAIN.glob("*.py"):
        bad = {name for name in _imports(path)
               if name.split(".")[0] not in sys.stdlib_module_names
               and name.split(".")[0] not in ALLOWED
               and not name.startswith(ALLOWED_PREFIXES)}
        if bad:
            offending[path.name] = bad
    assert offending == {}


def test_the_domain_never_reads_the_clock():
    for path in DOMAIN.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time("):
            assert call not in text, f"{path.name} calls {call}"
