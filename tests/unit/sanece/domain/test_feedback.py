"""Comentarios o sugerencias (S15): the entry's rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanece.domain.feedback import Feedback, FeedbackKind
from shared.kernel.errors import ValidationError

from .factories import NOW


@given(st.text(min_size=1, max_size=2000).filter(str.strip))
def test_a_comment_keeps_its_text_stripped(text):
    fb = Feedback(kind="comment", text=f"  {text}  ", author="director.campeche",
                  role="director", unit_id=1, submitted_at=NOW)
    assert fb.text == text.strip() and fb.kind is FeedbackKind.COMMENT


def test_empty_too_long_and_anonymous_comments_are_refused():
    with pytest.raises(ValidationError, match="Escribe tu comentario"):
        Feedback(kind="failure", text=" \n ", author="a", role="director", submitted_at=NOW)
    with pytest.raises(ValidationError, match="como máximo 2000 caracteres"):
        Feedback(kind="failure", text="x" * 2001, author="a", role="director",
                 submitted_at=NOW)
    with pytest.raises(ValueError):
        Feedback(kind="improvement", text="Bien", author="", role="director", submitted_at=NOW)
    assert [k.label for k in FeedbackKind] == ["Comentario u opinión", "Propuesta de mejora",
                                               "Reporte de posible falla"]
