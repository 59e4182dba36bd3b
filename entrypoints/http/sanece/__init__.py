"""HTTP pages and API of the sanece context."""

from __future__ import annotations

from typing import Any


def modules(container: Any) -> list[Any]:
    return []
