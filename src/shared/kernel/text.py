"""Text folding for searches and name matching (pure)."""

from __future__ import annotations

import unicodedata
from typing import Any


def strip_accents(text: object) -> str:
    """The text without its accents and other combining marks: "Ñuñoa Médica" -> "Nunoa
    Medica" (case and spacing kept)."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_text(text: object) -> str:
    """Lower case, no accents, single spaces: "  María  del Rocío " -> "maria del rocio".

    Stored in ``search_key`` columns and applied to search terms, so that a search ignores
    case and accents with the same SQL on SQLite and PostgreSQL."""
    return " ".join(strip_accents(text).casefold().split())


def search_key(*parts: Any) -> str:
    """The ``search_key`` column of a row: its searchable values, empty ones left out, folded."""
    return fold_text(" ".join(str(p) for p in parts if p not in (None, "")))
