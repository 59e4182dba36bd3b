"""Paso 6 data quality over HTTP, on both databases: copy last period's values, an outlier
refused without a comment and kept with one, the comment shown after reload, the coordinador's
list of outliers (page and JSON) and the history of the value; scoped like every page."""

from __future__ import annotations

import html
import io
import re

from openpyxl import load_workbook

from excedentes.domain.model import Answer, EntityReport
from excedentes.domain.records import Record
from tests.helpers import csrf_from
from tests.integration.excedentes.support import ADMIN_SCOPE, BC, U_ALGODONES, U_OCTUBRE, YEAR

from .flows import api_entity, entity_path, grid_hidden, grid_path, input_value, page_form

OUTLIER = "Valor atípico: 12,000 pacientes mensuales; en 2025 esta unidad reportó 40"


def _last_period(container, world) -> None:
    """BC's 2025 report (a closed period): 3 de Octubre had 40 patients of Anestesia."""
    exc = container.excedentes
    with exc.uow() as uow:
        period = uow.periods.get("SS", YEAR - 1)
        report = EntityReport(entity_code="BC", period=period, answer=Answer.YES, records=(
            Record(U_OCTUBRE, world.pid("Anestesia"), "faltante", "ambulatorio", 3, 40,
                   "Falta de Equipo"),))
        uow.reports.add(report)
        uow.commit()


def _post(client, path, pid, values, comment=""):
    page = client.get(path).text
    data = {"csrf_token": csrf_from(page), "p": [str(pid)], **grid_hidden(page),
            f"nt{pid}": comment}
    data.update({f"{k}{pid}": v for k, v in values.items()})
    return client.post(path, data=data, follow_redirects=False)


def test_outlier_needs_a_comment_and_the_coordinador_sees_it(as_user, world, container):
    _last_period(container, world)
    c = as_user("cap_bc")
    assert c.post(entity_path() + "/respuesta", data={"respuesta": "SI",
                  **page_form(c, entity_path())}, follow_redirects=False).status_code == 303
    anest = world.pid("Anestesia")
    grid = grid_path(world, U_OCTUBRE)
    exc = container.excedentes

    # "Copiar los valores del periodo anterior": typed in, nothing saved
    copied = c.get(grid + "&copiar=1")
    assert copied.status_code == 200
    assert "Se copiaron los valores de 1 producto del periodo 2025" in html.unescape(copied.text)
    assert input_value(copied.text, f"fa{anest}") == "3"
    assert input_value(copied.text, f"pm{anest}") == "40"
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).record_count == 0
    none = c.get(grid_path(world, U_ALGODONES) + "&copiar=1")
    assert "no se copió nada" in html.unescape(none.text)

    # an outlier without a comment: refused, the explanation in the cell, nothing saved
    values = {"fa": "3", "c": "Falta de Equipo", "pm": "12,000"}
    refused = _post(c, grid, anest, values)
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert "No se guardó ningún dato: corrija 1 error señalado en la tabla (fila 1)." in text
    assert OUTLIER in text and f'aria-describedby="e-pm{anest}"' in refused.text
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).record_count == 0

    # with a comment it is kept; the comment and the warning show after reload
    kept = _post(c, grid, anest, values, comment="Jornada estatal de cirugía")
    assert kept.status_code == 303
    shown = c.get(grid)
    assert input_value(shown.text, f"nt{anest}") == "Jornada estatal de cirugía"
    assert OUTLIER.replace("Valor atípico: ", "") in html.unescape(shown.text)
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).record_count == 1

    # the entity's Excel carries the comment and the warning beside the record
    sheet = load_workbook(io.BytesIO(c.get(entity_path() + "/exportar").content)).worksheets[0]
    head, first = [cell.value for cell in sheet[1]], [cell.value for cell in sheet[2]]
    assert first[head.index("Comentario")] == "Jornada estatal de cirugía"
    assert first[head.index("Valor atípico")].startswith("12,000 pacientes mensuales")

    # the coordinador's list: page (linked from the entity) and JSON
    k = as_user("coord_ss")
    assert entity_path() + "/valores-atipicos" in k.get(entity_path()).text
    page = html.unescape(k.get(entity_path() + "/valores-atipicos").text)
    assert "Anestesia" in page and "Jornada estatal de cirugía" in page
    assert "12,000 pacientes mensuales; en 2025 esta unidad reportó 40" in page
    # ... and in the review of the report, beside Aceptar / Devolver
    review = html.unescape(k.get(entity_path() + "/revision").text)
    assert "Valores atípicos y sus comentarios" in review
    assert "Jornada estatal de cirugía" in review and "12,000 pacientes mensuales" in review
    items = k.get(api_entity() + "/outliers").json()["items"]
    assert [(i["clues"], i["product_id"], i["comment"]) for i in items] == [
        (U_OCTUBRE, anest, "Jornada estatal de cirugía")]

    # the history of the value, from the audit trail, loaded only when asked
    hist_path = f"{entity_path()}/unidades/{U_OCTUBRE}/productos/{anest}/historial"
    assert hist_path in shown.text
    hist = html.unescape(k.get(hist_path).text)
    assert "cap_bc" in hist and "vacío" in hist
    assert "Faltante Ambulatoria: 3 eventos, 12,000 pacientes (Falta de Equipo)" in hist
    assert "(sin comentario) → Jornada estatal de cirugía" in hist
    api = k.get(f"{api_entity()}/units/{U_OCTUBRE}/products/{anest}/history").json()
    assert api["product"] == "Anestesia" and len(api["entries"]) == 1
    assert api["entries"][0]["comment_after"] == "Jornada estatal de cirugía"


def test_quality_pages_are_scoped(as_user, world):
    other = as_user("cap_bs")  # another entity of the same institution
    assert other.get(entity_path() + "/valores-atipicos").status_code == 404
    assert other.get(api_entity() + "/outliers").status_code == 404
    c = as_user("cap_bc")
    imss_product = world.pid("Anestesia", "IMSS")
    missing = c.get(f"{entity_path()}/unidades/{U_OCTUBRE}/productos/{imss_product}/historial")
    unknown = c.get(f"{entity_path()}/unidades/{U_OCTUBRE}/productos/999999/historial")
    assert missing.status_code == unknown.status_code == 404
    assert re.search("Producto no encontrado", html.unescape(missing.text))


def test_the_same_when_the_unit_is_read_whole_past_the_in_list(as_user, world, container,
                                                               monkeypatch):
    """A grid past ``IN_LIST_MAX`` products (Cirugía: 2,857) reads the unit's notes and last
    period's rows whole and keeps its products: copy, outlier, comment all as above."""
    from excedentes.adapters.sql import quality as quality_sql

    monkeypatch.setattr(quality_sql, "IN_LIST_MAX", 0)
    test_outlier_needs_a_comment_and_the_coordinador_sees_it(as_user, world, container)
