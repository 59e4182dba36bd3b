"""Neutral plug-ins for a context that has not registered its own yet."""

from __future__ import annotations

from typing import Sequence

from shared.identity.domain import DemoUser
from shared.kernel.scope import Scope


class NoScopes:
    def describe(self, scope: Scope) -> str | None:
        return None


class NoDemo:
    def __init__(self, name: str) -> None:
        self.name = name

    def users(self, scale: str) -> Sequence[DemoUser]:
        return []

    def load(self, scale: str, progress) -> None:  # type: ignore[no-untyped-def]
        return None
