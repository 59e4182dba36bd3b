"""The bounded contexts' plug-ins: HTTP modules and CLI groups.

This is the bridge where the contexts meet the platform; each context exposes
``entrypoints.http.<context>.modules(container)`` and ``entrypoints.cli.<context>.group``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from entrypoints.container import Container
    from entrypoints.http.rendering import HttpModule


def http_modules(container: "Container") -> list["HttpModule"]:
    from entrypoints.http import exchange, excedentes, sanece

    return [*excedentes.modules(container), *exchange.modules(container),
            *sanece.modules(container)]


def cli_groups() -> list[Any]:
    from entrypoints.cli import excedentes, sanece
    from entrypoints.cli import exchange  # noqa: F401  (adds `excedentes exchange`)

    return [g for g in (excedentes.group, sanece.group) if g is not None]
