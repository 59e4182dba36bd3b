"""HTTP pages and API of the exchange opportunities (E15), part of the excedentes context."""

from __future__ import annotations

from typing import Any


def modules(container: Any) -> list[Any]:
    return []
