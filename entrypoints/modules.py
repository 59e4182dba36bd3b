"""The bounded contexts' plug-ins: HTTP modules, CLI groups, demo loaders, scope directories.

This is the bridge where the contexts meet the platform; each context adds itself here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from entrypoints.container import Container
    from entrypoints.http.rendering import HttpModule


def http_modules(container: "Container") -> list["HttpModule"]:
    return []


def cli_groups() -> list[Any]:
    return []
