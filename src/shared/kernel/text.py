"""Text folding for searches and name matching (pure)."""

from __future__ import annotations

import unicodedata


def fold_text(text: object) -> str:
    """Lower case, no accents, single spaces: "  María  del Rocío " -> "maria del rocio".

    Stored in ``search_key`` columns and applied to search terms, so that a search ignores
    case and accents with the same SQL on SQLite and PostgreSQL."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())
