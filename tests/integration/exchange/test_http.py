"""The exchange pages and JSON API through Litestar's test client (real sessions and CSRF),
on SQLite and PostgreSQL: run from the form, the national view with its SVG charts and
tables, the drill-down, the downloads, bad input, and scope (foreign = missing)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.helpers import api_csrf, assert_foreign_like_missing, csrf_from

from .support import U_BS, U_HOSPITAL, U_OCTUBRE, login_as, make_users

FORM = {"periodo": "2026", "nivel": ["1", "2", "3"], "entre_instituciones": "1", "minimo": "1"}


def _run_from_form(client) -> int:
    page = client.get("/intercambios")
    assert page.status_code == 200 and "Nuevo análisis" in page.text
    response = client.post("/intercambios", data={**FORM, "csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_admin_runs_reads_and_downloads(client, container, xworld):
    make_users(container, "admin")
    login_as(client, "admin")
    aid = _run_from_form(client)
    page = client.get(f"/intercambios/{aid}")
    assert page.status_code == 200
    html = page.text
    assert "la asignación óptima cubre 83.3 %" in html  # the flash after the redirect
    for text in ("Asignación voraz y asignación óptima", "Faltantes y excedentes por estado",
                 "Potencial de intercambio por estado", "Potencial de intercambio por institución",
                 "Productos con más pacientes faltantes", "BAJA CALIFORNIA SUR",
                 "Lo que agrega el óptimo",
                 'href="/static/exchange.css'):
        assert text in html, text
    # Four server-side charts, each an accessible SVG with a table under it.
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    assert len(svgs) == 4
    for svg in svgs:
        root = ET.fromstring(svg)
        # a chart with drill-down links is a figure (links inside an img are hidden)
        links = root.find(".//{http://www.w3.org/2000/svg}a") is not None
        assert root.get("role") == ("figure" if links else "img") and root.get("aria-labelledby")
        assert root.find("{http://www.w3.org/2000/svg}desc").text
    assert html.count("<table") == 5
    assert f'href="/intercambios/{aid}/propuestas?estado=03"' in html  # drill-down links

    drill = client.get(f"/intercambios/{aid}/propuestas?estado=03")
    assert drill.status_code == 200
    assert U_BS in drill.text and "Mostrando 1 a 1 de 1 registro" in drill.text
    provider = client.get(f"/intercambios/{aid}/propuestas?estado=03&lado=proveedor")
    assert "Mostrando 1 a 2 de 2 registros" in provider.text
    greedy = client.get(f"/intercambios/{aid}/propuestas?metodo=voraz")
    assert "Mostrando 1 a 6 de 6 registros" in greedy.text
    entities = client.get(f"/intercambios/{aid}/entidades?institucion=SS")
    assert "BAJA CALIFORNIA SUR (SS)" in entities.text and "Nuevo León" not in entities.text
    filtered = client.get(f"/intercambios/{aid}?institucion=IMSS")
    assert "Filtro: institución IMSS." in filtered.text
    # A service group with no records in the scenario: the filter is echoed, nothing proposed.
    by_group = client.get(f"/intercambios/{aid}?grupo=Anatomía patológica")
    assert by_group.status_code == 200 and "Filtro: grupo Anatomía patológica." in by_group.text
    none = client.get(f"/intercambios/{aid}/propuestas?grupo=Anatomía patológica")
    assert "Mostrando 0 a 0 de 0 registros" in none.text

    xlsx = client.get(f"/intercambios/{aid}/excel")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb["Intercambios"].max_row == 9
    pdf = client.get(f"/intercambios/{aid}/pdf?estado=02")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "BAJA CALIFORNIA" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()

    # "Repetir análisis": the form comes back with the analysis' parameters.
    again = client.get(f"/intercambios?desde={aid}")
    assert re.search(r'name="minimo"[^>]*value="1"', again.text)


def test_bad_input_is_shown_back_in_spanish(client, container, xworld):
    make_users(container, "coordinador.ss")
    login_as(client, "coordinador.ss")
    token = csrf_from(client.get("/intercambios").text)
    bad = client.post("/intercambios", data={**FORM, "minimo": "0", "csrf_token": token})
    assert bad.status_code == 422
    assert "Mínimo de pacientes por intercambio» debe ser al menos 1" in bad.text
    assert re.search(r'name="minimo"[^>]*value="0"', bad.text)  # the typed value stays
    none = client.post("/intercambios", data={"periodo": "2026", "minimo": "1",
                                              "csrf_token": token})
    assert none.status_code == 422 and "Seleccione al menos un nivel" in none.text
    foreign = client.post("/intercambios", data={**FORM, "institucion": "IMSS",
                                                 "csrf_token": token})
    assert foreign.status_code == 422 and "debe incluir a su institución (SS)" in foreign.text
    assert 'value="IMSS" checked' in foreign.text
    assert client.get("/intercambios/1?estado=Atlantis").status_code == 422
    assert client.get("/intercambios/1/propuestas?lado=arriba").status_code == 422


def test_scope_over_http(client, container, xworld):
    make_users(container)
    login_as(client, "coordinador.imss")
    aid = _run_from_form(client)

    login_as(client, "capturista.ss.bs")
    home = client.get("/intercambios")
    assert "Oportunidades de intercambio" in home.text and "Nuevo análisis" not in home.text
    assert client.post("/intercambios", data={**FORM, "csrf_token": csrf_from(home.text)}
                       ).status_code == 403
    mine = client.get(f"/intercambios/{aid}/propuestas")
    assert "Mostrando 1 a 3 de 3 registros" in mine.text
    assert U_HOSPITAL in mine.text and U_OCTUBRE in mine.text
    api = client.get(f"/api/excedentes/intercambios/{aid}/exchanges").json()
    assert api["total"] == 3
    assert all(U_BS in (e["requesting"]["clues"], e["providing"]["clues"]) for e in api["items"])

    login_as(client, "capturista.issste.cc")  # nothing of its entity is in the analysis
    assert "Aún no hay análisis" in client.get("/intercambios").text
    for suffix in ("", "/propuestas", "/entidades", "/excel", "/pdf"):
        assert_foreign_like_missing(client, f"/intercambios/{aid}{suffix}",
                                    f"/intercambios/999{suffix}")
    for suffix in ("", "/overview", "/exchanges", "/potentials", "/xlsx"):
        assert_foreign_like_missing(client, f"/api/excedentes/intercambios/{aid}{suffix}",
                                    f"/api/excedentes/intercambios/999{suffix}")


def test_json_api(client, container, xworld):
    make_users(container, "admin", "coordinador.imss")
    login_as(client, "admin")
    headers = {"X-CSRF-Token": api_csrf(client)}
    run = client.post("/api/excedentes/intercambios", headers=headers, json={
        "year": 2026, "criteria": {"tiers": [1, 2, 3], "min_patients": 1}})
    assert run.status_code == 201, run.text
    body = run.json()
    aid = body["analysis"]["id"]
    assert body["comparison"]["optimal"]["figures"]["patients_covered"] == 23
    assert body["comparison"]["greedy"]["figures"]["patients_covered"] == 21
    assert body["analysis"]["criteria"]["tiers"] == [1, 2, 3]
    overview = client.get(f"/api/excedentes/intercambios/{aid}/overview?state=02").json()
    assert [s["state"] for s in overview["states"]] == ["02"]
    assert overview["filter"]["state_name"] == "BAJA CALIFORNIA"
    states = client.get(f"/api/excedentes/intercambios/{aid}/potentials?level=state").json()
    assert {s["key"] for s in states} == {"02", "03", "15", "19"}
    listed = client.get("/api/excedentes/intercambios").json()
    assert listed["total"] == 1 and listed["items"][0]["potential"]["optimal"][
        "patients_covered"] == 23
    options = client.get("/api/excedentes/intercambios/options").json()
    assert options["years"] == [2026, 2025] and options["may_run"] is True
    xlsx = client.get(f"/api/excedentes/intercambios/{aid}/xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    for bad, code in (({"year": 2026, "criteria": {"tiers": [7]}}, "invalid_criteria"),
                      ({"year": 2026, "criteria": {"tier": [1]}}, "body_invalid"),
                      ({"year": "dos mil"}, "body_invalid"),
                      ({"year": 2026, "state": "Atlantis"}, "unknown_state")):
        refused = client.post("/api/excedentes/intercambios", headers=headers, json=bad)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == code
    missing = client.post("/api/excedentes/intercambios", headers=headers, json={"year": 2031})
    assert missing.status_code == 404

    schema = client.get("/schema/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/excedentes/intercambios", "/api/excedentes/intercambios/{analysis_id}",
                 "/api/excedentes/intercambios/{analysis_id}/overview",
                 "/api/excedentes/intercambios/{analysis_id}/exchanges"):
        assert path in paths, path
    assert "ExchangeOverview" in str(schema["components"]["schemas"].keys())
    params = {p["name"] for p in paths["/api/excedentes/intercambios/{analysis_id}/exchanges"][
        "get"]["parameters"]}
    assert {"institution", "state", "service_group", "side", "method", "page"} <= params

    login_as(client, "coordinador.imss")
    headers = {"X-CSRF-Token": api_csrf(client)}
    mine = client.get(f"/api/excedentes/intercambios/{aid}/overview").json()
    assert mine["total"]["optimal"]["shortage_records"] == 2
    assert mine["analysis"]["national_optimal"] is None
    refused = client.post("/api/excedentes/intercambios", headers=headers,
                          json={"year": 2026, "criteria": {"institutions": ["SS"]}})
    assert refused.status_code == 422 and "IMSS" in refused.json()["detail"]


def test_analysis_id_past_the_integer_range_answers_like_a_missing_one(client, container,
                                                                        xworld):
    # Found by the API fuzzer: such an id reached the database ("int too large": a 500).
    make_users(container, "coordinador.imss")
    login_as(client, "coordinador.imss")
    huge = 12154465332901509120
    for suffix in ("", "/overview", "/exchanges", "/potentials", "/xlsx", "/pdf"):
        assert_foreign_like_missing(client, f"/api/excedentes/intercambios/{huge}{suffix}",
                                    f"/api/excedentes/intercambios/999{suffix}")
    assert_foreign_like_missing(client, f"/intercambios/{huge}/propuestas",
                                "/intercambios/999/propuestas")


def test_the_list_shows_a_new_analysis_on_the_next_view(client, container, xworld):
    # the list and its form are served again while nothing is written (issue 12)
    make_users(container, "admin")
    login_as(client, "admin")
    assert "Aún no hay análisis" in client.get("/intercambios").text
    assert "Aún no hay análisis" in client.get("/intercambios").text
    aid = _run_from_form(client)
    listed = client.get("/intercambios").text
    assert f'<a href="/intercambios/{aid}">{aid}</a>' in listed
    assert "Mostrando 1 a 1 de 1 registro" in listed
