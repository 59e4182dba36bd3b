"""The sanece use cases' unit tests: ``world`` is a fresh ``fakes.small_world()``; the
``clock`` is the root fixture's (2026-03-10 10:00 in Mexico City); ``storage`` keeps
attachments in a temporary folder (the real local adapter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.storage.adapters.local import LocalFileStorage

from .fakes import World, small_world


@pytest.fixture
def world() -> World:
    return small_world()


@pytest.fixture
def storage(tmp_path: Path, clock) -> LocalFileStorage:
    return LocalFileStorage(tmp_path / "files", clock.now)


def stored_files(root: Path) -> list[Path]:
    """The stored contents (each beside its ``.json`` metadata)."""
    return sorted(root.rglob("*.bin"))
