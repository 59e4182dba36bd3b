"""The whole capture flow over HTTP (Pasos 2–9), with the refusals a user meets on the way:
grid errors keep the typed values and store nothing, locks say why and since when, the
password is re-entered at finalize, the PDFs are read back, the signed PDF is checked by
content and size (both databases)."""

from __future__ import annotations

import html
from datetime import timedelta

from shared.audit.domain import AuditFilter
from shared.storage.domain import format_size
from tests.helpers import csrf_from
from tests.integration.excedentes.support import ADMIN_SCOPE, BC, U_ALGODONES, U_OCTUBRE, YEAR

from .flows import (
    entity_path,
    form_fields,
    grid_path,
    input_value,
    page_form,
    pdf_text,
    post_grid,
    selected_cause,
    signed_pdf,
    token,
    upload,
)

LOCKED = ("La entidad finalizó el registro el 10/03/2026 10:00; solicite la apertura a su "
          "coordinador.")
MB = 1024 * 1024


def answer(client, value: str):
    return client.post(entity_path() + "/respuesta",
                       data={"respuesta": value, **page_form(client, entity_path())},
                       follow_redirects=False)


def finalize(client, password: str, desea: str = "SI"):
    path = entity_path() + "/finalizar"
    return client.post(path, data={"desea": desea, "contrasena": password,
                                   **page_form(client, path)}, follow_redirects=False)


def test_capture_flow_pasos_2_to_9(as_user, world, container, clock):
    c = as_user("cap_bc")
    exc = container.excedentes
    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    grid = grid_path(world, U_OCTUBRE)

    # Paso 2: SI leads to Paso 3
    saved = answer(c, "SI")
    assert saved.status_code == 303 and saved.headers["location"] == entity_path() + "/unidades"
    assert "Respuesta guardada: SI." in c.get(saved.headers["location"]).text
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).answer.value == "SI"

    # Paso 6 with one invalid row: refused whole, typed values kept, nothing stored
    bad = post_grid(c, grid, [anest, dil], {
        anest: {"fa": "3", "c": "Falta de Equipo", "pm": "4"},
        dil: {"ea": "0", "pm": "abc"}})
    assert bad.status_code == 422
    page = html.unescape(bad.text)
    assert "No se guardó ningún dato" in page and 'class="row-error"' in page
    assert "Cantidad mínima 1." in page and "Escriba un número entero" in page
    assert input_value(bad.text, f"fa{anest}") == "3" and input_value(bad.text, f"ea{dil}") == "0"
    assert input_value(bad.text, f"pm{dil}") == "abc"
    assert selected_cause(bad.text, anest) == "Falta de Equipo"
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).record_count == 0

    # a faltante without cause nor patients names both missing fields on its row
    missing = post_grid(c, grid, [anest], {anest: {"fh": "2"}})
    assert missing.status_code == 422
    assert "El faltante requiere la causa principal." in html.unescape(missing.text)
    assert "El faltante requiere pacientes mensuales." in html.unescape(missing.text)

    # fixed: saved, the stored values come back
    ok = post_grid(c, grid, [anest, dil], {
        anest: {"fa": "1,200", "c": "Falta de Equipo", "pm": "10"},
        dil: {"ea": "12", "pm": "12"}})
    assert ok.status_code == 303 and ok.headers["location"] == grid
    shown = c.get(grid)
    assert "Información guardada: 2 registros nuevos o modificados, 0 eliminados." in shown.text
    assert input_value(shown.text, f"fa{anest}") == "1200"
    assert selected_cause(shown.text, anest) == "Falta de Equipo"
    assert input_value(shown.text, f"ea{dil}") == "12"
    units = html.unescape(c.get(entity_path() + "/unidades").text)
    assert "SI" in units.split("3 DE OCTUBRE, PRIMER NIVEL")[1][:80]

    # a filtered grid (?q=) saves only the rows shown; the others keep their records
    other = grid_path(world, U_ALGODONES)
    assert post_grid(c, other, [anest], {anest: {"eh": "5", "pm": "6"}}).status_code == 303
    only = grid_path(world, U_ALGODONES, q="dilat")
    assert post_grid(c, only, [dil], {dil: {"fh": "1", "c": "Carencia de Servicio",
                                            "pm": "1"}}).status_code == 303
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).record_count == 4

    # NO is refused while units have records, naming them
    no = answer(c, "NO")
    assert no.status_code == 409
    assert "BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL" in html.unescape(no.text)

    # Paso 8 before finalize: Preliminar with the watermark on every page; no Versión Final
    prelim = c.get(entity_path() + "/reportes/preliminar")
    assert prelim.status_code == 200 and prelim.headers["content-type"] == "application/pdf"
    assert prelim.headers["content-disposition"].startswith("attachment;")
    text, pages = pdf_text(prelim.content)
    assert text.count("Sin Validez Oficial.") == pages
    assert "La Entidad Federativa BAJA CALIFORNIA aún no cierra el registro de información." in text
    assert "2 de 3 Unidades Médicas reportan Excedentes y/o Faltantes" in text
    assert "BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL" in text and "1,200" in text
    assert c.get(entity_path() + "/reportes/final").status_code == 409

    # Paso 9 before finalize: refused, saying why
    early = upload(c, entity_path() + "/firmado", signed_pdf())
    assert early.status_code == 409 and "Paso 7" in html.unescape(early.text)

    # Paso 7: the guide's confirmation, then the user's own password
    refused = finalize(c, "not-my-password")
    assert refused.status_code == 422
    assert "La contraseña no es correcta; el registro no se finalizó." in html.unescape(refused.text)
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).finalized_at is None
    kept = finalize(c, "Clave-Segura-2026", desea="NO")
    assert kept.status_code == 422 and exc.queries().overview(ADMIN_SCOPE, BC, YEAR).finalized_at is None
    done = finalize(c, "Clave-Segura-2026")
    assert done.status_code == 303 and done.headers["location"] == entity_path() + "/reportes"
    reports = html.unescape(c.get(done.headers["location"]).text)
    assert "Registro finalizado. Folio SS-2026-BC-V1" in reports
    assert "Nota: Existen Unidades Médicas sin Excedentes/Faltantes." in reports
    # the Preliminar says "aún no cierra el registro": once finalized it is refused, saying why
    late = c.get(entity_path() + "/reportes/preliminar")
    assert late.status_code == 409 and late.headers["content-type"].startswith("text/html")
    assert ("El reporte Preliminar ya no está disponible: la entidad finalizó el registro el "
            in html.unescape(late.text)) and "Descargue la Versión Final." in html.unescape(late.text)

    # locked: every change is refused with why and since when, typed values kept
    clock.advance(timedelta(minutes=10))  # "since when" is the finalization, not now
    locked = post_grid(c, grid, [anest], {anest: {"fa": "7", "c": "Falta de Equipo", "pm": "7"}})
    assert locked.status_code == 409 and LOCKED in html.unescape(locked.text)
    assert 'name="fa' not in locked.text and ">1200<" in locked.text  # what is stored, read-only
    assert LOCKED in html.unescape(answer(c, "SI").text)
    readonly = c.get(grid)
    assert LOCKED in html.unescape(readonly.text) and 'name="fa' not in readonly.text

    # Paso 8: the Versión Final, without the watermark, with the signatures and the folio
    final = c.get(entity_path() + "/reportes/final")
    assert final.status_code == 200
    text, pages = pdf_text(final.content)
    inst = exc.queries().institution(ADMIN_SCOPE, "SS")
    assert "Sin Validez Oficial" not in text and text.count(inst.signature_labels[0]) == pages
    assert "SS-2026-BC-V1" in text
    assert "SS-2026-BC-V1" in c.get(entity_path() + "/reportes").text  # the print is recorded

    # Paso 9: a PNG renamed .pdf is refused by its content; an announced size over the
    # institution's limit (150 MB for SS) is refused before the body is read
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256
    fake = upload(c, entity_path() + "/firmado", png, name="firmado.pdf")
    assert fake.status_code == 422 and "no es un PDF válido" in html.unescape(fake.text)
    path = entity_path() + "/firmado"
    csrf = csrf_from(c.get(path).text)
    big = c.post(path, data={"csrf_token": csrf},
                 files={"archivo": ("firmado.pdf", signed_pdf(), "application/pdf")},
                 headers={"content-length": str(150 * MB + 256 * 1024)}, follow_redirects=False)
    assert big.status_code == 413 and "150 MB" in html.unescape(big.text)
    assert exc.queries().signed_versions(ADMIN_SCOPE, BC, YEAR) == []

    # a real PDF is kept; the tablero then offers "Consultar/Modificar"
    first = upload(c, path, signed_pdf("v1"), name="reporte firmado.pdf")
    assert first.status_code == 303
    page = html.unescape(c.get(path).text)
    assert "Consultar/Modificar" in page and "Consultar PDF subido" in page
    assert "«reporte firmado.pdf»" in page  # the client name, kept as metadata only
    # sizes read like the limit beside them (MB, or whole KB for a small file), not "153600.0 KB"
    assert f"«reporte firmado.pdf», {format_size(len(signed_pdf('v1')))}," in page
    assert ".0 KB" not in page
    board = html.unescape(c.get("/excedentes/tablero").text)
    assert f'<a href="{path}">Consultar/Modificar</a>' in board
    got = c.get(path + "/descargar")
    assert got.status_code == 200 and got.content == signed_pdf("v1")
    assert got.headers["content-disposition"].startswith("attachment;")

    # replacing keeps the earlier version
    assert upload(c, path, signed_pdf("v2")).status_code == 303
    versions = exc.queries().signed_versions(ADMIN_SCOPE, BC, YEAR)
    assert [(v.version, v.current) for v in versions] == [(2, True), (1, False)]
    assert c.get(path + "/descargar?version=1").content == signed_pdf("v1")
    assert c.get(path + "/descargar").content == signed_pdf("v2")
    assert "Reemplazado por una versión posterior" in html.unescape(c.get(path).text)

    actions = {r.entry.action for r in container.audit_query().list(
        AuditFilter(target_id="SS:BC:2026", limit=50))}
    assert {"excedentes.answer", "excedentes.grid_saved", "excedentes.finalize",
            "excedentes.final_printed", "excedentes.signed_uploaded"} <= actions


def test_answer_no_then_finalize_and_reopen(as_user, world, container):
    c = as_user("cap_bc")
    no = answer(c, "NO")
    assert no.status_code == 303 and no.headers["location"] == entity_path() + "/finalizar"
    # SI without records would be refused; NO finalizes with the no-interventions sentence
    assert finalize(c, "Clave-Segura-2026").status_code == 303
    final = c.get(entity_path() + "/reportes/final")
    text, _ = pdf_text(final.content)
    assert ("La Entidad Federativa BAJA CALIFORNIA no reporta intervenciones "
            "Excedentes/Faltantes para el año 2026") in text

    # the coordinador reopens with a reason (none: refused, the form shown again)
    k = as_user("coord_ss")
    reopen = entity_path() + "/apertura"
    empty = k.post(reopen, data={"motivo": "  ", **page_form(k, reopen)},
                   follow_redirects=False)
    assert empty.status_code == 422 and "motivo" in html.unescape(empty.text).lower()
    done = k.post(reopen, data={"motivo": "Faltó registrar una unidad",
                                **page_form(k, reopen)}, follow_redirects=False)
    assert done.status_code == 303
    assert "Apertura registrada para SS:BC (2026)" in html.unescape(k.get(done.headers["location"]).text)
    overview = container.excedentes.queries().overview(ADMIN_SCOPE, BC, YEAR)
    assert overview.finalized_at is None and overview.lock_reason is None
    # a capturista cannot reopen
    assert c.post(reopen, data={"motivo": "x", "csrf_token": token(c)},
                  follow_redirects=False).status_code == 403
    # SI with no record at all: finalize refused with the rule's message
    assert answer(c, "SI").status_code == 303
    refused = finalize(c, "Clave-Segura-2026")
    assert refused.status_code == 409


def test_closed_window_is_read_only(as_user, world, container):
    k = as_user("coord_ss")
    path = "/excedentes/periodos/SS/2026/cerrar"
    assert k.post(path, data=form_fields(k, "/excedentes/periodos", path),
                  follow_redirects=False).status_code == 303
    c = as_user("cap_bc")
    closed = answer(c, "SI")
    msg = ("La captura del periodo 2026 está cerrada desde el 10/03/2026 10:00; solo es posible "
           "consultar los reportes.")
    assert closed.status_code == 409 and msg in html.unescape(closed.text)
    assert msg in html.unescape(c.get(grid_path(world, U_OCTUBRE)).text)
    # reports can still be consulted
    assert c.get(entity_path() + "/reportes/preliminar").status_code == 200


def test_repeated_wrong_passwords_end_the_session(as_user, world, container):
    c = as_user("cap_bc")
    assert answer(c, "NO").status_code == 303
    for _ in range(4):
        assert finalize(c, "guess-0000").status_code == 422
    assert finalize(c, "Clave-Segura-2026").status_code == 303  # a success resets the count
    k = as_user("coord_ss")
    reopen = entity_path() + "/apertura"
    k.post(reopen, data={"motivo": "Revisar", **page_form(k, reopen)})
    for _ in range(4):
        assert finalize(c, "guess-0000").status_code == 422
    ended = finalize(c, "guess-0000")
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    assert c.get("/excedentes/tablero", follow_redirects=False).headers["location"].startswith(
        "/login")
    assert container.excedentes.queries().overview(ADMIN_SCOPE, BC, YEAR).finalized_at is None
