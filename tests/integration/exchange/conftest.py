"""Fixtures of the exchange integration tests (both databases): ``xch`` is the exchange
sub-container, ``exc`` the excedentes one (the collection the analysis reads); ``xworld``
loads the hand-checked scenario of ``support``."""

from __future__ import annotations

import pytest

from tests.integration.excedentes.support import World

from .support import load_exchange_world


@pytest.fixture
def exc(container):  # -> the excedentes sub-container
    return container.excedentes


@pytest.fixture
def xch(container):  # -> the exchange sub-container
    return container.exchange


@pytest.fixture
def xworld(exc) -> World:
    return load_exchange_world(exc)
