"""Adapters named by import path and built on first use, so that composing the containers
imports no renderer, spreadsheet or demo module until a provider is first called."""

from __future__ import annotations

import importlib
from typing import Any


def by_path(path: str, *args: Any, **kwargs: Any) -> Any:
    """Build ``module:Class`` (imported only when the provider is first called)."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)(*args, **kwargs)
