"""``assembler``: instances of frozen attrs classes built without their converters."""

from __future__ import annotations

import attrs
import pytest

from shared.kernel.frozen import assembler


@attrs.frozen
class Pair:
    left: str = attrs.field(converter=str.strip)
    right: int = attrs.field(converter=int)


def test_the_instance_equals_the_constructors_for_values_already_converted() -> None:
    make = assembler(Pair, [a.name for a in attrs.fields(Pair)])
    built = make("a", 2)
    assert built == Pair(" a ", "2") and hash(built) == hash(Pair("a", 2))
    assert make(" a ", 2).left == " a "  # no converter: the caller's values are taken as given
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.left = "b"  # type: ignore[misc]


def test_only_field_names_are_compiled() -> None:
    with pytest.raises(ValueError):
        assembler(Pair, ["left", "right); import os; (x"])
