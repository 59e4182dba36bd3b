"""Fixtures of the sanece integration tests (both databases): ``san`` is the sanece
sub-container of the test ``container``; ``world`` loads the small dataset of ``support``."""

from __future__ import annotations

import pytest

from .support import World, load_world


@pytest.fixture
def san(container):  # -> the sanece sub-container
    return container.sanece


@pytest.fixture
def world(san, clock) -> World:
    return load_world(san)
