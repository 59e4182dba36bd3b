"""Jobs through HTTP: the tablero's form starts the export, the job page and its JSON poll,
«Mis descargas», the download, the API (202 + Location), and foreign ids answered as missing."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest

from tests.helpers import assert_foreign_like_missing, csrf_from
from tests.integration.excedentes.support import YEAR

from .conftest import run_queue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_of(page: str, kind: str) -> dict[str, str]:
    """The hidden fields of the tablero's form that starts ``kind``."""
    form = re.search(r'<form method="post" action="/trabajos"[^>]*>((?:(?!</form>).)*value="'
                     + kind + r'"(?:(?!</form>).)*)</form>', page, re.S)
    assert form, f"no form starts {kind}"
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(1)))


def _workbook(response: Any) -> list[tuple]:
    assert response.status_code == 200, response.text[-300:]
    assert response.headers["content-type"].startswith(XLSX)
    assert "attachment" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return list(book.active.iter_rows(values_only=True))


def test_coordinador_exports_the_institution_through_a_job(as_user, container):
    c = as_user("coord_ss")
    board = c.get("/excedentes/tablero")
    assert board.status_code == 200
    fields = _form_of(board.text, "institution-export")
    assert fields["institucion"] == "SS" and fields["periodo"] == str(YEAR)
    assert "national-export" not in board.text  # the country is the admin's
    started = c.post("/trabajos", data=fields, follow_redirects=False)
    assert started.status_code == 303
    page_url = started.headers["location"]
    job_id = page_url.rsplit("/", 1)[1]
    page = c.get(page_url)
    assert page.status_code == 200
    assert '<progress id="job-bar" max="100" value="0">' in page.text
    assert 'src="/static/jobs.js' in page.text and "En cola" in page.text
    assert f'data-job-url="/api/jobs/{job_id}"' in page.text
    polled = c.get(f"/api/jobs/{job_id}").json()
    assert polled["status"] == "queued" and polled["result_url"] is None

    assert run_queue(container) == 1
    polled = c.get(f"/api/jobs/{job_id}").json()
    assert polled["status"] == "done" and polled["progress"] == 100
    assert polled["stage"] == "Terminado" and polled["result_url"] == f"/api/jobs/{job_id}/resultado"
    page = c.get(page_url).text
    assert 'value="100"' in page and f"/trabajos/{job_id}/archivo" in page and "data-job-poll" not in page

    downloads = c.get("/trabajos")
    assert downloads.status_code == 200 and "Mis descargas" in downloads.text
    assert f"excedentes-faltantes-SS-{YEAR}.xlsx" in downloads.text
    rows = _workbook(c.get(f"/trabajos/{job_id}/archivo"))
    assert len(rows) == 2 and "Anestesia" in rows[1]
    assert _workbook(c.get(polled["result_url"])) == rows


def test_admin_starts_the_national_export_from_the_tablero(as_user, container):
    a = as_user("admin_jobs")
    board = a.get("/excedentes/tablero?institucion=SS").text
    fields = _form_of(board, "national-export")
    started = a.post("/trabajos", data=fields, follow_redirects=False)
    assert started.status_code == 303
    run_queue(container)
    job_id = started.headers["location"].rsplit("/", 1)[1]
    assert len(_workbook(a.get(f"/trabajos/{job_id}/archivo"))) == 3


def test_the_api_starts_and_polls(as_user, container):
    a = as_user("admin_jobs")
    token = a.get("/api/auth/csrf").json()["csrf_token"]
    r = a.post("/api/jobs", json={"kind": "national-export", "params": {"period": YEAR}},
               headers={"X-CSRF-Token": token})
    assert r.status_code == 202, r.text
    location = r.headers["location"]
    assert re.fullmatch(r"/api/jobs/[0-9a-f]{24}", location)
    assert r.json()["status"] == "queued"
    run_queue(container)
    job = a.get(location).json()
    assert job["status"] == "done" and job["progress"] == 100
    assert len(_workbook(a.get(job["result_url"]))) == 3
    assert [j["id"] for j in a.get("/api/jobs").json()] == [location.rsplit("/", 1)[1]]

    bad = a.post("/api/jobs", json={"kind": "borrar-todo", "params": {}},
                 headers={"X-CSRF-Token": token})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["detail"] == "Tipo de trabajo desconocido."
    no_csrf = a.post("/api/jobs", json={"kind": "national-export", "params": {"period": YEAR}})
    assert no_csrf.status_code == 403


def test_the_use_cases_scope_rules_answer_at_start(as_user):
    k = as_user("coord_imss")
    token = k.get("/api/auth/csrf").json()["csrf_token"]
    foreign = k.post("/api/jobs", json={"kind": "institution-export",
                                        "params": {"period": YEAR, "institution": "SS"}},
                     headers={"X-CSRF-Token": token})
    assert foreign.status_code == 404
    country = k.post("/api/jobs", json={"kind": "national-export", "params": {"period": YEAR}},
                     headers={"X-CSRF-Token": token})
    assert country.status_code == 403
    page = k.post("/trabajos", data={"csrf_token": token, "kind": "national-export",
                                     "periodo": str(YEAR)})
    assert page.status_code == 403 and "text/html" in page.headers["content-type"]


def test_another_users_job_is_answered_as_missing(as_user, container):
    owner = as_user("coord_ss")
    token = owner.get("/api/auth/csrf").json()["csrf_token"]
    r = owner.post("/api/jobs", json={"kind": "institution-export",
                                      "params": {"period": YEAR, "institution": "SS"}},
                   headers={"X-CSRF-Token": token})
    job_id = r.headers["location"].rsplit("/", 1)[1]
    run_queue(container)
    other = as_user("admin_jobs")
    missing = "f" * 24
    for path in ("/api/jobs/{}", "/api/jobs/{}/resultado", "/trabajos/{}", "/trabajos/{}/archivo"):
        assert_foreign_like_missing(other, path.format(job_id), path.format(missing))
    other_token = other.get("/api/auth/csrf").json()["csrf_token"]
    assert_foreign_like_missing(other, f"/api/jobs/{job_id}/cancel", f"/api/jobs/{missing}/cancel",
                                method="POST", headers={"X-CSRF-Token": other_token})
    assert owner.get(f"/api/jobs/{job_id}").json()["status"] == "done"  # untouched


def test_a_failed_job_says_why_and_what_to_do(as_user, container):
    c = as_user("coord_ss")
    token = csrf_from(c.get("/trabajos").text)
    started = c.post("/trabajos", data={"csrf_token": token, "kind": "institution-export",
                                        "periodo": str(YEAR), "institucion": "SS"},
                     follow_redirects=False)
    job_id = started.headers["location"].rsplit("/", 1)[1]
    cancelled = c.post(f"/trabajos/{job_id}/cancelar", data={"csrf_token": token},
                       follow_redirects=False)
    assert cancelled.status_code == 303
    page = c.get(f"/trabajos/{job_id}").text
    assert "Falló" in page and "Se canceló a petición del usuario" in page
    assert "inícielo de nuevo" in page
    assert c.get(f"/trabajos/{job_id}/archivo").status_code == 404
    assert c.get(f"/api/jobs/{job_id}").json()["error"].startswith("Se canceló")


def test_mis_descargas_is_in_the_menu_of_who_can_start_jobs(as_user):
    assert 'href="/trabajos"' in as_user("coord_ss").get("/excedentes/tablero").text
    assert 'href="/trabajos"' in as_user("admin_jobs").get("/excedentes/tablero").text
    cap = as_user("cap_bc")  # the capturista may prepare the entity's report PDF as a job
    assert 'href="/trabajos"' in cap.get("/", follow_redirects=True).text
    assert cap.get("/trabajos").status_code == 200  # an empty list, nothing else


def test_a_running_job_shows_its_progress_stage_and_time_left(as_user, container, clock):
    from datetime import timedelta

    c = as_user("admin_jobs")
    token = c.get("/api/auth/csrf").json()["csrf_token"]
    job_id = c.post("/api/jobs", json={"kind": "national-export", "params": {"period": YEAR}},
                    headers={"X-CSRF-Token": token}).headers["location"].rsplit("/", 1)[1]
    held = container.claim_job()("w:1:0")
    clock.advance(timedelta(seconds=30))
    container.report_job_progress()(held.id, held.worker, 40, "Escribiendo los registros")
    polled = c.get(f"/api/jobs/{job_id}").json()
    assert polled["status"] == "running" and polled["status_label"] == "En proceso"
    assert polled["progress"] == 40 and polled["stage"] == "Escribiendo los registros"
    assert polled["eta_seconds"] == 45 and polled["result_url"] is None  # 30 s for 40 %
    page = c.get(f"/trabajos/{job_id}").text
    assert '<progress id="job-bar" max="100" value="40">' in page and "data-job-poll" in page
    assert "Tiempo restante estimado" in page and "menos de un minuto" in page
    assert "En proceso (40 %)" in c.get("/trabajos").text


def test_a_jobs_state_leaves_cached_pages_alone_and_is_always_read_fresh(as_user, container):
    """Claims and progress reports raise no data version (a page's cached reads stay valid
    while an export reports its progress every few hundred rows), and the job's own pages
    never serve its state from a cache: each poll shows the latest progress."""
    from sqlalchemy.orm import Session

    from shared.adapters.sql.database import read_data_version

    def version() -> int | None:
        with Session(container.engine()) as s:
            return read_data_version(s)

    c = as_user("admin_jobs")
    token = c.get("/api/auth/csrf").json()["csrf_token"]
    job_id = c.post("/api/jobs", json={"kind": "national-export", "params": {"period": YEAR}},
                    headers={"X-CSRF-Token": token}).headers["location"].rsplit("/", 1)[1]
    c.get(f"/trabajos/{job_id}")  # a first page brings the notifications up to date (a write)
    before = version()
    held = container.claim_job()("w:1:0")
    for done in (10, 20, 30):
        container.report_job_progress()(held.id, held.worker, done, "Escribiendo los registros")
        assert c.get(f"/api/jobs/{job_id}").json()["progress"] == done
        assert f'value="{done}"' in c.get(f"/trabajos/{job_id}").text
    assert version() == before
