"""How long tasks (demo loads, exchange analyses) report their progress (pure)."""

from __future__ import annotations

from typing import Callable

Progress = Callable[[str, int, int], None]  # (label, done, total)
