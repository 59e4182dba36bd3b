"""What the platform's demo runner and the contexts' demo loaders agree on (pure)."""

from __future__ import annotations

SCALES = ("small", "national")  # a few units per entity, or the country's real sizes


def check_scale(scale: str) -> None:
    if scale not in SCALES:
        raise ValueError(f"Escala desconocida: {scale!r} (small o national).")
