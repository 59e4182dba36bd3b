"""Text folding for searches and name matching (pure)."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

_SPACES = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """Trim and collapse whitespace: names come from spreadsheets and forms."""
    return _SPACES.sub(" ", str(value or "")).strip()


def strip_accents(text: object) -> str:
    """The text without its accents and other combining marks: "Ñuñoa Médica" -> "Nunoa
    Medica" (case and spacing kept)."""
    text = str(text or "")
    if text.isascii():  # nothing to decompose (NFKD leaves ASCII as it is)
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_text(text: object) -> str:
    """Lower case, no accents, single spaces: "  María  del Rocío " -> "maria del rocio".

    Stored in ``search_key`` columns and applied to search terms, so that a search ignores
    case and accents with the same SQL on SQLite and PostgreSQL."""
    if type(text) is str and len(text) <= 256:
        return _fold_str(text)  # the same labels (causes, units) are folded row after row
    return " ".join(strip_accents(text).casefold().split())


@functools.lru_cache(maxsize=4096)
def _fold_str(text: str) -> str:
    return " ".join(strip_accents(text).casefold().split())


def search_key(*parts: Any) -> str:
    """The ``search_key`` column of a row: its searchable values, empty ones left out, folded."""
    return fold_text(" ".join(str(p) for p in parts if p not in (None, "")))


def count_text(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun agreeing and thousands separated: "1 registro", "5,714
    registros", "0 errores". ``plural`` defaults to ``singular + "s"``; a phrase agrees as a
    whole ("error señalado" / "errores señalados" is passed both ways)."""
    word = singular if n == 1 else (plural if plural is not None else singular + "s")
    return f"{n:,} {word}"
