"""Catalog and units imports from a stale page or API client (both databases): the page is
shown again with who imported and when, the API answers 428 without ``If-Match`` and 412 with
a stale one; nothing is imported either way."""

from __future__ import annotations

import html
import re

from excedentes.application.access import Actor
from tests.helpers import api_csrf, csrf_from
from tests.integration.excedentes.support import ADMIN_SCOPE

from .flows import if_match

PROBLEM = "application/problem+json"
INST = "/api/excedentes/institutions/SS"
CATALOG_HEAD = "Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
UNITS_HEAD = "CLUES,Unidad Médica,Nivel,Entidad,Institución\n"
COORD_SS2 = Actor.coordinador("coordinador.ss2", "SS")


def _catalog(product: str) -> bytes:
    return (CATALOG_HEAD + "Servicios de Atención Médica,Cirugía,Cirugía general,"
            f"{product},Procedimiento\n").encode()


def _products(container) -> set[str]:
    return {r.product for r in container.excedentes.read_model().catalog_rows("SS")}


def _import_elsewhere(container, tmp_path, product="Apendicectomía"):
    """Another coordinador imports meanwhile (through the same use case as the page)."""
    path = tmp_path / "otro.csv"
    path.write_bytes(_catalog(product))
    container.excedentes.import_catalog()(COORD_SS2, "SS", path, "otro.csv")


def _form_version(page: str, action: str) -> str:
    form = re.search(rf'action="{re.escape(action)}".*?</form>', page, re.S)
    assert form, action
    return re.search(r'name="version" value="(\d+)"', form.group(0)).group(1)


def test_a_stale_catalog_page_is_shown_again_with_who_imported(as_user, world, container,
                                                                tmp_path):
    k = as_user("coord_ss")
    page = k.get("/excedentes/catalogos").text
    assert "Última actualización: sin importaciones registradas" in html.unescape(page)
    action = "/excedentes/catalogos/SS/productos"
    drawn = _form_version(page, action)
    assert drawn == "0"
    _import_elsewhere(container, tmp_path)

    r = k.post(action, data={"csrf_token": csrf_from(page), "version": drawn},
               files={"archivo": ("mio.csv", _catalog("Hernioplastia inguinal"), "text/csv")},
               follow_redirects=False)
    text = html.unescape(r.text)
    assert r.status_code == 409
    assert re.search(r"Otra persona actualizó el catálogo el 10/03/2026 \d\d:\d\d "
                     r"\(coordinador\.ss2\); revise el catálogo actual y vuelva a importar su "
                     r"archivo\. Vuelva a seleccionar el archivo", text)
    assert re.search(r"Última actualización: 10/03/2026 \d\d:\d\d \(coordinador\.ss2\)", text)
    assert "Hernioplastia inguinal" not in _products(container)  # nothing imported
    # the page shown again carries the current version: choosing the file again imports it
    again_version = _form_version(r.text, action)
    assert again_version == "1"
    done = k.post(action, data={"csrf_token": csrf_from(r.text), "version": again_version},
                  files={"archivo": ("mio.csv", _catalog("Hernioplastia inguinal"), "text/csv")},
                  follow_redirects=False)
    assert done.status_code == 303 and "Hernioplastia inguinal" in _products(container)
    # a form without the version (a page of an older release) saves nothing either
    missing = k.post(action, data={"csrf_token": csrf_from(r.text)},
                     files={"archivo": ("x.csv", _catalog("Cierre de colostomía"), "text/csv")},
                     follow_redirects=False)
    assert missing.status_code == 428 and "Cierre de colostomía" not in _products(container)
    garbage = k.post(action, data={"csrf_token": csrf_from(r.text), "version": "dos"},
                     files={"archivo": ("x.csv", _catalog("Cierre de colostomía"), "text/csv")},
                     follow_redirects=False)
    assert garbage.status_code == 409 and "Cierre de colostomía" not in _products(container)


def test_a_stale_units_page_is_shown_again(as_user, world, container, tmp_path):
    k = as_user("coord_ss")
    page = k.get("/excedentes/catalogos").text
    action = "/excedentes/catalogos/SS/unidades"
    drawn = _form_version(page, action)
    path = tmp_path / "u.csv"
    path.write_bytes((UNITS_HEAD + "BCSSA009999,NUEVA,PRIMER NIVEL,BC,SS\n").encode())
    container.excedentes.import_units()(COORD_SS2, path, "u.csv")
    r = k.post(action, data={"csrf_token": csrf_from(page), "version": drawn},
               files={"archivo": ("u.csv", (UNITS_HEAD + "BCSSA008888,OTRA,PRIMER NIVEL,BC,SS\n")
                                  .encode(), "text/csv")}, follow_redirects=False)
    text = html.unescape(r.text)
    assert r.status_code == 409
    assert "Otra persona actualizó las unidades médicas de SS el 10/03/2026" in text
    assert "Vuelva a seleccionar el archivo" in text
    clues = {u.clues for u in container.excedentes.read_model().unit_rows("SS")}
    assert "BCSSA009999" in clues and "BCSSA008888" not in clues


def test_api_catalog_import_needs_the_current_etag(as_user, world, container, tmp_path):
    k = as_user("coord_ss")
    csrf = {"x-csrf-token": api_csrf(k)}
    meta = k.get(f"{INST}/catalog/version")
    assert meta.status_code == 200 and meta.headers["etag"] == '"0"'
    body = meta.json()
    assert body["catalog"]["version"] == 0 and body["catalog"]["updated_by"] is None
    assert body["products"] == len(_products(container)) and body["unit_count"] >= 1
    files = {"archivo": ("c.csv", _catalog("Hernioplastia inguinal"), "text/csv")}

    without = k.post(f"{INST}/catalog", files=files, headers=csrf)
    assert without.status_code == 428 and without.headers["content-type"] == PROBLEM
    assert "If-Match" in without.json()["detail"]
    bad = k.post(f"{INST}/catalog", files=files, headers={**csrf, "If-Match": "*"})
    assert bad.status_code == 412 and bad.headers["content-type"] == PROBLEM

    _import_elsewhere(container, tmp_path)
    stale = k.post(f"{INST}/catalog", files=files, headers={**csrf, "If-Match": '"0"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    problem = stale.json()
    assert problem["detail"].startswith("Otra persona actualizó el catálogo el 10/03/2026")
    assert "(coordinador.ss2)" in problem["detail"]
    assert "Hernioplastia inguinal" not in _products(container)

    current = k.get(f"{INST}/catalog/version")
    assert current.headers["etag"] == '"1"'
    assert current.json()["catalog"]["updated_by"] == "coordinador.ss2"
    done = k.post(f"{INST}/catalog", files=files,
                  headers={**csrf, **if_match(k, f"{INST}/catalog/version")})
    assert done.status_code == 200 and done.json()["created"] == 1
    assert k.get(f"{INST}/catalog/version").headers["etag"] == '"2"'
    # another institution's version answers like a missing one
    assert k.get("/api/excedentes/institutions/IMSS/catalog/version").status_code == 404
    assert as_user("cap_bc").get(f"{INST}/catalog/version").status_code == 403


def test_api_units_import_needs_the_current_etag(as_user, world, container):
    k = as_user("coord_ss")
    csrf = {"x-csrf-token": api_csrf(k)}
    mine = {"archivo": ("u.csv", (UNITS_HEAD + "BCSSA009999,NUEVA,PRIMER NIVEL,BC,SS\n")
                        .encode(), "text/csv")}
    assert k.post("/api/excedentes/units", files=mine, headers=csrf).status_code == 428
    etag = k.get(f"{INST}/units/version").headers["etag"]
    done = k.post("/api/excedentes/units", files=mine, headers={**csrf, "If-Match": etag})
    assert done.status_code == 200 and done.json()["created"] == 1
    again = k.post("/api/excedentes/units", files=mine, headers={**csrf, "If-Match": etag})
    assert again.status_code == 412 and again.headers["content-type"] == PROBLEM
    assert "las unidades médicas de SS" in again.json()["detail"]
    assert container.excedentes.queries().catalog_state(ADMIN_SCOPE, "SS").units.version == 1
    # an admin names the institution whose units version it sends
    a = as_user("admin_exc")
    ha = {"x-csrf-token": api_csrf(a), **if_match(a, f"{INST}/units/version")}
    other = {"archivo": ("u.csv", (UNITS_HEAD + "BCSSA008888,OTRA,PRIMER NIVEL,BC,SS\n")
                         .encode(), "text/csv")}
    assert a.post("/api/excedentes/units", files=other, headers=ha).status_code == 422
    ok = a.post("/api/excedentes/units", params={"institution": "SS"}, files=other, headers=ha)
    assert ok.status_code == 200 and ok.json()["created"] == 1
