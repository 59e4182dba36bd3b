"""`sanece-admin excedentes …` commands."""

from __future__ import annotations

group = None
