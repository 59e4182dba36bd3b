"""Runs every registered demo loader, then creates the demo users (skipping existing ones)."""

from __future__ import annotations

from typing import Any

from entrypoints.demo import PlatformDemo, Progress
from shared.identity.domain import DemoUser
from shared.kernel.errors import Conflict


def loaders(container: Any) -> list[Any]:
    return [PlatformDemo(), *container.demo_loaders()]


def demo_user_specs(container: Any, scale: str) -> list[DemoUser]:
    return [u for loader in loaders(container) for u in loader.users(scale)]


def load_demo(container: Any, scale: str, progress: Progress) -> int:
    for loader in loaders(container):
        loader.load(scale, progress)
    identity = container.identity()
    created = 0
    specs = demo_user_specs(container, scale)
    for i, spec in enumerate(specs, 1):
        try:
            identity.create_user("demo", spec.username, spec.full_name, spec.role, spec.scope_ref, spec.password)
            created += 1
        except Conflict:
            pass
        progress("usuarios", i, len(specs))
    return created
