"""Instances of frozen attrs classes assembled from values already established."""

from __future__ import annotations

from typing import Any, Sequence, TypeVar

T = TypeVar("T")

_new = object.__new__
_set = object.__setattr__  # how a frozen attrs class's own __init__ sets its fields


def assembled(cls: type[T], names: Sequence[str], values: Sequence[Any]) -> T:
    """An instance of ``cls`` with ``names`` set to ``values``, without its converters,
    validators or post-init: for bulk paths (a 2,857-row grid) whose caller has just
    established every invariant those would check."""
    obj = _new(cls)
    for name, value in zip(names, values):
        _set(obj, name, value)
    return obj
