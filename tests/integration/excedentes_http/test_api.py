"""The JSON API: the capture flow, problem details for every refusal, the OpenAPI schema
(both databases)."""

from __future__ import annotations

from tests.helpers import api_csrf
from tests.integration.excedentes.support import U_OCTUBRE, YEAR

from .flows import api_entity, api_etag, if_match, pdf_text, signed_pdf

PROBLEM = "application/problem+json"


def grid_url(world) -> str:
    return f"{api_entity()}/units/{U_OCTUBRE}/groups/{world.gid('Cirugía')}/grid"


def test_api_capture_flow_and_problems(as_user, world):
    c = as_user("cap_bc")
    h = {"x-csrf-token": api_csrf(c)}
    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    spec = world.sid("Cirugía general")

    board = c.get(f"/api/excedentes/institutions/SS/dashboard/{YEAR}").json()
    assert board["title"] == "Captura del periodo 2026"
    mine = [e for e in board["entries"] if e["entity_key"] == "SS:BC"][0]
    assert mine["actionable"] and mine["can_capture"] and mine["row"]["labels"]["final"] == "Finalizar Reporte"
    assert not [e for e in board["entries"] if e["entity_key"] == "SS:BS"][0]["actionable"]

    # body problems: malformed JSON 400, wrong shape 422 with every problem and its path
    bad_json = c.put(api_entity() + "/answer", content=b"{no", headers={**h, "content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.headers["content-type"] == PROBLEM
    assert bad_json.json()["detail"] == "El cuerpo de la solicitud no es JSON válido."
    shape = c.put(grid_url(world), json={"rows": [{"product_id": "x", "extra": 1}]}, headers=h)
    assert shape.status_code == 422 and shape.headers["content-type"] == PROBLEM
    errors = shape.json()["errors"]
    assert any("$.rows[0].product_id" in e and "número entero" in e for e in errors)
    assert any("campos no reconocidos: extra" in e for e in errors)
    missing = c.put(api_entity() + "/answer", json={}, headers=h)
    assert missing.status_code == 422 and missing.json()["errors"] == [
        "falta este campo obligatorio @ $.answer"]

    # records before Paso 2 = SI: conflict
    early = c.put(grid_url(world), json={"specialty_id": spec, "rows": [
        {"product_id": anest, "shortage_outpatient": 2, "cause": "Falta de Equipo",
         "monthly_patients": 2}]}, headers={**h, "If-Match": '"0"'})
    assert early.status_code == 409 and early.json()["code"] == "records_require_answer_yes"

    assert c.put(api_entity() + "/answer", json={"answer": "SI"},
                 headers={**h, **api_etag(c)}).json() == {"before": None, "after": "SI"}

    # a refused grid: every row's field errors, nothing stored
    etag = c.get(grid_url(world), params={"specialty_id": spec}).headers["etag"]
    assert etag == '"0"'
    refused = c.put(grid_url(world), json={"specialty_id": spec, "rows": [
        {"product_id": anest, "shortage_outpatient": "3"},
        {"product_id": dil, "surplus_inpatient": 0, "monthly_patients": "2"}]},
        headers={**h, "If-Match": etag})
    assert refused.status_code == 422 and refused.json()["code"] == "grid_invalid"
    found = {(e["row"], e["field"]) for e in refused.json()["errors"]}
    assert {(1, "cause"), (1, "monthly_patients"), (2, "surplus_inpatient")} <= found
    assert refused.json()["errors"][0]["label"] in ("Causa", "Pacientes Mensuales")
    grid = c.get(grid_url(world), params={"specialty_id": spec}).json()
    assert all(line["row"]["shortage_outpatient"] == "" for line in grid["lines"])

    body = {"specialty_id": spec, "rows": [
        {"product_id": anest, "shortage_outpatient": 3, "cause": "Falta de Equipo",
         "monthly_patients": 4}]}
    # optimistic concurrency: no If-Match 428, the saved ETag moves on, a stale one 412
    required = c.put(grid_url(world), json=body, headers=h)
    assert required.status_code == 428 and required.headers["content-type"] == PROBLEM
    assert required.json()["code"] == "precondition_required"
    assert "If-Match" in required.json()["detail"]
    saved = c.put(grid_url(world), json=body, headers={**h, "If-Match": etag})
    assert saved.status_code == 200 and saved.json()["added"] == 1
    assert saved.headers["etag"] == '"1"' and saved.json()["version"] == 1
    assert c.get(grid_url(world), params={"specialty_id": spec}).headers["etag"] == '"1"'
    stale = c.put(grid_url(world), json={"specialty_id": spec, "rows": [
        {"product_id": dil, "surplus_outpatient": 5, "monthly_patients": 6}]},
        headers={**h, "If-Match": etag})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    problem = stale.json()
    assert problem["code"] == "precondition_failed" and problem["errors"]["version"] == 1
    assert problem["errors"]["updated_by"] == "cap_bc"
    assert problem["detail"].startswith("Otra persona guardó esta tabla el 10/03/2026")
    for bad in ("*", '"abc"', '"99999999999999999999"'):
        assert c.put(grid_url(world), json=body,
                     headers={**h, "If-Match": bad}).status_code == 412
    grid = c.get(grid_url(world), params={"specialty_id": spec, "q": "anest"}).json()
    assert [(l["product"], l["row"]["shortage_outpatient"]) for l in grid["lines"]] == [
        ("Anestesia", "3")]

    units = c.get(api_entity() + "/units", params={"q": "octubre"}).json()
    assert units["page"]["total"] == 1 and units["page"]["items"][0]["has_records"] is True

    wrong = c.post(api_entity() + "/finalize", json={"password": "nope"},
                   headers={**h, **api_etag(c)})
    assert wrong.status_code == 422 and wrong.json()["code"] == "password_not_confirmed"
    done = c.post(api_entity() + "/finalize", json={"password": "Clave-Segura-2026"},
                  headers={**h, **api_etag(c)})
    assert done.status_code == 200 and done.json()["folio"] == "SS-2026-BC-V1"
    locked = c.put(api_entity() + "/answer", json={"answer": "NO"},
                   headers={**h, **api_etag(c)})
    assert locked.status_code == 409 and locked.json()["code"] == "finalized_entity_is_locked"
    assert "10/03/2026 10:00" in locked.json()["detail"]

    final = c.get(api_entity() + "/reports/final")
    assert final.headers["content-type"] == "application/pdf"
    # the Preliminar would say the entity has not closed: refused with the reason
    late = c.get(api_entity() + "/reports/preliminary")
    assert late.status_code == 409 and late.headers["content-type"] == PROBLEM
    assert late.json()["code"] == "preliminary_requires_open_report"
    assert "finalizó el registro el 10/03/2026 10:00 por cap_bc" in late.json()["detail"]
    assert "SS-2026-BC-V1" in pdf_text(final.content)[0]

    # signed upload over the API (multipart, CSRF in the header)
    up = c.post(api_entity() + "/signed", files={"archivo": ("f.pdf", signed_pdf(), "application/pdf")},
                headers=h)
    assert up.status_code == 201 and up.json()["version"] == 1 and up.json()["current"]
    png = c.post(api_entity() + "/signed", files={"archivo": ("f.pdf", b"\x89PNG\r\n\x1a\n0000", "application/pdf")},
                 headers=h)
    assert png.status_code == 422 and png.headers["content-type"] == PROBLEM
    assert c.get(api_entity() + "/signed/current").content == signed_pdf()
    assert [v["version"] for v in c.get(api_entity() + "/signed").json()] == [1]
    overview = c.get(api_entity()).json()
    assert overview["state"] == "signed_uploaded" and overview["labels"]["upload"] == "Consultar/Modificar"

    # the coordinador reopens over the API; a capturista may not
    assert c.post(api_entity() + "/reopen", json={"reason": "x"}, headers=h).status_code == 403
    k = as_user("coord_ss")
    hk = {"x-csrf-token": api_csrf(k)}
    assert k.post(api_entity() + "/reopen", json={"reason": ""},
                  headers={**hk, **api_etag(k)}).status_code == 422
    reopened = k.post(api_entity() + "/reopen", json={"reason": "Corregir"},
                      headers={**hk, **api_etag(k)})
    assert reopened.status_code == 200 and reopened.json()["superseded_versions"] == [1]


def test_api_periods_requests_and_schema(as_user, world):
    k = as_user("coord_ss")
    h = {"x-csrf-token": api_csrf(k)}
    created = k.post("/api/excedentes/institutions/SS/periods",
                     json={"year": 2027, "window_start": "2027-02-01", "window_end": "2027-03-31"},
                     headers=h)
    assert created.status_code == 201 and created.json()["label"] == "Captura del periodo 2027"
    again = k.post("/api/excedentes/institutions/SS/periods", json={"year": 2027}, headers=h)
    assert again.status_code == 409
    p27 = "/api/excedentes/institutions/SS/periods/2027"
    assert k.get(p27).headers["etag"] == '"0"'
    bad = k.put(p27 + "/window", json={"window_start": "2027-02-31"},
                headers={**h, **if_match(k, p27)})
    assert bad.status_code == 422 and "fecha AAAA-MM-DD" in bad.json()["errors"][0]
    backwards = k.put(p27 + "/window",
                      json={"window_start": "2027-03-01", "window_end": "2027-02-01"},
                      headers={**h, **if_match(k, p27)})
    assert backwards.status_code == 422
    assert k.post(p27 + "/close", headers=h).status_code == 428  # no If-Match
    closing = k.post(p27 + "/close", headers={**h, "If-Match": '"0"'})
    assert closing.headers["etag"] == '"1"'
    closed = closing.json()
    assert closed["changed"] and not closed["period"]["is_open"]
    assert closed["period"]["version"]["updated_by"] == "coord_ss"
    stale = k.post(p27 + "/open", headers={**h, "If-Match": '"0"'})  # a page drawn before
    assert stale.status_code == 412 and "(coord_ss)" in stale.json()["detail"]
    assert not k.get(p27).json()["is_open"]
    assert [p["year"] for p in k.get("/api/excedentes/institutions/SS/periods").json()] == [
        2027, 2026, 2025]
    assert k.post("/api/excedentes/institutions/IMSS/periods/2026/close",
                  headers={**h, "If-Match": '"0"'}).status_code == 404  # like a missing one

    # "solicitar producto": the capturista files, the coordinador decides
    c = as_user("cap_bc")
    hc = {"x-csrf-token": api_csrf(c)}
    filed = c.post(api_entity() + "/product-requests", json={
        "group_id": world.gid("Cirugía"), "specialty_id": world.sid("Cirugía general"),
        "product_name": "Colecistectomía laparoscópica", "unit_of_measure": "Procedimiento",
        "justification": "Se realiza y no aparece"}, headers=hc)
    assert filed.status_code == 201 and filed.json()["status_label"] == "En espera"
    rid = filed.json()["id"]
    one = f"/api/excedentes/product-requests/{rid}"
    assert c.post(f"{one}/accept", headers={**hc, **if_match(c, one)}).status_code == 403
    queue = k.get("/api/excedentes/product-requests", params={"status": "pending"}).json()
    assert queue["total"] == 1 and queue["items"][0]["product_name"] == "Colecistectomía laparoscópica"
    page_etag = if_match(k, one)
    assert k.post(f"{one}/accept", headers=h).status_code == 428
    accepted = k.post(f"{one}/accept", headers={**h, **page_etag})
    assert accepted.status_code == 200 and accepted.json()["product_id"]
    twice = k.post(f"{one}/reject", json={"reason": "no"}, headers={**h, **page_etag})
    assert twice.status_code == 412 and twice.json()["errors"]["updated_by"] == "coord_ss"
    after = k.post(f"{one}/reject", json={"reason": "no"}, headers={**h, **if_match(k, one)})
    assert after.status_code == 409  # current version, but already decided
    assert c.get(f"/api/excedentes/product-requests/{rid}").json()["status"] == "accepted"

    schema = k.get("/schema/openapi.json").json()
    components = schema["components"]["schemas"]
    for name in ("DashboardView", "EntityOverview", "GridView", "SaveGridBody", "SaveGridOut",
                 "FinalizeBody", "PeriodView", "ProductRequestView", "SignedReportView"):
        assert name in components, name
    put_grid = schema["paths"]["/api/excedentes/entities/{inst}/{entity}/{year}/units/{clues}/groups/{group_id}/grid"]["put"]
    assert put_grid["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("SaveGridBody")


def test_product_requests_unknown_status_is_a_problem_not_a_crash(as_user):
    # Found by the API fuzzer: an unknown ?status= reached the read model's enum (500).
    c = as_user("coord_ss")
    bad = c.get("/api/excedentes/product-requests", params={"status": "xx"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["detail"] == "Estatus no válido (use en-espera, aceptada o rechazada)."
    ok = c.get("/api/excedentes/product-requests", params={"status": "pending"})
    assert ok.status_code == 200
    # the Spanish names (the CLI's spelling) are accepted too
    for spanish in ("en-espera", "En espera", "aceptadas", "rechazada"):
        assert c.get("/api/excedentes/product-requests",
                     params={"status": spanish}).status_code == 200, spanish
