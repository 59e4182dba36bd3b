"""How a refused import names its wrong lines (``shared.kernel.imports``, both contexts): one
sentence, each line's message without its own final period, so the punctuation never doubles
("dígitos.; Línea …" or "…»..")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.imports import MAX_ERRORS_IN_MESSAGE, ImportInvalid, LineError, raise_if_errors


def refusal(errors: list[LineError]) -> ImportInvalid:
    with pytest.raises(ImportInvalid) as refused:
        raise_if_errors(errors)
    return refused.value


def test_the_reviews_example() -> None:
    value = refusal([LineError(2, "El NSS debe tener exactamente 10 dígitos."),
                     LineError(3, "Falta la unidad médica «H Gral Zona 3».")])
    assert value.message == ("No se importó ninguna línea: Línea 2: El NSS debe tener "
                             "exactamente 10 dígitos; Línea 3: Falta la unidad médica «H Gral "
                             "Zona 3».")
    assert [e.line for e in value.details] == [2, 3]  # every error kept, as written
    assert value.details[0].message.endswith("dígitos.")


def test_more_errors_than_shown() -> None:
    errors = [LineError(n, f"Error {n}.") for n in range(2, 2 + MAX_ERRORS_IN_MESSAGE + 3)]
    value = refusal(errors)
    assert value.message.endswith("; Línea 11: Error 11; y 3 errores más.")
    assert len(value.details) == len(errors)


# what the rules write: words (with «quoted» names), then a final period or not
message_text = st.builds(lambda words, end: " ".join(words) + end,
                         st.lists(st.sampled_from(["El", "NSS", "dígitos", "«H Gral Zona 3»",
                                                   "1F1980OR", "falta"]), min_size=1,
                                  max_size=6),
                         st.sampled_from(["", ".", ". ", ".."]))


@given(st.lists(message_text, min_size=1, max_size=15))
def test_punctuation_never_doubles(messages: list[str]) -> None:
    value = refusal([LineError(i + 2, m) for i, m in enumerate(messages)])
    text = value.message
    assert text.startswith("No se importó ninguna línea: Línea 2: ") and text.endswith(".")
    assert ".; Línea" not in text and ". ; Línea" not in text
    assert not text.endswith("..") and ". ." not in text
    assert raise_if_errors([]) is None
