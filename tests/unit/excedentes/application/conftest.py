"""The excedentes use cases' unit tests: ``world`` is a fresh ``fakes.small_world()``; the
``clock`` is the root fixture's (2026-03-10 10:00 in Mexico City)."""

from __future__ import annotations

import pytest

from .fakes import World, small_world


@pytest.fixture
def world() -> World:
    return small_world()
