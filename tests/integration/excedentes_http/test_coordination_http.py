"""The coordinador's pages: periods, product requests, catalog and units files, exports
(both databases)."""

from __future__ import annotations

import html
import re
import io

import openpyxl

from excedentes.application.use_cases.capture import AnswerStep2Command, SaveGridCommand
from tests.helpers import csrf_from
from tests.integration.excedentes.support import (
    ADMIN_SCOPE,
    BC,
    CAP_BC,
    U_OCTUBRE,
    YEAR,
    shortage_row,
)

from .flows import entity_path, form_fields, grid_path, token


def test_periods_pages(as_user, world, container):
    k = as_user("coord_ss")
    page = "/excedentes/periodos"
    bad = k.post("/excedentes/periodos/SS", data={"anio": "dos mil", "csrf_token": token(k, page)},
                 follow_redirects=False)
    assert bad.status_code == 422 and "«Año» debe ser un número entero." in html.unescape(bad.text)
    assert 'value="dos mil"' in bad.text  # the typed value is shown again
    made = k.post("/excedentes/periodos/SS", data={"anio": "2027", "inicio": "2027-02-01",
                                                   "fin": "2027-03-31", "csrf_token": token(k, page)},
                  follow_redirects=False)
    assert made.status_code == 303
    assert "Captura del periodo 2027 creado (abierto)." in html.unescape(k.get(made.headers["location"]).text)
    win = "/excedentes/periodos/SS/2027/ventana"
    backwards = k.post(win, data={"inicio": "2027-03-01", "fin": "2027-02-01",
                                  **form_fields(k, page, win)}, follow_redirects=False)
    assert backwards.status_code == 422 and "Periodo 2027" in html.unescape(backwards.text)
    window = k.post(win, data={"inicio": "2027-01-15", "fin": "", **form_fields(k, page, win)},
                    follow_redirects=False)
    assert window.status_code == 303
    period = container.excedentes.queries().period(ADMIN_SCOPE, "SS", 2027)
    assert str(period.window_start) == "2027-01-15" and period.window_end is None
    close = "/excedentes/periodos/SS/2027/cerrar"
    closed = k.post(close, data=form_fields(k, page, close), follow_redirects=False)
    assert closed.status_code == 303
    assert not container.excedentes.queries().period(ADMIN_SCOPE, "SS", 2027).is_open
    reopen = "/excedentes/periodos/SS/2025/abrir"
    opened = k.post(reopen, data=form_fields(k, page, reopen), follow_redirects=False)
    assert opened.status_code == 303
    assert container.excedentes.queries().period(ADMIN_SCOPE, "SS", 2025).is_open
    # another institution's period answers like a missing one
    assert k.post("/excedentes/periodos/IMSS/2026/cerrar",
                  data={"csrf_token": token(k, page), "version": "0"}).status_code == 404


def test_product_requests_from_the_grid_to_the_catalog(as_user, world):
    c = as_user("cap_bc")
    form = (f"{entity_path()}/unidades/{U_OCTUBRE}/grupos/{world.gid('Cirugía')}"
            f"/solicitar-producto?especialidad={world.sid('Cirugía general')}")
    page = html.unescape(c.get(form).text)
    assert "Solicitar producto" in page and "Grupo de Servicio: <strong>Cirugía</strong>" in page
    empty = c.post(form, data={"producto": "", "unidad_medida": "Procedimiento",
                               "csrf_token": token(c, form)}, follow_redirects=False)
    assert empty.status_code == 422 and 'value="Procedimiento"' in empty.text
    for name in ("Colecistectomía laparoscópica", "Hernioplastia inguinal"):
        sent = c.post(form, data={"producto": name, "unidad_medida": "Procedimiento",
                                  "justificacion": "No aparece en el listado",
                                  "csrf_token": token(c, form)}, follow_redirects=False)
        assert sent.status_code == 303
        assert sent.headers["location"] == grid_path(world, U_OCTUBRE)
    assert "Solicitud de producto enviada al coordinador" in html.unescape(
        c.get(grid_path(world, U_OCTUBRE)).text)

    k = as_user("coord_ss")
    # the CLI's Spanish spelling filters the page (it was refused: "use pending, …")
    queue = html.unescape(k.get("/excedentes/solicitudes?estatus=en-espera").text)
    assert '<option value="en-espera" selected>En espera</option>' in queue
    bad = k.get("/excedentes/solicitudes?estatus=xx")
    assert bad.status_code == 422
    assert "Estatus no válido (use en-espera, aceptada o rechazada)." in html.unescape(bad.text)
    assert "Colecistectomía laparoscópica" in queue and "Hernioplastia inguinal" in queue
    ids = sorted(int(x) for x in re.findall(r"/excedentes/solicitudes/(\d+)/aceptar", queue))
    assert len(ids) == 2
    queue_page = "/excedentes/solicitudes"
    reject, accept = (f"/excedentes/solicitudes/{ids[1]}/rechazar",
                      f"/excedentes/solicitudes/{ids[0]}/aceptar")
    no_reason = k.post(reject, data={"motivo": " ", **form_fields(k, queue_page, reject)},
                       follow_redirects=False)
    assert no_reason.status_code == 422
    assert k.post(reject, data={"motivo": "Ya existe como Hernioplastia",
                                **form_fields(k, queue_page, reject)},
                  follow_redirects=False).status_code == 303
    accept_form = form_fields(k, queue_page, accept)
    assert k.post(accept, data=accept_form, follow_redirects=False).status_code == 303
    twice = k.post(accept, data=accept_form, follow_redirects=False)  # the same page again
    assert twice.status_code == 409
    assert "Otra persona guardó esta solicitud de producto" in html.unescape(twice.text)

    # the capturista sees the decisions, and the accepted product is in the grid
    mine = html.unescape(c.get("/excedentes/solicitudes").text)
    assert "Aceptada" in mine and "Rechazada" in mine and "Ya existe como Hernioplastia" in mine
    assert "Colecistectomía laparoscópica" in html.unescape(c.get(grid_path(world, U_OCTUBRE)).text)
    # capturistas do not decide
    assert c.post(f"/excedentes/solicitudes/{ids[0]}/aceptar",
                  data={"csrf_token": token(c)}).status_code == 403


def _form_version(page: str, path: str) -> str:
    """The version the import form posting to ``path`` carries (the page it was drawn from)."""
    form = re.search(rf'action="{re.escape(path)}".*?</form>', page, re.S)
    assert form, path
    return re.search(r'name="version" value="(\d+)"', form.group(0)).group(1)


def _post_file(client, path: str, name: str, content: bytes, ctype: str = "text/csv",
               version: str | None = None):
    page = client.get("/excedentes/catalogos").text
    data = {"csrf_token": csrf_from(page),
            "version": _form_version(page, path) if version is None else version}
    return client.post(path, data=data, files={"archivo": (name, content, ctype)},
                       follow_redirects=False)


def test_catalog_and_units_files(as_user, world, container):
    k = as_user("coord_ss")
    bad = ("Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
           "Servicios de Atención Médica,Cirugía,Cirugía general,Apendicectomía,Procedimiento\n"
           "Servicios de Atención Médica,Cirugía,,Sin especialidad,Procedimiento\n"
           "Servicios de Atención Médica,Cirugía,Cirugía general,,Procedimiento\n")
    refused = _post_file(k, "/excedentes/catalogos/SS/productos", "catalogo.csv", bad.encode())
    page = html.unescape(refused.text)
    assert refused.status_code == 422 and "No se importó ninguna línea" in page
    assert '<td class="num">3</td>' in refused.text and '<td class="num">4</td>' in refused.text
    tree = container.excedentes.queries().catalog_tree(ADMIN_SCOPE, "SS")
    cirugia = [g for s in tree.services for g in s.groups if g.name == "Cirugía"][0]
    assert cirugia.products == 3  # all or nothing: the good line was not imported either

    good = "\n".join(bad.splitlines()[:2]) + "\n"
    done = _post_file(k, "/excedentes/catalogos/SS/productos", "catalogo.csv", good.encode())
    assert done.status_code == 303
    assert "1 nueva," in html.unescape(k.get(done.headers["location"]).text)
    exe = _post_file(k, "/excedentes/catalogos/SS/productos", "catalogo.csv",
                     b"MZ\x90\x00" + b"\x00" * 64, "text/csv")
    assert exe.status_code == 422 and "CSV o XLSX" in html.unescape(exe.text)

    exported = k.get("/excedentes/catalogos/SS/exportar/productos/csv")
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert "Apendicectomía" in exported.content.decode("utf-8-sig")
    units = k.get("/excedentes/catalogos/SS/exportar/unidades/xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(units.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "CLUES" and any(r[0] == U_OCTUBRE for r in rows[1:])

    # units of another institution are line errors for this coordinador
    foreign = ("CLUES,Unidad Médica,Nivel,Entidad,Institución\n"
               "NLIMS000999,UMF 99,PRIMER NIVEL,NL,IMSS\n")
    units_refused = _post_file(k, "/excedentes/catalogos/SS/unidades", "unidades.csv",
                               foreign.encode())
    assert units_refused.status_code == 422 and '<td class="num">2</td>' in units_refused.text
    mine = "CLUES,Unidad Médica,Nivel,Entidad,Institución\nBCSSA009999,NUEVA,PRIMER NIVEL,BC,SS\n"
    assert _post_file(k, "/excedentes/catalogos/SS/unidades", "unidades.csv",
                      mine.encode()).status_code == 303
    assert "NUEVA, PRIMER NIVEL" in k.get(entity_path() + "/unidades").text


def test_record_exports(as_user, world):
    exc = world.exc
    exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    exc.save_grid()(CAP_BC, SaveGridCommand(BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                                            world.sid("Cirugía general"),
                                            [shortage_row(world.pid("Anestesia"))]))

    def rows(response):
        assert response.status_code == 200, response.text[-500:]
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return list(book.active.iter_rows(values_only=True))

    c = as_user("cap_bc")
    own = rows(c.get(entity_path() + "/exportar"))
    assert len(own) == 2 and "Anestesia" in own[1]
    assert "Excel de los registros de BAJA CALIFORNIA (2026)" in c.get("/excedentes/tablero").text
    assert c.get(f"/api/excedentes/institutions/SS/records/{YEAR}").status_code == 403
    k = as_user("coord_ss")
    assert len(rows(k.get(f"/excedentes/exportar?periodo={YEAR}"))) == 2
    a = as_user("admin_exc")
    assert len(rows(a.get(f"/excedentes/exportar?ambito=pais&periodo={YEAR}"))) == 2
    assert k.get(f"/api/excedentes/records/{YEAR}").status_code == 403  # the country: admin only
