"""Jobs on the web: the job page with its progress bar (``/trabajos/{id}``), «Mis descargas»
(``/trabajos``), the forms that start and cancel a job, and the JSON API (``/api/jobs``).

A job and its file belong to the user who started it: every route answers another user's job
exactly as a missing one (the use cases decide). Handlers receive their use cases typed
(``start_job: Injected[StartJob]``): the module's router maps each name to a ``Provide`` that
calls the container's provider on every request, so a test's override reaches the next request. The page's bar is updated by
``/static/jobs.js``, which polls ``GET /api/jobs/{id}`` (same origin, no inline script).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, JSONBody
from litestar.response import Stream

from entrypoints.http.bodies import json_body
from entrypoints.http.dependencies import Injected, bound, dependency_map
from entrypoints.http.forms import first_values
from entrypoints.http.job_uploads import IMPORT_KINDS, JobUploadsApi, requester_of
from entrypoints.http.rendering import HttpModule, MenuItem, flash, redirect, render
from entrypoints.http.streams import stream_open_file
from shared.jobs.application import (
    CancelJob,
    GetJob,
    JobView,
    ListMyJobs,
    OpenJobResult,
    StartJob,
)
from shared.jobs.domain import format_eta
from shared.kernel.errors import NotFound
from shared.kernel.scope import Role

URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
PAGES = "/trabajos"
API = "/api/jobs"


USE_CASES = ("start_job", "get_job", "list_my_jobs", "cancel_job", "open_job_result")


# --- API ------------------------------------------------------------------------------------
@attrs.frozen
class StartJobBody:
    kind: str
    params: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class JobOut:
    id: str
    kind: str
    description: str
    status: str  # queued, running, done, failed, expired
    status_label: str
    progress: int
    stage: str
    eta_seconds: int | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    error: str | None
    filename: str | None
    result_url: str | None

    @classmethod
    def of(cls, v: JobView) -> "JobOut":
        return cls(v.id, v.kind, v.description, v.status.value, v.status.label, v.progress,
                   v.stage, int(v.eta.total_seconds()) if v.eta is not None else None,
                   v.created_at, v.finished_at, v.expires_at, v.error, v.filename,
                   f"{API}/{v.id}/resultado" if v.has_result else None)


class JobsApi(Controller):
    path = API
    tags = ["Trabajos"]

    @post("/", sync_to_thread=True, status_code=202, summary="Iniciar un trabajo (exportación…)",
          description="Responde 202 con `Location: /api/jobs/{id}`; consulte ese recurso hasta "
                      "que `status` sea `done` y descargue `result_url`.",
          **json_body(StartJobBody))
    def start(self, request: Request[Any, Any, Any], data: JSONBody[StartJobBody],
              start_job: Injected[StartJob]) -> Response[JobOut]:
        view = start_job(requester_of(request), data.kind, data.params)
        return Response(JobOut.of(view), status_code=202, headers={"Location": f"{API}/{view.id}"})

    @get("/", sync_to_thread=True, summary="Mis trabajos (los más recientes primero)")
    def mine(self, request: Request[Any, Any, Any],
             list_my_jobs: Injected[ListMyJobs]) -> list[JobOut]:
        return [JobOut.of(v) for v in list_my_jobs(requester_of(request))]

    @get("/{job_id:str}", sync_to_thread=True, summary="Estado y avance de un trabajo")
    def show(self, request: Request[Any, Any, Any], job_id: FromPath[str],
             get_job: Injected[GetJob]) -> JobOut:
        return JobOut.of(get_job(requester_of(request), job_id))

    @post("/{job_id:str}/cancel", sync_to_thread=True, status_code=200,
          summary="Cancelar un trabajo en cola o en proceso")
    def cancel(self, request: Request[Any, Any, Any], job_id: FromPath[str],
               cancel_job: Injected[CancelJob]) -> JobOut:
        return JobOut.of(cancel_job(requester_of(request), job_id))

    @get("/{job_id:str}/resultado", sync_to_thread=True,
         summary="Descargar el archivo de un trabajo terminado",
         # documented as a file of any type; each answer carries the file's own type (XLSX…)
         responses={200: ResponseSpec(data_container=bytes, media_type="application/octet-stream",
                                      description="El archivo del trabajo (adjunto).")})
    def result(self, request: Request[Any, Any, Any], job_id: FromPath[str],
               open_job_result: Injected[OpenJobResult]) -> Stream:
        return _download(request, open_job_result, job_id)


def _download(request: Request[Any, Any, Any], open_job_result: OpenJobResult, job_id: str) -> Stream:
    opened = open_job_result(requester_of(request), job_id)
    return stream_open_file(opened.stream, opened.size, opened.filename, opened.content_type)


# --- pages ----------------------------------------------------------------------------------
class JobPages(Controller):
    path = PAGES
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def mine(self, request: Request[Any, Any, Any], list_my_jobs: Injected[ListMyJobs]) -> Any:
        views = list_my_jobs(requester_of(request))
        return render(request, "jobs_list.html", jobs=views)

    @post("/", sync_to_thread=True)
    def start(self, request: Request[Any, Any, Any], data: Annotated[dict[str, Any], URL_FORM],
              start_job: Injected[StartJob]) -> Any:
        fields = first_values(data)
        params: dict[str, Any] = {"period": fields.get("periodo", "")}
        if fields.get("institucion"):
            params["institution"] = fields["institucion"]
        view = start_job(requester_of(request), fields.get("kind", ""), params)
        flash(request, f"Se inició «{view.description}». Puede salir de esta página: el archivo "
                       "quedará en «Mis descargas».", "success")
        return redirect(f"{PAGES}/{view.id}")

    @get("/{job_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], job_id: FromPath[str],
             get_job: Injected[GetJob], open_job_result: Injected[OpenJobResult]) -> Any:
        view = get_job(requester_of(request), job_id)
        return render(request, "jobs_show.html", job=view, eta=format_eta(view.eta),
                      api_url=f"{API}/{view.id}", download_url=f"{PAGES}/{view.id}/archivo",
                      summary=_summary(request, open_job_result, view),
                      reload_when_done=view.kind in IMPORT_KINDS)

    @post("/{job_id:str}/cancelar", sync_to_thread=True)
    def cancel(self, request: Request[Any, Any, Any], job_id: FromPath[str],
               cancel_job: Injected[CancelJob]) -> Any:
        view = cancel_job(requester_of(request), job_id)
        flash(request, f"Se canceló «{view.description}».", "info")
        return redirect(f"{PAGES}/{view.id}")

    @get("/{job_id:str}/archivo", sync_to_thread=True)
    def download(self, request: Request[Any, Any, Any], job_id: FromPath[str],
                 open_job_result: Injected[OpenJobResult]) -> Stream:
        return _download(request, open_job_result, job_id)


SUMMARY_MAX_BYTES = 8 * 1024


def _summary(request: Request[Any, Any, Any], open_job_result: OpenJobResult,
             view: JobView) -> list[str]:
    """The lines of a job whose result is a short text (an import's summary), shown on its
    page; [] for any other result."""
    if not (view.has_result and (view.filename or "").endswith(".txt")
            and (view.size or 0) <= SUMMARY_MAX_BYTES):
        return []
    try:
        opened = open_job_result(requester_of(request), view.id)
    except NotFound:  # expired meanwhile
        return []
    with opened.stream as fh:
        text = fh.read(SUMMARY_MAX_BYTES).decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def module(container: Any) -> HttpModule:
    """The platform's jobs module; «Mis descargas» is in the menu of the roles that can start
    a job of some registered kind. Its templates are the platform's."""
    roles = frozenset(Role(r) for r in container.job_kinds().menu_roles())
    router = bound([JobPages, JobsApi, JobUploadsApi],
                   dependency_map(container, (*USE_CASES, "job_uploads")))
    return HttpModule(name="jobs", route_handlers=[router],
                      menu=[MenuItem("Mis descargas", PAGES, roles)])
