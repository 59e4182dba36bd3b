"""Extracción de datos (S13): the window rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shared.kernel.errors import ValidationError

from sanece.domain.extraction import (
    ExtractionCriteria,
    ExtractionEndNotInFuture,
    ExtractionMode,
    ExtractionRangeAtMostOneYear,
    ExtractionStartAtMostThreeYearsAgo,
    ExtractionStartNotAfterEnd,
    ExtractionWindow,
    broken_window_rules,
)
from sanece.domain.values import EvaluationStatus, add_years

TODAY = date(2025, 5, 2)
offsets = st.integers(-5 * 366, 30)


@given(offsets, offsets, st.dates(min_value=date(2010, 1, 1), max_value=date(2040, 12, 31)))
@example(-365, 0, TODAY)  # the guide's default: 02/05/2024 - 02/05/2025
@example(-366, 0, date(2024, 2, 29))
@example(-3 * 365 - 1, -3 * 365 + 300, TODAY)
def test_window_accepted_iff_every_rule_holds(s: int, e: int, today: date) -> None:
    start, end = today + timedelta(days=s), today + timedelta(days=e)
    expected = {
        ExtractionStartNotAfterEnd: start > end,
        ExtractionEndNotInFuture: end > today,
        ExtractionStartAtMostThreeYearsAgo: start < add_years(today, -3),
        ExtractionRangeAtMostOneYear: end > add_years(start, 1),
    }
    broken = {type(r) for r in broken_window_rules(start, end, today)}
    assert broken == {rule for rule, is_broken in expected.items() if is_broken}
    if broken:
        with pytest.raises(ValidationError) as exc:
            ExtractionWindow.create(start, end, today=today)
        assert exc.value.log_message in {r.__name__ for r in broken}
    else:
        w = ExtractionWindow.create(start, end, today=today)
        assert w.contains(start) and w.contains(end)
        assert not w.contains(start - timedelta(days=1))


def test_messages_are_spanish_and_named() -> None:
    with pytest.raises(ValidationError, match="rango máximo permitido de extracción es de un año") as exc:
        ExtractionWindow.create(date(2024, 1, 1), date(2025, 1, 2), today=TODAY)
    assert exc.value.code == "extraction_range_at_most_one_year"
    with pytest.raises(ValidationError, match="posterior a hoy \\(02/05/2025\\)"):
        ExtractionWindow.create(date(2025, 1, 1), date(2025, 5, 3), today=TODAY)
    with pytest.raises(ValidationError, match="02/05/2022 o posterior"):
        ExtractionWindow.create(date(2022, 5, 1), date(2022, 6, 1), today=TODAY)
    with pytest.raises(ValidationError, match="igual o posterior a la fecha de inicio"):
        ExtractionWindow(date(2025, 5, 2), date(2025, 5, 1))


def test_default_window_is_the_last_year() -> None:
    w = ExtractionWindow.default(TODAY)
    assert (w.start, w.end) == (date(2024, 5, 2), TODAY)
    assert ExtractionWindow.create(w.start, w.end, today=TODAY) == w


def test_criteria_filter() -> None:
    c = ExtractionCriteria(unit_id=1, window=ExtractionWindow.default(TODAY), mode="by_patient",
                           status="validated")
    assert c.mode is ExtractionMode.BY_PATIENT and c.mode.label == "POR PACIENTE"
    assert c.matches(unit_id=1, evaluation_date=TODAY, medicine_id=9,
                     status=EvaluationStatus.VALIDATED)
    assert not c.matches(unit_id=2, evaluation_date=TODAY, medicine_id=9,
                         status=EvaluationStatus.VALIDATED)
    assert not c.matches(unit_id=1, evaluation_date=TODAY, medicine_id=9,
                         status=EvaluationStatus.PENDING)
    assert not c.matches(unit_id=1, evaluation_date=date(2024, 5, 1), medicine_id=9,
                         status=EvaluationStatus.VALIDATED)
