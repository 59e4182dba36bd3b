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


class _OncePerPassword:
    """The demo's passwords are public and shared by every user of a role: hashing each once
    (argon2id, about half a second) instead of once per user makes ``demo load`` seconds
    faster. Real accounts (``users create``) are never hashed through this."""

    def __init__(self, inner: Any) -> None:
        self._inner, self._hashes = inner, {}  # type: dict[str, str]

    def hash(self, password: str) -> str:
        if password not in self._hashes:
            self._hashes[password] = self._inner.hash(password)
        return self._hashes[password]

    def verify(self, password_hash: str, password: str) -> bool:
        return bool(self._inner.verify(password_hash, password))

    def needs_rehash(self, password_hash: str) -> bool:
        return bool(self._inner.needs_rehash(password_hash))


def load_demo(container: Any, scale: str, progress: Progress) -> int:
    for loader in loaders(container):
        loader.load(scale, progress)
    identity = container.identity()
    identity.hasher = _OncePerPassword(identity.hasher)  # this service object only
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
