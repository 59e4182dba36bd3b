"""`sanece-admin sanece …` commands."""

from __future__ import annotations

group = None
