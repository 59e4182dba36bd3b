"""The JSON API, on both databases: change requests filed as multipart forms, reviewed with
cattrs-structured JSON bodies, the evaluation, the extraction read back with openpyxl, the
comentarios; errors as problem details (400 malformed, 422 with the field errors, 403, 409);
the OpenAPI schema documents the bodies and the attrs responses."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.helpers import api_csrf
from tests.integration.sanece.support import F_M2, F_PENDING, F_VALID

from .support import EMPTY_FILE, upload

PROBLEM = "application/problem+json"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["detail"] and body["request_id"]
    return body


def test_requests_through_the_api(as_user, world):
    director = as_user("dir_a")
    h = {"X-CSRF-Token": api_csrf(director)}
    url = f"/api/sanece/folios/{F_VALID}/expiry-change-requests"
    fields = {"kind": "extension", "motive": "Desabasto", "detail": "Sin surtimiento."}
    # a filing on a folio names the version it is based on (the ETag of its GET)
    body = problem(director.post(url, data=fields, headers=h,
                                 files=[upload("attachments", "nota.pdf")]), 428)
    assert body["code"] == "precondition_required" and "If-Match" in body["detail"]
    shown = director.get(f"/api/sanece/folios/{F_VALID}")
    h = {**h, "If-Match": shown.headers["etag"]}
    body = problem(director.post(url, data=fields, files=[EMPTY_FILE], headers=h), 422)
    assert body["detail"].startswith("Adjunta al menos un archivo")
    body = problem(director.post(url, data=fields, headers=h,
                                 files=[upload("attachments", "nota.pdf", "exe")]), 422)
    assert body["code"] == "file_type_not_allowed"
    problem(director.post(url, data=fields, files=[upload("attachments", "nota.pdf")],
                          headers={"If-Match": h["If-Match"]}), 403)  # no CSRF token
    filed = director.post(url, data=fields, headers=h, files=[upload("attachments", "nota.pdf")])
    assert filed.status_code == 201, filed.text
    assert filed.json()["type"] == "expiry_change" and filed.json()["status"] == "pending"
    extension = filed.json()["ids"][0]
    listed = director.get("/api/sanece/requests?type=expiry_change").json()
    assert listed["total"] == 1 and listed["items"][0]["original"] == "15/04/2026"
    assert "«type»" in problem(director.get("/api/sanece/requests?type=bogus"), 422)["detail"]

    p1, m2, m3 = (world.patients[k] for k in ("P1", "M2", "M3"))
    record = director.get(f"/api/sanece/patients/{p1}")
    data_change = director.post(f"/api/sanece/patients/{p1}/patient-data-requests",
                                headers={**h, "If-Match": record.headers["etag"]},
                                data={"given_names": "Paciente Uno"},
                                files=[upload("vigencia", "vigencia.png", "png")])
    assert data_change.status_code == 201, data_change.text
    proof = director.get(f"/api/sanece/requests/{data_change.json()['ids'][0]}/attachments/1")
    assert proof.headers["content-type"] == "image/png" and proof.content[:4] == b"\x89PNG"
    preview = director.post("/api/sanece/merge-preview", headers=h,
                            json={"record": m2, "correct": m3})
    assert preview.json()["folios_to_move"] == [F_M2]
    found = director.post("/api/sanece/nss-search", headers=h, json={"nss": "1071533138"})
    assert {r["id"] for r in found.json()["records"]} == {world.patients[k]
                                                          for k in ("M1", "M2", "M3")}
    merge_url = f"/api/sanece/patients/{m3}/merge-requests"
    problem(director.post(merge_url, headers={"X-CSRF-Token": h["X-CSRF-Token"]},
                          data={f"choice_{m3}": "correct", f"choice_{m2}": "merge"},
                          files=[upload("vigencia", "vigencia.pdf")]), 428)
    etag = director.get(f"/api/sanece/patients/{m3}").headers["etag"]
    merge = director.post(merge_url, headers={**h, "If-Match": etag},
                          data={f"choice_{m3}": "correct", f"choice_{m2}": "merge"},
                          files=[upload("vigencia", "vigencia.pdf")])
    assert merge.status_code == 201 and len(merge.json()["ids"]) == 1

    revisor = as_user("revisor")
    rh = {"X-CSRF-Token": api_csrf(revisor)}
    approve = f"/api/sanece/requests/{extension}/approve"
    body = problem(revisor.post(approve, content=b"{", headers={
        **rh, "content-type": "application/json"}), 400)
    assert body["code"] == "malformed_body"
    body = problem(revisor.post(approve, json={"new_expiry": "mañana", "bogus": 1},
                                headers=rh), 422)
    assert any("new_expiry" in e for e in body["errors"])
    assert any("bogus" in e for e in body["errors"])
    assert "fecha final" in problem(revisor.post(approve, json={}, headers=rh), 422)["detail"]
    decided = revisor.post(approve, json={"new_expiry": "2026-10-15"}, headers=rh)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["applied"] == [{"label": "Fecha de vencimiento",
                                          "before": "15/04/2026", "after": "15/10/2026"}]
    again = problem(revisor.post(approve, json={"new_expiry": "2026-11-15"}, headers=rh), 409)
    assert again["code"] == "request_must_be_pending"  # decisions are final
    reason = "La vigencia adjunta no corresponde al paciente."
    rejected = revisor.post(f"/api/sanece/requests/{data_change.json()['ids'][0]}/reject",
                            json={"reason": reason}, headers=rh)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    queue = revisor.get("/api/sanece/review-queue").json()
    assert [r["type"] for r in queue["items"]] == ["merge"]
    everything = revisor.get("/api/sanece/review-queue?status=all&type=patient_data").json()
    assert everything["total"] == 1 and everything["items"][0]["reason"] == reason
    seen = director.get(f"/api/sanece/requests/{data_change.json()['ids'][0]}").json()
    assert seen["row"]["status"] == "rejected" and seen["row"]["reason"] == reason
    problem(director.post(f"/api/sanece/requests/{merge.json()['ids'][0]}/approve", json={},
                          headers=h), 403)


def test_evaluation_extraction_feedback_and_schema(as_user, world):
    evaluador = as_user("evaluador")
    eh = {"X-CSRF-Token": api_csrf(evaluador)}
    pending = evaluador.get("/api/sanece/evaluations/pending").json()
    assert [f["number"] for f in pending["items"]] == [F_PENDING]
    url = f"/api/sanece/folios/{F_PENDING}/evaluation"
    drawn = evaluador.get(f"/api/sanece/folios/{F_PENDING}").headers["etag"]
    eh = {**eh, "If-Match": drawn}
    body = problem(evaluador.post(url, json={"status": "validated", "period_months": 0,
                                             "key1": "5434", "quantity1": 2}, headers=eh), 422)
    assert "1 a 60 meses" in body["detail"]
    done = evaluador.post(url, headers=eh, json={
        "status": "validated", "period_months": 6, "key1": "5434", "quantity1": 2,
        "requirement": "Clave 5434 frasco ámpula 100 mg. 2 por ciclo."})
    assert done.status_code == 200, done.text
    assert done.json() == {"number": F_PENDING, "status": "validated",
                           "expiry_date": "2026-09-01"}
    # a second evaluation from the same (now stale) version: 412 naming who and when
    stale = problem(evaluador.post(url, json={"status": "not_validated", "observations": "x"},
                                   headers=eh), 412)
    assert stale["code"] == "stale_version" and "por evaluador el " in stale["detail"]
    assert stale["errors"]["current"]["status"] == "validated"
    assert stale["errors"]["changed_by"] == "evaluador"
    fresh = evaluador.get(f"/api/sanece/folios/{F_PENDING}").headers["etag"]
    assert fresh != drawn
    assert problem(evaluador.post(url, json={"status": "not_validated", "observations": "x"},
                                  headers={**eh, "If-Match": fresh}), 409)
    problem(evaluador.post(url, json={"status": "not_validated", "observations": "x"},
                           headers={"X-CSRF-Token": eh["X-CSRF-Token"]}), 428)

    director = as_user("dir_a")
    h = {"X-CSRF-Token": api_csrf(director)}
    form = director.get("/api/sanece/extraction").json()
    assert form["start"] == "2025-03-10" and form["end"] == "2026-03-10"
    xlsx = director.post("/api/sanece/extraction", headers=h,
                         json={"start": form["start"], "end": form["end"]})
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert xlsx.headers["content-disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    numbers = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert F_PENDING in numbers and len(numbers) == 6
    body = problem(director.post("/api/sanece/extraction", headers=h,
                                 json={"start": "2021-01-01", "end": "2026-12-31"}), 422)
    assert len(body["errors"]) == 3  # end in the future, older than 3 years, over one year
    problem(director.post("/api/sanece/extraction", headers=h, json={"start": "2026-01-01"}),
            422)

    sent = director.post("/api/sanece/feedback", headers=h,
                         json={"text": "Avisar por correo cuando cambie el estatus.",
                               "kind": "improvement"})
    assert sent.status_code == 201 and sent.json()["id"] > 0
    problem(director.post("/api/sanece/feedback", headers=h, json={"text": "  "}), 422)
    problem(director.get("/api/sanece/feedback"), 403)
    admin = as_user("admin")
    received = admin.get("/api/sanece/feedback").json()
    assert received["total"] == 1 and received["items"][0]["author"] == "dir_a"
    assert received["items"][0]["unit_label"] == "CAMPECHE (H Gral Zona MF 4)"

    schema = admin.get("/schema/openapi.json").json()
    approve = schema["paths"]["/api/sanece/requests/{request_id}/approve"]["post"]
    assert approve["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ApproveBody")
    assert approve["responses"]["200"]["content"]["application/json"]["schema"][
        "$ref"].endswith("/Decision")
    for name in ("FolioDetail", "RequestDetail", "NssSearch", "ChangeRequestPageOut",
                 "EvaluationBody", "ExtractionBody", "NssBody", "MergePreviewBody",
                 "SearchBody", "QueueSearchBody"):
        assert name in schema["components"]["schemas"], name
    # an NSS or a name is searched by POST (a JSON body), never in a URL
    assert "post" in schema["paths"]["/api/sanece/nss-search"]
    assert "post" in schema["paths"]["/api/sanece/patients/{patient_id}/merge-requests"]
    assert not [p for p in schema["paths"] if "nss}" in p or "{nss" in p]
    for path in ("/api/sanece/folios", "/api/sanece/patients", "/api/sanece/review-queue"):
        assert "q" not in {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}
    folio = schema["paths"]["/api/sanece/folios/{number}"]["get"]
    assert "ETag" in folio["responses"]["200"]["headers"]
