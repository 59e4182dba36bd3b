"""More decisions (issue 16): Validado con modificación, Requiere información and its answer,
Cancelada por la unidad, expiry of unanswered requests, the catalog of coded reasons, business
days; and a request filed before its folio moved to another unit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.kernel.errors import Conflict, ValidationError

from sanece.domain.business_days import age_band, business_days_between, median_days
from sanece.domain.decisions import DecisionReason, reason_catalog
from sanece.domain.requests import (
    answer,
    approve,
    cancel,
    expire,
    file_expiry_change,
    file_requirement_change,
    pend,
    reject,
)
from sanece.domain.values import DrugQuantity, ExpiryChangeKind, RequestStatus

from .factories import CERTOLIZUMAB, NOW, PDF, PNG, TODAY, validated_folio

CODES = ("DOC-INCOMPLETA", "OTRO", "YA-NO-APLICA")


def requirement(folio, quantity=24):  # type: ignore[no-untyped-def]
    return file_requirement_change(folio, CERTOLIZUMAB, key1=DrugQuantity("5795", quantity),
                                   requirement="Dosis 800 mg al mes", motive="Ajuste de dosis",
                                   detail="Indicación", attachments=[PNG], existing=(),
                                   today=TODAY, filed_by="director", filed_at=NOW)


def test_a_modified_approval_applies_what_was_authorized_and_shows_both() -> None:
    folio = validated_folio()
    r = requirement(folio)
    approve(r, today=TODAY, now=NOW, reviewer="rev", modifications={"quantity1": 18},
            folio=folio, medicine=CERTOLIZUMAB)
    assert r.status is RequestStatus.APPROVED and r.modified
    assert r.status_label == "Validado con modificación"
    assert folio.key1 == DrugQuantity("5795", 18)
    lines = r.definition.authorized_changes(r)
    assert [(c.label, c.before, c.after) for c in lines] == [("Cantidad clave 1", "24", "18")]


def test_a_modification_stays_within_the_rules() -> None:
    folio = validated_folio()
    for mods, message in (({"quantity1": 0}, "cantidad"), ({"key1": "9999"}, "9999"),
                          ({"motive": "Otro"}, "solo se pueden modificar")):
        r = requirement(folio)
        with pytest.raises(ValidationError, match=message):
            approve(r, today=TODAY, now=NOW, reviewer="rev", modifications=mods, folio=folio,
                    medicine=CERTOLIZUMAB)
        assert r.is_pending and folio.key1 == DrugQuantity("5795", 12)
    ext = file_expiry_change(folio, ExpiryChangeKind.EXTENSION, motive="Desabasto",
                             detail="x", attachments=[PDF], existing=(),
                             today=TODAY, filed_by="d", filed_at=NOW)
    with pytest.raises(ValidationError, match="solo se pueden modificar"):
        approve(ext, today=TODAY, now=NOW, reviewer="rev", modifications={"kind": "x"},
                folio=folio, new_expiry=TODAY + timedelta(days=30))


def test_pend_answer_then_decide_keeps_the_filing_date() -> None:
    folio = validated_folio()
    r = requirement(folio)
    with pytest.raises(ValidationError, match="qué información falta"):
        pend(r, reason_code="DOC-INCOMPLETA", active_codes=CODES, missing=" ", now=NOW,
             reviewer="rev")
    pend(r, reason_code="DOC-INCOMPLETA", active_codes=CODES, missing="Falta la receta",
         now=NOW, reviewer="rev")
    assert r.status is RequestStatus.INFO_REQUESTED and r.reason_code == "DOC-INCOMPLETA"
    with pytest.raises(Conflict, match="espera la información"):
        approve(r, today=TODAY, now=NOW, reviewer="rev", folio=folio, medicine=CERTOLIZUMAB)
    with pytest.raises(ValidationError):  # same attachment limits as filing: 1 to 3
        answer(r, note="Adjunto", attachments=[], now=NOW, director="d")
    answer(r, note="Adjunto la receta", attachments=[PDF], now=NOW + timedelta(days=1),
           director="d")
    assert r.status is RequestStatus.PENDING and r.filed_at == NOW
    assert r.all_attachments == (PNG, PDF) and r.info_rounds[0].note == "Adjunto la receta"
    approve(r, today=TODAY, now=NOW, reviewer="rev", folio=folio, medicine=CERTOLIZUMAB)
    assert r.status is RequestStatus.APPROVED and not r.modified


def test_an_unanswered_request_expires_after_the_configured_days() -> None:
    r = requirement(validated_folio())
    pend(r, reason_code="DOC-INCOMPLETA", active_codes=CODES, missing="Falta", now=NOW,
         reviewer="rev")
    assert r.expires_at(10) == NOW + timedelta(days=10)
    with pytest.raises(ValueError):
        expire(r, reason_code="SIN-RESPUESTA", text="Sin respuesta", days=10,
               now=NOW + timedelta(days=9))
    expire(r, reason_code="SIN-RESPUESTA", text="Sin respuesta", days=10,
           now=NOW + timedelta(days=10))
    assert r.status is RequestStatus.EXPIRED and r.decided_by == "sistema"
    with pytest.raises(Conflict):
        answer(r, note="tarde", attachments=[PDF], now=NOW, director="d")


def test_cancel_and_coded_reasons() -> None:
    r = requirement(validated_folio())
    with pytest.raises(ValidationError, match="no está en el catálogo"):
        reject(r, reason_code="DESACTIVADO", active_codes=CODES, now=NOW, reviewer="rev")
    with pytest.raises(ValidationError, match="OTRO"):
        reject(r, reason_code="OTRO", active_codes=CODES, now=NOW, reviewer="rev")
    cancel(r, reason_code="YA-NO-APLICA", active_codes=CODES, now=NOW, director="d")
    assert r.status is RequestStatus.CANCELLED and r.status.label == "Cancelada por la unidad"
    with pytest.raises(Conflict, match="ya no se puede cancelar"):
        cancel(r, reason_code="YA-NO-APLICA", active_codes=CODES, now=NOW, director="d")


def test_the_catalog_merges_defaults_and_stored_reasons() -> None:
    stored = [DecisionReason(code="doc-incompleta", text="Otra redacción", active=False),
              DecisionReason(code="RECETA", text="Falta la receta")]
    catalog = {r.code: r for r in reason_catalog(stored)}
    assert catalog["DOC-INCOMPLETA"].active is False
    assert catalog["RECETA"].text == "Falta la receta" and catalog["OTRO"].active
    with pytest.raises(ValidationError, match="no es válida"):
        DecisionReason(code="mal código!", text="x")


def test_a_request_filed_before_its_folio_moved_is_refused_at_approval() -> None:
    folio = validated_folio(unit_id=1)
    r = requirement(folio)
    folio.move_to_unit(2)  # a unit change validated meanwhile
    with pytest.raises(Conflict, match="cambió desde que se registró"):
        approve(r, today=TODAY, now=NOW, reviewer="rev", folio=folio, medicine=CERTOLIZUMAB)
    baja = file_expiry_change(validated_folio("20250414215", unit_id=1),
                              ExpiryChangeKind.CANCELLATION, motive="Cambio de tratamiento",
                              detail="x",
                              attachments=[PDF], existing=(), today=TODAY, filed_by="d",
                              filed_at=NOW)
    moved = validated_folio("20250414215", unit_id=3)
    with pytest.raises(Conflict, match="cambió desde que se registró"):
        approve(baja, today=TODAY, now=NOW, reviewer="rev", folio=moved)


def test_the_queue_shows_what_an_ampliacion_or_a_baja_asks() -> None:
    folio = validated_folio()
    for kind, text in ((ExpiryChangeKind.EXTENSION, "Ampliación de la fecha"),
                       (ExpiryChangeKind.CANCELLATION, "Baja del folio")):
        r = file_expiry_change(folio, kind, motive=("Desabasto"
                                                    if kind is ExpiryChangeKind.EXTENSION
                                                    else "Cambio de tratamiento"),
                               detail="x", attachments=[PDF], existing=(), today=TODAY,
                               filed_by="d", filed_at=NOW)
        assert r.definition.row_columns(r, {})["requested"].startswith(text)


def test_business_days_skip_weekends_and_mexican_federal_holidays() -> None:
    # Friday 13 Nov 2026 -> Tuesday 17 Nov 2026: Monday 16 is the Revolución holiday
    assert business_days_between(date(2026, 11, 13), date(2026, 11, 17)) == 1
    assert business_days_between(date(2026, 12, 1), date(2026, 12, 1)) == 0
    assert business_days_between(date(2026, 12, 21), date(2026, 12, 28)) == 4  # 25 Dec off
    assert business_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 254
    assert age_band(0) == "0-2 días hábiles" and age_band(11) == "Más de 10 días hábiles"
    assert median_days([5, 1, 3]) == 3.0 and median_days([]) is None


def test_the_latest_filing_day_of_an_age() -> None:
    from sanece.application.queries import latest_day_aged

    today = date(2026, 11, 17)  # Tuesday; Monday 16 is a holiday
    assert latest_day_aged(today, 0) == today
    assert latest_day_aged(today, 1) == date(2026, 11, 16)  # filed on the holiday: Tuesday counts
    assert latest_day_aged(today, 2) == date(2026, 11, 12)  # Thursday: Friday and Tuesday
    for days in (2, 7, 30, 400):
        day = latest_day_aged(today, days)
        assert business_days_between(day, today) >= days
        assert business_days_between(day + timedelta(days=1), today) < days
