"""No NSS and no patient name in any URL or log line, on both databases: the director's NSS
searches, the homologación window and filing, "Buscar:" by NSS and by name, and the API's
NSS search, merge preview and merge filing are driven through the HTTP client; every log
line of the run (the JSON request log of ``entrypoints.http.observability`` included) and
every URL the app redirected to is then searched for the world's NSS and names."""

from __future__ import annotations

import logging

from entrypoints.http.observability import JsonFormatter
from tests.helpers import api_csrf
from tests.integration.sanece.support import F_PENDING

from .support import nss_searched, searched, submit, text_of, upload

NSS = ("1111111111", "1071533138", "2222222222")
NAMES = ("MIGUEL ANGEL", "MARIA DEL ROCIO", "PEREZ ORTIZ", "miguel angel", "maria del rocio",
         "GOMEZ", "Gomez", "gomez")
DATOS = "/sanece/cambios/datos-paciente"
HOMOLOGACION = "/sanece/cambios/homologacion"


def test_request_log_and_urls_carry_no_nss_or_name(as_user, world, caplog):
    caplog.set_level(logging.INFO)
    director = as_user("dir_a")
    urls: list[str] = []

    def seen(response):
        urls.append(str(response.url))
        urls.extend(r.headers.get("location", "") for r in response.history)
        urls.append(response.headers.get("location", ""))
        return response

    # the NSS searches of both sections, as a browser sends them
    page = seen(nss_searched(director, DATOS, "1111111111"))
    assert "PRUEBA PRUEBA PACIENTE" in text_of(page.text) or "PACIENTE" in text_of(page.text)
    merge_page = seen(nss_searched(director, HOMOLOGACION, "1071533138"))
    assert "Solicitar Homologación" in text_of(merge_page.text)
    m1, m2, m3 = (world.patients[k] for k in ("M1", "M2", "M3"))
    window = f"{HOMOLOGACION}/registro/{m3}"
    assert f'href="{window}"' in merge_page.text
    seen(director.get(f"{window}?vista=1&choice_{m3}=correct&choice_{m2}=merge"))
    filed = seen(submit(director, window, window, {
        f"choice_{m3}": "correct", f"choice_{m2}": "merge", f"choice_{m1}": "not_applicable"},
        [upload("vigencia", "vigencia.pdf")]))
    assert filed.status_code == 303
    seen(director.get(filed.headers["location"]))
    bad = seen(nss_searched(director, DATOS, "10715"))  # a refused NSS is shown in place
    assert bad.status_code == 422
    # "Buscar:" by NSS and by name, and a page of the result
    for text in ("1071533138", "miguel angel", "MARIA DEL ROCIO"):
        found = seen(searched(director, "/sanece/inicio", text))
        assert found.status_code == 200
        seen(director.get(str(found.url) + "&pagina=2"))
    seen(searched(director, "/sanece/pacientes", "PEREZ ORTIZ"))
    seen(searched(director, f"{HOMOLOGACION}", "Gomez"))
    # the API: the NSS goes in the body
    h = {"X-CSRF-Token": api_csrf(director)}
    assert seen(director.post("/api/sanece/nss-search", headers=h,
                              json={"nss": "1071533138"})).status_code == 200
    assert seen(director.post("/api/sanece/nss-search", headers=h,
                              json={"nss": "107153"})).status_code == 422
    assert seen(director.post("/api/sanece/merge-preview", headers=h,
                              json={"record": m1, "correct": m3})).status_code == 200
    found = seen(director.post("/api/sanece/folios/search", headers=h,
                               json={"q": "miguel angel", "size": 5}))
    assert found.status_code == 200 and found.json()["total"] >= 1
    assert {f["patient_id"] for f in found.json()["items"]} == {m1}
    assert seen(director.post("/api/sanece/patients/search", headers=h,
                              json={"q": "1071533138"})).json()["total"] >= 2
    assert seen(director.post("/api/sanece/requests/search", headers=h, json={
        "type": "merge", "q": "MARIA DEL ROCIO"})).json()["total"] == 1
    evaluador = as_user("evaluador")
    eh = {"X-CSRF-Token": api_csrf(evaluador)}
    assert seen(evaluador.post("/api/sanece/evaluations/pending/search", headers=eh,
                               json={"q": "1111111111"})).json()["total"] == 1
    seen(searched(evaluador, "/sanece/evaluacion", "1111111111"))
    revisor = as_user("revisor")
    seen(searched(revisor, "/sanece/revision", "maria del rocio", estatus="all"))
    rh = {"X-CSRF-Token": api_csrf(revisor)}
    queue = seen(revisor.post("/api/sanece/review-queue/search", headers=rh,
                              json={"q": "Gomez", "status": "all"}))
    assert queue.status_code == 200 and queue.json()["total"] == 1
    assert seen(evaluador.get(f"/sanece/evaluacion/{F_PENDING}")).status_code == 200

    formatter = JsonFormatter()
    lines = [formatter.format(r) for r in caplog.records]
    requests = [line for line in lines if '"msg": "request"' in line]
    assert len(requests) > 30  # the request log was captured
    assert any('"/sanece/buscar"' in line for line in requests)
    for secret in NSS + NAMES:
        leaked = [line for line in lines if secret in line]
        assert not leaked, (secret, leaked[:3])
        assert not [u for u in urls if secret in u or secret.replace(" ", "+") in u
                    or secret.replace(" ", "%20") in u], secret
