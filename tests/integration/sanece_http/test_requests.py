"""The five change requests through the pages, on both databases: each filed by the director
after one refused attempt (no attachment, wrong type, no real change, no Homologar…) whose
form comes back with what was typed; the revisor validates or rejects them in the queue; the
director reads the statuses and the reason; the approvals are visible in the data, in the
pages and in the response PDF read back with pypdf; a conflict is shown clearly."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from sanece.application.access import Actor
from sanece.domain.request_types import RequestType
from shared.kernel.pagination import PageRequest
from tests.integration.sanece.support import F_M1, F_M2, F_M3, F_VALID

from .support import followed, nss_searched, post_form, searched, submit, text_of, upload

DATOS = "/sanece/cambios/datos-paciente"
HOMOLOGACION = "/sanece/cambios/homologacion"
VENCIMIENTO = "/sanece/cambios/fecha-vencimiento"
UNIDAD = "/sanece/cambios/unidad-medica"
REQUERIMIENTO = "/sanece/cambios/requerimiento"
REVISOR = Actor.revisor("revisor")


def pending_ids(world) -> dict[tuple[str, str], int]:
    """(type label, folio or patient) -> id of the pending requests (what the queue lists)."""
    page = world.san.queries().review_queue(REVISOR.scope, PageRequest(1, 50))
    return {(r.type_label, r.folio_number or str(r.patient_id)): r.id for r in page.items}


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def file_all_five(director, world) -> None:
    """Every request type filed through its page, each after a refused attempt."""
    p1 = world.patients["P1"]
    form = f"{DATOS}/{p1}"
    # S7 — no attachment: refused, the ticked field and the typed value stay
    refused = submit(director, form, form, {"change": "maternal_surname",
                                            "maternal_surname": "Sanece"})
    assert refused.status_code == 422
    assert "Adjunta la vigencia del paciente" in text_of(refused.text)
    assert 'value="Sanece"' in refused.text
    assert 'name="change" value="maternal_surname" aria-label="Habilitar Apellido materno" ' \
           'checked' in refused.text
    # ... an executable renamed .pdf is refused by its content, the form comes back as typed
    wrong = submit(director, form, form, {"change": "maternal_surname",
                                          "maternal_surname": "Sanece"},
                   [upload("vigencia", "vigencia.pdf", "exe")])
    assert wrong.status_code == 422 and "no es un PDF o imagen" in text_of(wrong.text)
    assert 'value="Sanece"' in wrong.text
    # ... nothing really changes
    same = submit(director, form, form, {"change": "maternal_surname",
                                         "maternal_surname": "prueba"},
                  [upload("vigencia", "vigencia.pdf")])
    assert same.status_code == 422 and "Habilita al menos un dato" in text_of(same.text)
    # ... a value edited without ticking its box is not silently dropped
    untick = submit(director, form, form, {"change": "maternal_surname",
                                           "maternal_surname": "SANECE", "given_names": "PACO"},
                    [upload("vigencia", "vigencia.pdf")])
    assert untick.status_code == 422 and "Marca la casilla de «Nombre»" in text_of(untick.text)
    done = submit(director, form, form, {"change": "maternal_surname",
                                         "maternal_surname": "Sanece"},
                  [upload("vigencia", "FCC.pdf")])
    page = followed(director, done)
    assert "Solicitud registrada (En espera)" in page
    assert "PACIENTE PRUEBA PRUEBA 1111111111 - 1F1980OR PACIENTE PRUEBA SANECE 1111111111 - " \
           "1F1980OR En espera" in page

    # S8 — the preview before filing, then no Homologar: refused
    m1, m2, m3 = (world.patients[k] for k in ("M1", "M2", "M3"))
    window = f"{HOMOLOGACION}/registro/{m3}"  # the record's id, never the NSS, in the URL
    opened = director.get(window)
    assert f'name="choice_{m3}" value="correct" checked' in opened.text
    preview = text_of(director.get(f"{window}?vista=1&choice_{m3}=correct&"
                                   f"choice_{m2}=merge&choice_{m1}=not_applicable").text)
    assert "Datos anteriores (Homologar) MARIA DEL ROCIO XXX GOMEZ 1071533138 - 2F1954OR" in preview
    assert "Datos actuales (Correcto) MARIA DEL ROCIO XXX GOMEZ 1071533138 - 6F1954PE" in preview
    assert f"pasarán al registro correcto los folios: {F_M2}" in preview
    action = window
    none = submit(director, window, action, {f"choice_{m3}": "correct",
                                             f"choice_{m2}": "not_applicable",
                                             f"choice_{m1}": "not_applicable"},
                  [upload("vigencia", "vigencia.png", "png")])
    assert none.status_code == 422
    assert "Marca al menos un registro como Homologar." in text_of(none.text)
    merged = submit(director, window, action, {f"choice_{m3}": "correct",
                                               f"choice_{m2}": "merge",
                                               f"choice_{m1}": "not_applicable"},
                    [upload("vigencia", "vigencia.png", "png")])
    page = followed(director, merged)
    assert "1 registro(s) por homologar" in page
    assert "MARIA DEL ROCIO XXX GOMEZ 1071533138 - 2F1954OR MARIA DEL ROCIO XXX GOMEZ " \
           "1071533138 - 6F1954PE En espera" in page

    # S9 — ampliación without attachment: refused, motive and detail stay
    expiry_page = f"{VENCIMIENTO}?kind=extension&folio={F_VALID}"
    fields = {"kind": "extension", "motive": "Desabasto",
              "detail": "No se surtió el medicamento en enero."}
    refused = submit(director, expiry_page, f"{VENCIMIENTO}/{F_VALID}", fields)
    assert refused.status_code == 422
    assert "Adjunta al menos un archivo que sustente la solicitud" in text_of(refused.text)
    assert "No se surtió el medicamento en enero." in refused.text
    assert '<option value="Desabasto" selected>' in refused.text
    # ... a file over the limit is refused while it streams (413); the typed fields stay
    big = ("adjunto1", ("resumen.pdf", b"%PDF-1.4\n" + b"0" * (300 * 1024), "application/pdf"))
    too_large = submit(director, expiry_page, f"{VENCIMIENTO}/{F_VALID}", fields, [big])
    assert too_large.status_code == 413
    assert "excede el tamaño máximo permitido de 256 KB" in text_of(too_large.text)
    assert "No se surtió el medicamento en enero." in too_large.text
    page = followed(director, submit(director, expiry_page, f"{VENCIMIENTO}/{F_VALID}", fields,
                                     [upload("adjunto1", "nota.pdf")]))
    assert f"{F_VALID} 15/04/2026 Ampliación de fecha de vencimiento En espera" in page
    # ... a baja of another folio, two attachments
    baja_page = f"{VENCIMIENTO}?kind=cancellation&folio={F_M1}"
    page = followed(director, submit(
        director, baja_page, f"{VENCIMIENTO}/{F_M1}",
        {"kind": "cancellation", "motive": "Reacción adversa al medicamento",
         "detail": "Hipersensibilidad tras la segunda aplicación."},
        [upload("adjunto1", "vigiflow.pdf"), upload("adjunto2", "nota.png", "png")]))
    assert f"{F_M1} 01/11/2026 Baja de folio En espera" in page

    # S10 — "Ver unidades de la OOAD" reloads with the typed values, without JavaScript
    unit_page = f"{UNIDAD}?folio={F_M3}"
    b, ags = world.units["B"], world.ooads["AGUASCALIENTES"]
    fields = {"motive": "Contrarreferencia", "detail": "Se atenderá en el hospital de destino.",
              "destination_ooad_id": str(ags)}
    reload = submit(director, unit_page, f"{UNIDAD}/{F_M3}", {**fields, "recargar": "1"})
    assert reload.status_code == 200
    assert f'<option value="{b}" >H Gral Zona 3</option>' in reload.text
    assert "Se atenderá en el hospital de destino." in reload.text
    wrong = submit(director, unit_page, f"{UNIDAD}/{F_M3}",
                   {**fields, "destination_unit_id": str(b)},
                   [upload("adjunto1", "contrarreferencia.pdf", "exe")])
    assert wrong.status_code == 422 and "no es un PDF o imagen" in text_of(wrong.text)
    assert f'<option value="{b}" selected>H Gral Zona 3</option>' in wrong.text
    page = followed(director, submit(director, unit_page, f"{UNIDAD}/{F_M3}",
                                     {**fields, "destination_unit_id": str(b)},
                                     [upload("adjunto1", "contrarreferencia.pdf")]))
    assert f"{F_M3} AGUASCALIENTES (H Gral Zona 3) En espera" in page
    # ... a second one, to another unit of CAMPECHE (it will be rejected)
    followed(director, submit(director, f"{UNIDAD}?folio={F_VALID}", f"{UNIDAD}/{F_VALID}",
                              {"motive": "Referencia a otra unidad médica", "detail": "Traslado.",
                               "destination_ooad_id": str(world.ooads["CAMPECHE"]),
                               "destination_unit_id": str(world.units["C"])},
                              [upload("adjunto1", "referencia.pdf")]))

    # S11 — the same claves and requerimiento: refused
    req_page = f"{REQUERIMIENTO}?folio={F_VALID}"
    same = submit(director, req_page, f"{REQUERIMIENTO}/{F_VALID}",
                  {"key1": "5795", "quantity1": "12", "requirement": "Clave 5795 dosis mensual.",
                   "motive": "Ajuste de dosis", "detail": "Ajuste."},
                  [upload("adjunto1", "nota.pdf")])
    assert same.status_code == 422 and "son iguales a los actuales" in text_of(same.text)
    page = followed(director, submit(
        director, req_page, f"{REQUERIMIENTO}/{F_VALID}",
        {"key1": "5796", "quantity1": "2",
         "requirement": "Clave 5796 jeringa prellenada. 2 al mes.", "motive": "Ajuste de dosis", "detail": "Ajuste por peso del paciente."},
        [upload("adjunto1", "nota.pdf")]))
    assert f"{F_VALID} Clave 5795 dosis mensual. 5795 (12) Clave 5796 jeringa prellenada. 2 al " \
           "mes. 5796 (2) En espera" in page


def decide(revisor, request_id: int, action: str, **fields) -> object:
    page = f"/sanece/solicitudes/{request_id}"
    return post_form(revisor, page, f"{page}/{action}", fields)


def test_five_requests_filed_reviewed_and_applied(as_user, world, settings):
    director = as_user("dir_a")
    file_all_five(director, world)
    ids = pending_ids(world)
    assert len(ids) == 7
    # the refused attempts stored nothing; no upload is left in the temporary folder
    assert len(list(Path(settings.files_root).rglob("*.bin"))) == 8
    assert not list(Path(settings.tmp_dir).glob("upload-*"))
    p1 = world.patients["P1"]

    revisor = as_user("revisor")
    queue = text_of(revisor.get("/sanece/revision").text)
    assert "Mostrando 1 a 7 de 7 registros" in queue
    assert "Cambio de datos de paciente CAMPECHE (H Gral Zona MF 4)" in queue
    only = text_of(revisor.get("/sanece/revision?tipo=cancellation").text)
    assert "Mostrando 1 a 1 de 1 registro" in only and F_M1 in only
    ext_id = ids[("Ampliación de fecha de vencimiento", F_VALID)]
    detail = revisor.get(f"/sanece/solicitudes/{ext_id}")
    text = text_of(detail.text)
    assert "Fecha de vencimiento 15/04/2026 → (la fija la Jefatura de área de Catálogo II al " \
           "validar)" in text
    assert "Motivo Desabasto" in text and "Adjunto 1: nota.pdf" in text
    attachment = revisor.get(f"/sanece/solicitudes/{ext_id}/adjuntos/1")
    assert attachment.status_code == 200 and attachment.content.startswith(b"%PDF-")
    assert attachment.headers["content-type"] == "application/pdf"
    assert attachment.headers["content-disposition"].startswith("attachment;")
    # a homologación shows both records and the folios validating it would move
    merge_page = text_of(revisor.get(
        f"/sanece/solicitudes/{ids[('Homologación de registros', str(world.patients['M2']))]}").text)
    assert "Registros a homologar" in merge_page
    assert "Datos anteriores (Homologar) MARIA DEL ROCIO XXX GOMEZ 1071533138 - 2F1954OR" in merge_page
    assert "Datos actuales (Correcto) MARIA DEL ROCIO XXX GOMEZ 1071533138 - 6F1954PE" in merge_page
    assert f"pasarán al registro correcto los folios: {F_M2}" in merge_page
    # an ampliación needs its Fecha final
    missing = decide(revisor, ext_id, "validar")
    assert missing.status_code == 422 and "Indica la fecha final" in text_of(missing.text)
    for key, fields in (((("Ampliación de fecha de vencimiento", F_VALID)),
                         {"new_expiry": "2026-10-15"}),
                        (("Cambio de datos de paciente", str(p1)), {}),
                        (("Homologación de registros", str(world.patients["M2"])), {}),
                        (("Baja de folio", F_M1), {"cancellation_date": "2026-03-10"}),
                        (("Cambio de unidad médica", F_M3), {}),
                        (("Cambio de requerimiento", F_VALID), {})):
        done = decide(revisor, ids[key], "validar", **fields)
        assert "Validado. El cambio se aplicó" in followed(revisor, done), key
    rejected_id = ids[("Cambio de unidad médica", F_VALID)]
    no_reason = decide(revisor, rejected_id, "rechazar", reason=" ")
    assert no_reason.status_code == 422 and "Escribe el motivo" in text_of(no_reason.text)
    followed(revisor, decide(revisor, rejected_id, "rechazar",
                             reason="Falta la nota de contrarreferencia firmada."))
    assert "Mostrando 0 a 0 de 0 registros" in text_of(revisor.get("/sanece/revision").text)
    decided = text_of(revisor.get("/sanece/revision?estatus=all").text)
    assert "Mostrando 1 a 7 de 7 registros" in decided and "No Validado" in decided

    # The director reads the statuses and the reason
    units = text_of(director.get(UNIDAD).text)
    assert f"{F_M3} AGUASCALIENTES (H Gral Zona 3) Validado" in units
    assert "Cambio No Validado. Motivo: Falta la nota de contrarreferencia firmada." in units
    assert "Revisar" in units
    own = text_of(director.get(f"/sanece/solicitudes/{rejected_id}").text)
    assert "Cambio No Validado" in own and "Falta la nota de contrarreferencia firmada." in own
    assert f"Descargar el PDF del folio {F_M3}" not in units  # moved to another unit
    requirement = director.get(REQUERIMIENTO).text
    assert f'<a href="/sanece/folios/{F_VALID}/pdf">Descargar el PDF del folio {F_VALID}</a>' in requirement
    assert f'<a href="/sanece/pacientes/{p1}">Historial de evaluaciones</a>' in director.get(DATOS).text
    expiry = text_of(director.get(VENCIMIENTO).text)
    assert f"{F_VALID} 15/04/2026 Ampliación de fecha de vencimiento Validado 15/10/2026" in expiry
    assert f"{F_M1} 01/11/2026 Baja de folio Validado 10/03/2026" in expiry
    assert "Validado" in text_of(director.get(DATOS).text)
    assert "Validado" in text_of(director.get(HOMOLOGACION).text)

    # ... and sees the changes applied
    history = text_of(director.get(f"/sanece/pacientes/{p1}").text)
    assert "PRUEBA SANECE PACIENTE 1111111111 - 1F1980OR" in history
    search = text_of(nss_searched(director, DATOS, "1071533138").text)
    assert "2F1954OR" not in search and "6F1954PE" in search  # the merged record is gone
    assert "Solicitar Homologación" in search  # M1 and M3 remain
    correct = text_of(director.get(f"/sanece/pacientes/{world.patients['M3']}").text)
    assert F_M2 in correct and F_M3 not in correct  # moved in; F_M3 left for unit B
    baja = text_of(director.get(f"/sanece/consultar?folio={F_M1}").text)
    assert "Estatus Baja" in baja and "Fecha de baja 10/03/2026" in baja
    assert director.get(f"/sanece/consultar?folio={F_M3}").status_code == 404
    assert F_M3 in text_of(as_user("dir_b").get("/sanece/inicio").text)
    text = pdf_text(director.get(f"/sanece/folios/{F_VALID}/pdf"))
    assert "Fecha de vencimiento: 15/10/2026 (ampliada)" in text
    consult = text_of(director.get(f"/sanece/consultar?folio={F_VALID}").text)
    assert "Fecha de vencimiento 15/10/2026 (ampliada)" in consult
    assert "Clave 1: 5796 jeringa prellenada 200 mg — Cantidad: 2" in text
    assert "Requerimiento: Clave 5796 jeringa prellenada. 2 al mes." in text
    assert "Paciente: PRUEBA SANECE PACIENTE" in text


def test_a_conflict_at_validation_is_shown_and_nothing_changes(as_user, world):
    director = as_user("dir_a")
    followed(director, submit(
        director, f"{REQUERIMIENTO}?folio={F_VALID}", f"{REQUERIMIENTO}/{F_VALID}",
        {"key1": "5796", "quantity1": "3", "requirement": "Clave 5796. 3 al mes.",
         "motive": "Ajuste de dosis", "detail": "Ajuste."}, [upload("adjunto1", "nota.pdf")]))
    followed(director, submit(
        director, f"{VENCIMIENTO}?kind=cancellation&folio={F_VALID}", f"{VENCIMIENTO}/{F_VALID}",
        {"kind": "cancellation", "motive": "Defunción", "detail": "Fallecimiento."},
        [upload("adjunto1", "acta.pdf")]))
    ids = pending_ids(world)
    revisor = as_user("revisor")
    followed(revisor, decide(revisor, ids[("Baja de folio", F_VALID)], "validar"))
    requirement = ids[("Cambio de requerimiento", F_VALID)]
    conflict = decide(revisor, requirement, "validar")
    assert conflict.status_code == 409
    text = text_of(conflict.text)
    assert "No se puede validar la solicitud" in text and "Estatus de cambio: En espera" in text
    assert world.folio(F_VALID).key1.key == "5795"
    assert world.san.queries().requests(world.director_a.scope, RequestType.REQUIREMENT_CHANGE,
                                        PageRequest(1, 10)).items[0].status_label == "En espera"


def test_buscar_in_solicitudes_realizadas_keeps_the_folio_being_worked_on(as_user, world):
    director = as_user("dir_a")
    file_all_five(director, world)
    for page, keep in ((f"{VENCIMIENTO}?kind=extension&folio={F_VALID}",
                        {"folio": F_VALID, "kind": "extension"}),
                       (f"{UNIDAD}?folio={F_M3}", {"folio": F_M3}),
                       (f"{REQUERIMIENTO}?folio={F_VALID}", {"folio": F_VALID})):
        html = director.get(page).text
        form = html.split('data-live-search="#solicitudes"', 1)[1].split("</form>", 1)[0]
        for name, value in keep.items():
            assert f'<input type="hidden" name="{name}" value="{value}">' in form, (page, name)
        # the search itself, without JavaScript: the folio's form stays above the results
        found = searched(director, page, "zzz-nada", **keep)
        assert found.status_code == 200
        text = text_of(found.text)
        assert f"Folio: {keep['folio']}" in text or keep["folio"] in text
        assert "Mostrando 0 a 0 de 0 registros" in text
