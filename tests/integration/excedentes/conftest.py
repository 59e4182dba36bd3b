"""Fixtures of the excedentes integration tests (both databases): ``exc`` is the excedentes
sub-container of the test ``container``; ``world`` loads the small dataset of ``support``."""

from __future__ import annotations

import pytest


from .support import World, load_world


@pytest.fixture
def exc(container):  # -> the excedentes sub-container
    return container.excedentes


@pytest.fixture
def world(exc, clock) -> World:
    return load_world(exc)
