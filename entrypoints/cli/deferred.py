"""Helpers of ``main`` for command modules that ``main`` registers on import: they look
``main`` up when a command runs, not when the module is imported (no import cycle, even under
``python -m``, and ``--help`` stays light)."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def cli_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from entrypoints.cli.main import cli_errors as one_error_line

        return one_error_line(fn)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def get_container(ctx: click.Context) -> Any:
    from entrypoints.cli.main import get_container as container_of

    return container_of(ctx)
