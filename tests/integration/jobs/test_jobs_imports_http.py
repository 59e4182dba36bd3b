"""Imports as jobs through HTTP (both databases): a file above ``JOBS_IMPORT_BYTES`` sent from
the Catálogos page is stored and imported by a job (its page, then its summary), a small one
still answers at once; the API stores a file (``POST /api/jobs/uploads``) and imports it with
``POST /api/jobs``, or answers 202 + Location from the import endpoint itself; an upload id is
its owner's only."""

from __future__ import annotations

import html
import re
from typing import Any

import attrs
import pytest

from tests.helpers import csrf_from

from .conftest import run_queue
from .test_jobs_imports import CATALOG_HEAD, GOOD_CATALOG, products

LIMIT = 600  # bytes: GOOD_CATALOG is below it, LARGE_CATALOG above
LARGE_CATALOG = CATALOG_HEAD + "".join(
    f"Servicios de Atención Médica,Cirugía,Cirugía general,Procedimiento grande {n},"
    "Procedimiento\n" for n in range(12))


@pytest.fixture
def settings(settings):
    return attrs.evolve(settings, jobs_import_bytes=LIMIT)


def _post_catalog(client: Any, content: str) -> Any:
    page = client.get("/excedentes/catalogos").text
    action = "/excedentes/catalogos/SS/productos"
    form = re.search(rf'action="{re.escape(action)}".*?</form>', page, re.S)
    version = re.search(r'name="version" value="(\d+)"', form.group(0)).group(1)
    return client.post(action, data={"csrf_token": csrf_from(page), "version": version},
                       files={"archivo": ("catalogo.csv", content.encode(), "text/csv")},
                       follow_redirects=False)


def test_a_large_file_on_the_catalog_page_is_imported_by_a_job(as_user, container, world):
    assert len(GOOD_CATALOG.encode()) <= LIMIT < len(LARGE_CATALOG.encode())
    c = as_user("coord_ss")
    assert "Un archivo de más de 1 KB se importa en segundo plano" in html.unescape(
        c.get("/excedentes/catalogos").text)
    small = _post_catalog(c, GOOD_CATALOG)  # as before: imported within the request
    assert small.status_code == 303 and small.headers["location"].startswith("/excedentes/")
    assert "Hernioplastia" in products(container)

    large = _post_catalog(c, LARGE_CATALOG)
    assert large.status_code == 303
    page_url = large.headers["location"]
    assert re.fullmatch(r"/trabajos/[0-9a-f]{24}", page_url)
    page = html.unescape(c.get(page_url).text)
    assert "Importación del catálogo de productos de SS (catalogo.csv)" in page
    assert "se importa como un trabajo" in page and "data-job-reload" in page
    assert "Procedimiento grande 3" not in products(container)

    assert run_queue(container) == 1
    page = html.unescape(c.get(page_url).text)
    assert "Resumen" in page and "Terminado" in page
    assert "Catálogo de productos importado: 12 líneas: 12 nuevas, 0 actualizadas" in page
    assert "Procedimiento grande 3" in products(container)
    assert "importacion-catalogo-SS.txt" in c.get("/trabajos").text  # Mis descargas


def test_a_large_refused_file_fails_its_job_with_the_line_errors(as_user, container, world):
    c = as_user("coord_ss")
    bad = LARGE_CATALOG + "Servicios de Atención Médica,Cirugía,,Sin especialidad,Procedimiento\n"
    job_url = _post_catalog(c, bad).headers["location"]
    run_queue(container)
    page = html.unescape(c.get(job_url).text)
    assert "Falló" in page and "No se importó ninguna línea: Línea 14: " in page
    assert "Procedimiento grande 3" not in products(container)


def test_the_api_uploads_a_file_then_imports_it_as_a_job(as_user, container, world):
    a = as_user("admin_jobs")
    token = a.get("/api/auth/csrf").json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    up = a.post("/api/jobs/uploads", headers=headers,
                files={"archivo": ("catalogo.csv", GOOD_CATALOG.encode(), "text/csv")})
    assert up.status_code == 201, up.text
    body = up.json()
    assert body["filename"] == "catalogo.csv" and body["size"] == len(GOOD_CATALOG.encode())
    exe = a.post("/api/jobs/uploads", headers=headers,
                 files={"archivo": ("x.csv", b"MZ\x90\x00" + b"\x00" * 64, "text/csv")})
    assert exe.status_code == 422  # the same checks as an import page

    # another user's upload id answers exactly like a missing one
    k = as_user("coord_ss")
    k_headers = {"X-CSRF-Token": k.get("/api/auth/csrf").json()["csrf_token"]}
    answers = [k.post("/api/jobs", headers=k_headers, json={
        "kind": "catalog-import", "params": {"upload": upload, "institution": "SS"}})
        for upload in (body["upload"], "20260310T000000000000-000000000000")]
    assert [r.status_code for r in answers] == [404, 404]
    assert answers[0].json()["detail"] == answers[1].json()["detail"]

    started = a.post("/api/jobs", headers=headers, json={
        "kind": "catalog-import", "params": {"upload": body["upload"], "institution": "SS"}})
    assert started.status_code == 202, started.text
    run_queue(container)
    job = a.get(started.headers["location"]).json()
    assert job["status"] == "done", job
    summary = a.get(job["result_url"])
    assert summary.headers["content-type"].startswith("text/plain")
    assert "2 nuevas" in summary.text and "Hernioplastia" in products(container)

    cap = as_user("cap_bc")
    cap_token = cap.get("/api/auth/csrf").json()["csrf_token"]
    denied = cap.post("/api/jobs/uploads", headers={"X-CSRF-Token": cap_token},
                      files={"archivo": ("c.csv", GOOD_CATALOG.encode(), "text/csv")})
    assert denied.status_code == 403


def test_the_catalog_api_answers_202_for_a_large_file(as_user, container, world):
    k = as_user("coord_ss")
    token = k.get("/api/auth/csrf").json()["csrf_token"]
    path = "/api/excedentes/institutions/SS/catalog"

    def send(content: str) -> Any:
        etag = k.get(f"{path}/version").headers["etag"]
        return k.post(path, headers={"X-CSRF-Token": token, "If-Match": etag},
                      files={"archivo": ("catalogo.csv", content.encode(), "text/csv")})

    small = send(GOOD_CATALOG)
    assert small.status_code == 200 and small.json()["created"] == 2
    large = send(LARGE_CATALOG)
    assert large.status_code == 202, large.text
    assert re.fullmatch(r"/api/jobs/[0-9a-f]{24}", large.headers["location"])
    assert large.json()["status"] == "queued"
    run_queue(container)
    assert k.get(large.headers["location"]).json()["status"] == "done"
    assert "Procedimiento grande 11" in products(container)
