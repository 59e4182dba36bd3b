"""The director's reading pages: Inicio (S2), Consultar folio (S3) with the response PDF (S4),
and Pacientes (S5) with the Historial de evaluaciones and the folio detail.

A folio or patient of another unit answers exactly like a missing one (the queries raise the
same ``NotFound``): on Consultar folio the same message in the page with status 404.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Stream

from entrypoints.http.forms import page_link, page_request
from entrypoints.http.rendering import redirect
from entrypoints.http.sanece.common import (
    BASE,
    director_guard,
    folio_pdf,
    render_san,
    san,
    sanece_guard,
    scope_of,
)
from sanece.application.access import FOLIO_NOT_FOUND
from shared.kernel.errors import NotFound, ValidationError

PAGE_SIZE = 10  # "Mostrando 1 a 10 de 30 registros"


def lookup_folio(request: Request[Any, Any, Any], number: str) -> tuple[Any, str | None, int]:
    """(detail, error, status) of a typed folio number: the 11-digit rule's message (422) or
    the same not-found message for a missing and a foreign folio (404)."""
    if not number:
        return None, None, 200
    try:
        return san(request).queries().folio(scope_of(request), number), None, 200
    except (ValidationError, NotFound) as refused:
        return None, refused.message, refused.status


class FolioPages(Controller):
    path = BASE
    include_in_schema = False

    @get("/", guards=[sanece_guard], sync_to_thread=False)
    def root(self, request: Request[Any, Any, Any]) -> Any:
        return redirect("/")  # the role's home page (Inicio, the queue, the evaluations)

    @get("/inicio", guards=[director_guard], sync_to_thread=True)
    def inicio(self, request: Request[Any, Any, Any]) -> Any:
        page = san(request).queries().latest_folios(scope_of(request),
                                                     page_request(request, PAGE_SIZE))
        return render_san(request, "sanece/inicio.html", page=page,
                          page_url=page_link(request))

    @get("/consultar", guards=[sanece_guard], sync_to_thread=True)
    def consultar(self, request: Request[Any, Any, Any]) -> Any:
        number = (request.query_params.get("folio") or "").strip()[:40]
        detail, error, status = lookup_folio(request, number)
        return render_san(request, "sanece/consultar.html", status_code=status, number=number,
                          detail=detail, error=error)

    @get("/folios/{number:str}/pdf", guards=[sanece_guard], sync_to_thread=True)
    def pdf(self, request: Request[Any, Any, Any], number: FromPath[str]) -> Stream:
        return folio_pdf(request, number)

    @get("/pacientes", guards=[director_guard], sync_to_thread=True)
    def pacientes(self, request: Request[Any, Any, Any]) -> Any:
        page = san(request).queries().recent_patients(scope_of(request),
                                                       page_request(request, PAGE_SIZE))
        return render_san(request, "sanece/pacientes.html", page=page,
                          page_url=page_link(request))

    @get("/pacientes/{patient_id:int}", guards=[sanece_guard], sync_to_thread=True)
    def historial(self, request: Request[Any, Any, Any], patient_id: FromPath[int]) -> Any:
        queries = san(request).queries()
        history = queries.patient_history(scope_of(request), patient_id)
        number = (request.query_params.get("folio") or "").strip()[:40]
        detail, error, status = None, None, 200
        if number:
            if number in {f.number for f in history.folios}:
                detail, error, status = lookup_folio(request, number)
            else:  # "Ver detalle" only of this patient's folios
                error, status = FOLIO_NOT_FOUND, 404
        return render_san(request, "sanece/historial.html", status_code=status,
                          history=history, detail=detail, error=error, number=number)
