"""Instances of frozen attrs classes assembled from values already established."""

from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")


def assembler(cls: type[T], names: Sequence[str]) -> Callable[..., T]:
    """A function taking ``names``' values positionally and returning an instance of ``cls``
    with those fields set, without its converters, validators or post-init: for bulk paths
    (a 2,857-row grid) whose caller has just established every invariant those would check.

    Compiled once per class, as attrs compiles ``__init__`` (a loop over the names cost a
    third more per instance than the statements spelled out)."""
    for name in names:
        if not name.isidentifier():
            raise ValueError(f"not a field name: {name!r}")
    args = ", ".join(names)
    sets = "".join(f"    _set(obj, {name!r}, {name})\n" for name in names)
    source = f"def assemble({args}):\n    obj = _new(cls)\n{sets}    return obj\n"
    # object.__setattr__ is how a frozen attrs class's own __init__ sets its fields
    namespace: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "cls": cls}
    exec(compile(source, f"<assembler {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    return namespace["assemble"]  # type: ignore[no-any-return]
