"""The JSON API's catalog and unit files (import all-or-nothing, export), a product request
rejected with its reason, and the preliminary report (both databases)."""

from __future__ import annotations

import io

import openpyxl

from tests.helpers import api_csrf
from tests.integration.excedentes.support import ADMIN_SCOPE, U_OCTUBRE, YEAR

from .flows import api_entity, api_etag, if_match, pdf_text

PROBLEM = "application/problem+json"
INST = "/api/excedentes/institutions/SS"
CATALOG_HEADER = "Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
UNITS_HEADER = "CLUES,Unidad Médica,Nivel,Entidad,Institución\n"


def _cirugia_products(container) -> int:
    tree = container.excedentes.queries().catalog_tree(ADMIN_SCOPE, "SS")
    return [g for s in tree.services for g in s.groups if g.name == "Cirugía"][0].products


def test_api_catalog_import_is_all_or_nothing_and_exports_round_trip(as_user, world, container):
    k = as_user("coord_ss")
    h = {"x-csrf-token": api_csrf(k), **if_match(k, f"{INST}/catalog/version")}
    before = _cirugia_products(container)
    bad = (CATALOG_HEADER
           + "Servicios de Atención Médica,Cirugía,Cirugía general,Apendicectomía,Procedimiento\n"
           + "Servicios de Atención Médica,Cirugía,Cirugía general,,Procedimiento\n")
    refused = k.post(f"{INST}/catalog", files={"archivo": ("catalogo.csv", bad.encode(), "text/csv")},
                     headers=h)
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    body = refused.json()
    assert "No se importó ninguna línea" in body["detail"]
    assert [e["line"] for e in body["errors"]] == [3]
    assert _cirugia_products(container) == before  # the good line was not kept either

    good = CATALOG_HEADER + "Servicios de Atención Médica,Cirugía,Cirugía general,Apendicectomía,Procedimiento\n"
    done = k.post(f"{INST}/catalog", files={"archivo": ("catalogo.csv", good.encode(), "text/csv")},
                  headers=h)
    assert done.status_code == 200 and done.json()["created"] == 1 and done.json()["total"] == 1
    assert _cirugia_products(container) == before + 1
    h = {"x-csrf-token": api_csrf(k), **if_match(k, f"{INST}/catalog/version")}
    again = k.post(f"{INST}/catalog", files={"archivo": ("catalogo.csv", good.encode(), "text/csv")},
                   headers=h)
    assert again.json()["created"] == 0 and again.json()["unchanged"] == 1  # idempotent
    h = {"x-csrf-token": api_csrf(k), **if_match(k, f"{INST}/catalog/version")}

    no_file = k.post(f"{INST}/catalog", data={}, headers=h)
    assert no_file.status_code in (400, 422) and no_file.headers["content-type"] == PROBLEM
    exe = k.post(f"{INST}/catalog", files={"archivo": ("catalogo.csv", b"MZ\x90\x00" + b"\x00" * 64,
                                                       "text/csv")}, headers=h)
    assert exe.status_code == 422 and "CSV o XLSX" in exe.json()["detail"]

    csv_out = k.get(f"{INST}/catalog", params={"format": "csv"})
    assert csv_out.status_code == 200 and csv_out.headers["content-type"].startswith("text/csv")
    assert csv_out.headers["content-disposition"].startswith("attachment;")
    text = csv_out.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Servicio,Grupo de Servicio,Especialidad,Producto")
    assert "Apendicectomía" in text
    xlsx_out = k.get(f"{INST}/catalog", params={"format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx_out.content), read_only=True).active
                .iter_rows(values_only=True))
    assert rows[0][:5] == ("Servicio", "Grupo de Servicio", "Especialidad", "Producto", "Unidad de Medida")
    assert len(rows) - 1 == len(text.strip().splitlines()) - 1  # same products in both formats
    # the exported file imports back unchanged
    h = {"x-csrf-token": api_csrf(k), **if_match(k, f"{INST}/catalog/version")}
    back = k.post(f"{INST}/catalog", files={"archivo": ("catalogo.xlsx", xlsx_out.content,
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}, headers=h)
    assert back.status_code == 200 and back.json()["created"] == 0, back.text

    pdf = k.get(f"{INST}/catalog", params={"format": "pdf"})
    assert pdf.status_code == 404 and "use csv o xlsx" in pdf.json()["detail"]
    # another institution's catalog answers like a missing one
    assert k.get("/api/excedentes/institutions/IMSS/catalog").status_code == 404
    assert k.post("/api/excedentes/institutions/IMSS/catalog",
                  files={"archivo": ("c.csv", good.encode(), "text/csv")}, headers=h).status_code == 404
    # a capturista may not import or export catalogs
    c = as_user("cap_bc")
    hc = {"x-csrf-token": api_csrf(c)}
    assert c.get(f"{INST}/catalog").status_code == 403
    assert c.post(f"{INST}/catalog", files={"archivo": ("c.csv", good.encode(), "text/csv")},
                  headers=hc).status_code == 403


def test_api_units_import_and_export(as_user, world):
    k = as_user("coord_ss")
    h = {"x-csrf-token": api_csrf(k), **if_match(k, f"{INST}/units/version")}
    foreign = UNITS_HEADER + "BCSSA009999,NUEVA,PRIMER NIVEL,BC,SS\nNLIMS000999,UMF 99,PRIMER NIVEL,NL,IMSS\n"
    refused = k.post("/api/excedentes/units", files={"archivo": ("u.csv", foreign.encode(), "text/csv")},
                     headers=h)
    assert refused.status_code == 422 and [e["line"] for e in refused.json()["errors"]] == [3]
    assert "BCSSA009999" not in k.get(f"{INST}/units").content.decode("utf-8-sig")

    mine = UNITS_HEADER + "BCSSA009999,NUEVA,PRIMER NIVEL,BC,SS\n"
    done = k.post("/api/excedentes/units", files={"archivo": ("u.csv", mine.encode(), "text/csv")}, headers=h)
    assert done.status_code == 200 and done.json()["created"] == 1
    csv_units = k.get(f"{INST}/units").content.decode("utf-8-sig")
    assert csv_units.splitlines()[0].startswith("CLUES") and "BCSSA009999" in csv_units
    xlsx = k.get(f"{INST}/units", params={"format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).active
                .iter_rows(values_only=True))
    assert rows[0][0] == "CLUES" and {U_OCTUBRE, "BCSSA009999"} <= {r[0] for r in rows[1:]}
    units = k.get(api_entity() + "/units", params={"q": "nueva"}).json()
    assert units["page"]["total"] == 1 and units["page"]["items"][0]["clues"] == "BCSSA009999"


def test_api_product_request_rejected_with_reason_and_preliminary_report(as_user, world):
    c = as_user("cap_bc")
    hc = {"x-csrf-token": api_csrf(c)}
    assert c.put(api_entity() + "/answer", json={"answer": "SI"},
                 headers={**hc, **api_etag(c)}).status_code == 200
    prelim = c.get(api_entity() + "/reports/preliminary")
    assert prelim.status_code == 200 and prelim.headers["content-type"] == "application/pdf"
    assert prelim.headers["content-disposition"].startswith("attachment;")
    text, pages = pdf_text(prelim.content)
    assert pages >= 1 and "Sin Validez Oficial." in text and f"{YEAR}" in text
    assert "aún no cierra el registro de información." in text
    # the final report does not exist before Paso 7
    early_final = c.get(api_entity() + "/reports/final")
    assert early_final.status_code == 409 and early_final.headers["content-type"] == PROBLEM

    filed = c.post(api_entity() + "/product-requests", json={
        "group_id": world.gid("Cirugía"), "specialty_id": world.sid("Cirugía general"),
        "product_name": "Trasplante de cara", "unit_of_measure": "Procedimiento",
        "justification": "Se realiza"}, headers=hc)
    rid = filed.json()["id"]
    k = as_user("coord_ss")
    hk = {"x-csrf-token": api_csrf(k)}
    one = f"/api/excedentes/product-requests/{rid}"
    empty = k.post(f"{one}/reject", json={"reason": "  "}, headers={**hk, **if_match(k, one)})
    assert empty.status_code == 422 and empty.headers["content-type"] == PROBLEM
    rejected = k.post(f"{one}/reject", json={"reason": "No se realiza en el sector"},
                      headers={**hk, **if_match(k, one)})
    assert rejected.status_code == 200
    seen = c.get(f"/api/excedentes/product-requests/{rid}").json()
    assert seen["status"] == "rejected" and seen["decision_reason"] == "No se realiza en el sector"
    assert seen["status_label"] == "Rechazada" and seen["decided_by"] == "coord_ss"
    # another institution's coordinador cannot see or decide it: like a missing one
    other = as_user("coord_imss")
    ho = {"x-csrf-token": api_csrf(other)}
    assert other.get(f"/api/excedentes/product-requests/{rid}").status_code == 404
    assert other.post(f"/api/excedentes/product-requests/{rid}/reject", json={"reason": "x"},
                      headers={**ho, "If-Match": '"1"'}).status_code == 404
