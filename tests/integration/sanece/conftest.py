"""Fixtures of the sanece integration tests (both databases): ``san`` is the sanece
sub-container of the test ``container``; ``world`` loads the small dataset of ``support``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli

from .support import World, load_world


@pytest.fixture
def san(container):  # -> the sanece sub-container
    return container.sanece


@pytest.fixture
def world(san, clock) -> World:
    return load_world(san)


@pytest.fixture
def run(container, world):
    """``sanece-admin sanece …`` through click's runner, on the test container."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["sanece", *args], obj={"container": container})

    return invoke
