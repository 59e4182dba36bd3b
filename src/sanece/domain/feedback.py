"""Comentarios o sugerencias (S15): what a user writes in the in-app form, kept for the
administrators (the legacy listed two e-mail addresses instead)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from shared.kernel.rules import check_rule

from sanece.domain.rules import TextRequired
from sanece.domain.values import clean_text


class FeedbackKind(str, enum.Enum):
    COMMENT = "comment"
    IMPROVEMENT = "improvement"
    FAILURE = "failure"

    @property
    def label(self) -> str:
        return {"comment": "Comentario u opinión", "improvement": "Propuesta de mejora",
                "failure": "Reporte de posible falla"}[self.value]


def _text(raw: str) -> str:
    text = clean_text(raw, "comentario")
    check_rule(TextRequired(text, "Escribe tu comentario o sugerencia."))
    return text


@attrs.frozen(kw_only=True)
class Feedback:
    id: int | None = None
    kind: FeedbackKind = attrs.field(converter=FeedbackKind)
    text: str = attrs.field(converter=_text)
    author: str
    role: str
    unit_id: int | None = None  # the director's unit, when the author is a director
    submitted_at: datetime

    def __attrs_post_init__(self) -> None:
        if not self.author:
            raise ValueError("feedback records its author")
