"""The read side of S1–S15 on both databases: what each screen's query returns, with its
columns, searches, caps and pagination wording."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sanece.application.access import Actor
from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.use_cases.feedback import FeedbackCommand
from sanece.application.use_cases.requests import FileExpiryChangeCommand
from sanece.domain.model import Folio
from sanece.domain.values import EvaluationStatus, ExpiryChangeKind, Validity
from sanece.domain.request_types import RequestType
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Role

from ..support import (
    ADMIN,
    EVALUADOR,
    F_B,
    F_EXPIRED,
    F_NOT,
    F_PENDING,
    F_VALID,
    REVISOR,
    pdf_upload,
)


def test_header_label_and_the_scope_directory(world, container):
    q = world.san.queries()
    assert q.unit_label(world.director_a.scope) == "CAMPECHE (H Gral Zona MF 4)"
    assert q.unit_label(REVISOR.scope) is None
    identity = container.identity()
    user = identity.create_user("test", "director.campeche", "Sanece Prueba Usuario",
                                Role.DIRECTOR, str(world.units["A"]), "Clave-Segura-2026")
    assert identity.describe_scope(user) == "CAMPECHE (H Gral Zona MF 4)"
    for bad in ("999", "cero", ""):
        with pytest.raises(ValidationError):
            identity.create_user("test", f"director.x{bad}", "X", Role.DIRECTOR, bad,
                                 "Clave-Segura-2026")


def test_inicio_latest_folios_with_search_and_pagination(world):
    q = world.san.queries()
    scope = world.director_a.scope
    page = q.latest_folios(scope, PageRequest(1, 5))
    assert page.summary == "Mostrando 1 a 5 de 7 registros"
    first = page.items[0]
    assert (first.folio_generic, first.patient_label, first.status_label) == (
        "20260301002 (TRASTUZUMAB EMTANSINA)", "1111111111-1F1980OR", "Pendiente")
    assert [r.number for r in q.latest_folios(scope, PageRequest(2, 5)).items] == [F_NOT, F_EXPIRED]
    valid = next(r for r in page.items
                 if r.number == F_VALID)
    assert (valid.keys_label, valid.expiry_label, valid.validity_label) == (
        "5795 (12)", "15/04/2026", "Vigente")
    expired = q.latest_folios(scope, PageRequest(1, 10, "ustekinumab")).items
    assert [(r.number, r.validity) for r in expired] == [(F_EXPIRED, Validity.EXPIRED)]
    # words match any field, ignoring case and accents
    assert {r.number for r in q.latest_folios(scope, PageRequest(1, 10, "maría gómez")).items} \
        == {"20251101012", "20251101013"}
    assert [r.number for r in q.latest_folios(scope, PageRequest(1, 10, "no valid")).items] \
        == [F_NOT]
    assert [r.number for r in q.latest_folios(scope, PageRequest(1, 10,
                                                                 "1111111111-1f1980or")).items
            ][:1] == [F_PENDING]
    assert q.latest_folios(scope, PageRequest(1, 10, "100%")).total == 0


def test_inicio_shows_the_30_newest_and_a_search_looks_through_all(world):
    with world.san.uow() as uow:
        for i in range(35):
            uow.folios.add(Folio(number=f"20240{1 + i // 28}{1 + i % 28:02d}900",
                                 medicine_id=world.medicines["USTEKINUMAB"],
                                 evaluation_date=date(2024, 1 + i // 28, 1 + i % 28),
                                 unit_id=world.units["A"], patient_id=world.patients["P1"]))
        uow.commit()
    q = world.san.queries()
    page = q.latest_folios(world.director_a.scope, PageRequest(3, 10))
    assert page.summary == "Mostrando 21 a 30 de 30 registros" and len(page.items) == 10
    # a page past the end is the last page, and says so (the review saw "Mostrando 981 a 30")
    for past in (4, 99):
        clamped = q.latest_folios(world.director_a.scope, PageRequest(past, 10))
        assert clamped.items == page.items and clamped.request.page == 3
        assert clamped.summary == "Mostrando 21 a 30 de 30 registros"
    assert q.review_queue(Actor.revisor().scope, PageRequest(99, 10)).summary == \
        "Mostrando 0 a 0 de 0 registros"
    found = q.latest_folios(world.director_a.scope, PageRequest(1, 10, "20240101900"))
    assert found.total == 1  # older than the 30 newest, found by the search
    assert q.recent_patients(world.director_a.scope, PageRequest(1, 10)).total == 4


def test_consultar_folio(world):
    q = world.san.queries()
    detail = q.folio(world.director_a.scope, f" {F_VALID} ")
    assert (detail.generic, detail.status_label, detail.validity_label, detail.period_months,
            detail.expiry_date) == ("CERTOLIZUMAB PEGOL", "Validada", "Vigente", 6,
                                    date(2026, 4, 15))
    assert (detail.patient_name, detail.nss_aggregate, detail.ooad, detail.unit) == (
        "PRUEBA PRUEBA PACIENTE", "1111111111 - 1F1980OR", "CAMPECHE", "H Gral Zona MF 4")
    assert [(d.key, d.description, d.quantity) for d in detail.drugs] == [
        ("5795", "ampula 200 mg", 12)]
    assert [k.code for k in detail.generic_keys] == ["5795", "5796"]
    assert q.folio(world.director_a.scope, F_NOT).observations == "teyi"
    with pytest.raises(ValidationError, match="exactamente 11 dígitos"):
        q.folio(world.director_a.scope, "2025041421")
    with pytest.raises(ValidationError, match="exactamente 11 dígitos"):
        q.folio(world.director_a.scope, "2025041421a")
    with pytest.raises(ValidationError, match="fecha válida"):
        q.folio(world.director_a.scope, "20251345001")
    with pytest.raises(NotFound):
        q.folio(world.director_a.scope, "20250414999")


def test_pacientes_history_nss_search_and_merge_preview(world):
    q = world.san.queries()
    scope = world.director_a.scope
    page = q.recent_patients(scope, PageRequest(1, 10))
    assert page.items[0].nss == "1111111111" and page.items[0].folio_count == 4
    assert [p.aggregate for p in q.recent_patients(scope, PageRequest(1, 10, "rocio")).items
            ] == ["6F1954PE", "2F1954OR"]
    history = q.patient_history(scope, world.patients["P1"])
    assert history.heading == "PRUEBA PRUEBA PACIENTE 1111111111 - 1F1980OR"
    assert [(h.number, h.generic, h.status_label) for h in history.folios] == [
        (F_PENDING, "TRASTUZUMAB EMTANSINA", "Pendiente"),
        (F_VALID, "CERTOLIZUMAB PEGOL", "Validada"),
        (F_NOT, "TRASTUZUMAB EMTANSINA", "No Validada"),
        (F_EXPIRED, "USTEKINUMAB", "Validada")]
    alone = q.search_nss(scope, "1111111111")
    assert not alone.can_merge and alone.records[0].label == \
        "PACIENTE PRUEBA PRUEBA 1111111111 - 1F1980OR"
    with pytest.raises(ValidationError, match="10 dígitos"):
        q.search_nss(scope, "11111")
    assert q.search_nss(scope, "2222222222").records == ()  # a patient of unit B
    preview = q.merge_preview(scope, world.patients["M2"], world.patients["M3"])
    assert (preview.record.full_name, preview.correct.aggregate) == (
        "MARIA DEL ROCIO XXX GOMEZ", "6F1954PE")
    assert [f.number for f in preview.correct_folios] == ["20251101013"]
    with pytest.raises(ValidationError, match="mismo NSS"):
        q.merge_preview(scope, world.patients["M2"], world.patients["P1"])
    with pytest.raises(ValidationError):
        q.merge_preview(scope, world.patients["M2"], world.patients["M2"])


def test_catalog_lists_for_the_forms(world):
    q = world.san.queries()
    scope = world.director_a.scope
    assert [o.name for o in q.ooads(scope)] == ["AGUASCALIENTES", "CAMPECHE"]
    assert [u.name for u in q.units(scope, world.ooads["CAMPECHE"])] == ["H Gral Zona MF 4",
                                                                        "UMF 10"]
    with pytest.raises(NotFound):
        q.units(scope, 999)
    meds = {m.name: [k.label for k in m.keys] for m in q.medicines(scope)}
    assert meds["CERTOLIZUMAB PEGOL"] == ["5795 ampula 200 mg", "5796 jeringa prellenada 200 mg"]
    assert q.motives(RequestType.EXPIRY_CHANGE, ExpiryChangeKind.EXTENSION)[0] == "Desabasto"
    assert q.motives("unit_change")[0] == "Contrarreferencia"
    assert q.resolve_unit(REVISOR.scope, "h gral zona 3").id == world.units["B"]
    assert q.resolve_unit(REVISOR.scope, "campeche (umf 10)").id == world.units["C"]
    with pytest.raises(ValidationError, match="varias unidades"):
        q.resolve_unit(REVISOR.scope, "campeche")
    assert q.resolve_medicine(REVISOR.scope, "certolizumab").name == "CERTOLIZUMAB PEGOL"
    form = q.extraction_form(world.director_a.scope)
    assert (form.start, form.end, form.earliest) == (date(2025, 3, 10), date(2026, 3, 10),
                                                     date(2023, 3, 10))
    assert [label for _, label in form.modes] == ["POR FOLIO", "POR PACIENTE"]


def _file_extension(world, number, actor):
    return world.san.file_expiry_change()(actor, FileExpiryChangeCommand(
        number, "extension", "Desabasto", "Sin surtimiento.", [pdf_upload()]))


def test_review_queue_filters_by_type_ooad_and_age(world, clock):
    a = _file_extension(world, F_VALID, world.director_a)
    clock.advance(timedelta(days=3))
    b = _file_extension(world, F_B, world.director_b)
    q = world.san.queries()
    queue = q.review_queue(REVISOR.scope, PageRequest(1, 10))
    assert [r.id for r in queue.items] == [a.ids[0], b.ids[0]]  # oldest first
    assert [r.age_days for r in queue.items] == [3, 0]
    assert queue.items[1].unit_label == "AGUASCALIENTES (H Gral Zona 3)"
    assert [r.id for r in q.review_queue(REVISOR.scope, PageRequest(1, 10),
                                         ooad_id=world.ooads["AGUASCALIENTES"]).items] == list(b.ids)
    assert [r.id for r in q.review_queue(REVISOR.scope, PageRequest(1, 10),
                                         min_age_days=2).items] == list(a.ids)
    assert q.review_queue(REVISOR.scope, PageRequest(1, 10),
                          request_type=RequestType.MERGE).total == 0
    assert q.review_queue(REVISOR.scope, PageRequest(1, 10, "aguascalientes")).total == 0
    assert [r.id for r in q.review_queue(REVISOR.scope, PageRequest(1, 10, F_B)).items] == list(b.ids)
    with pytest.raises(PermissionDenied):
        q.review_queue(world.director_a.scope, PageRequest(1, 10))
    # a director's "Solicitudes realizadas" hold only their unit's requests
    assert [r.id for r in q.requests(world.director_b.scope, RequestType.EXPIRY_CHANGE,
                                     PageRequest(1, 10)).items] == list(b.ids)


def test_evaluator_queue_and_evaluation(world, container):
    q = world.san.queries()
    pending = q.pending_evaluations(EVALUADOR.scope, PageRequest(1, 10))
    assert [r.number for r in pending.items] == [F_PENDING]
    with pytest.raises(PermissionDenied):
        q.pending_evaluations(world.director_a.scope, PageRequest(1, 10))
    evaluate = world.san.register_evaluation()
    with pytest.raises(PermissionDenied):
        evaluate(world.director_a, EvaluationCommand(F_PENDING, "not_validated",
                                                     observations="x"))
    with pytest.raises(ValidationError, match="no corresponde al genérico"):
        evaluate(EVALUADOR, EvaluationCommand(F_PENDING, "validated", 6, "5795", 3,
                                              requirement="Dosis."))
    with pytest.raises(ValidationError, match="de 1 a 60 meses"):
        evaluate(EVALUADOR, EvaluationCommand(F_PENDING, "validated", "0", "5434", 3,
                                              requirement="Dosis."))
    with pytest.raises(ValidationError, match="requerimiento es obligatorio"):
        evaluate(EVALUADOR, EvaluationCommand(F_PENDING, "validated", 6, "5434", 3))
    with pytest.raises(ValidationError, match="observaciones son obligatorias"):
        evaluate(EVALUADOR, EvaluationCommand(F_PENDING, "not_validated"))
    result = evaluate(EVALUADOR, EvaluationCommand(F_PENDING, "validated", "6", "5434", "3",
                                                   "5435", "1", "Clave 5434 cada 21 días."))
    assert (result.status_label, result.expiry_date) == ("Validada", date(2026, 9, 1))
    folio = world.folio(F_PENDING)
    assert (folio.key1.key, folio.key2.quantity, folio.period_months) == ("5434", 1, 6)
    with pytest.raises(Conflict, match="Solo se puede registrar la evaluación de un folio Pendiente"):
        evaluate(EVALUADOR, EvaluationCommand(F_PENDING, "not_validated", observations="x"))
    assert q.pending_evaluations(EVALUADOR.scope, PageRequest(1, 10)).total == 0
    assert q.folio(world.director_a.scope, F_PENDING).status is EvaluationStatus.VALIDATED


def test_comentarios_o_sugerencias(world):
    submit = world.san.submit_feedback()
    submit(world.director_a, FeedbackCommand("Agradecería un aviso por correo.", "improvement"))
    with pytest.raises(ValidationError, match="Escribe tu comentario"):
        submit(world.director_a, FeedbackCommand("   "))
    page = world.san.queries().feedback(ADMIN.scope, PageRequest(1, 10))
    [row] = page.items
    assert (row.kind_label, row.author, row.unit_label) == (
        "Propuesta de mejora", "director.campeche", "CAMPECHE (H Gral Zona MF 4)")
    with pytest.raises(PermissionDenied):
        world.san.queries().feedback(world.director_a.scope, PageRequest(1, 10))
