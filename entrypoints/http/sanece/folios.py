"""The director's reading pages: Inicio (S2), Consultar folio (S3) with the response PDF (S4),
and Pacientes (S5) with the Historial de evaluaciones and the folio detail.

A folio or patient of another unit answers exactly like a missing one (the queries raise the
same ``NotFound``): on Consultar folio the same message in the page with status 404.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Stream

from markupsafe import Markup

from entrypoints.http.dependencies import Injected
from entrypoints.http.forms import page_link, search_term, with_query
from entrypoints.http.fragments import Fragments
from entrypoints.http.read_scope import memory_first
from entrypoints.http.rendering import redirect
from entrypoints.http.sanece.common import (
    UnitChoice,
    Urls,
    unit_choice,
    unit_pages_guard,
    BASE,
    SEARCH_TOKEN,
    folio_pdf,
    remember_search,
    render_san,
    sanece_guard,
    scope_of,
    search_page,
)
from sanece.application.access import FOLIO_NOT_FOUND
from sanece.application.queries import SaneceQueries
from sanece.application.use_cases.decisions import ExpireRequests
from sanece.application.use_cases.documents import PrintFolioResponse
from shared.kernel.errors import NotFound, ValidationError

PAGE_SIZE = 10  # "Mostrando 1 a 10 de 30 registros"
OWN_PAGE = re.compile(r"^/sanece/[a-z0-9/_-]*$")  # where a search may lead back (no open redirect)
NOT_CARRIED = frozenset({"csrf_token", "volver", "q", SEARCH_TOKEN, "pagina"})

# Inicio's heading (with the Requiere información list and the unit chooser) and its results
# (summary, rows, pager) are most of its rendering; both are kept as HTML per inputs.
INICIO_HEAD = Fragments("sanece/_inicio_head.html")
INICIO_RESULTS = Fragments("sanece/_inicio_results.html")


def inicio_head(request: Request[Any, Any, Any], choice: UnitChoice,
                awaiting: tuple[Any, ...]) -> Markup:
    """The heading part, keyed by value: the choice (frozen: the units offered and the one
    chosen) and the fields of the awaiting requests the template writes (their rows carry
    ages that move with the clock, which the list does not show)."""
    shown = tuple((r.id, r.type_label, r.folio_number, r.reason_code, r.info_missing)
                  for r in awaiting)
    return INICIO_HEAD.render(request, (), (choice, shown), lambda: {
        "choice": choice, "awaiting": awaiting, "u": Urls})


def inicio_results(request: Request[Any, Any, Any], page: Any) -> Markup:
    """The results part: the page's rows by identity (the read model's cached tuple, new
    after any write or on a new day), the rest by value; the pager's links depend on the
    path and the query string only."""
    page_url = page_link(request)
    return INICIO_RESULTS.render(
        request, (page.items,),
        (page.total, page.request, request.url.path, request.url.query),
        lambda: {"page": page, "page_url": page_url, "u": Urls})


def lookup_folio(request: Request[Any, Any, Any], queries: SaneceQueries,
                 number: str) -> tuple[Any, str | None, int]:
    """(detail, error, status) of a typed folio number: the 11-digit rule's message (422) or
    the same not-found message for a missing and a foreign folio (404)."""
    if not number:
        return None, None, 200
    try:
        return queries.folio(scope_of(request), number), None, 200
    except (ValidationError, NotFound) as refused:
        return None, refused.message, refused.status


class FolioPages(Controller):
    path = BASE
    include_in_schema = False

    @get("/", guards=[sanece_guard], sync_to_thread=False)
    def root(self, request: Request[Any, Any, Any]) -> Any:
        return redirect("/")  # the role's home page (Inicio, the queue, the evaluations)

    @post("/buscar", guards=[sanece_guard])
    async def buscar(self, request: Request[Any, Any, Any]) -> Any:
        """Every "Buscar:" form and filter bar posts here: the text is kept in the session
        under an opaque token and the browser is sent back to the list (``volver``) with that
        token and the other filters, so the text (an NSS, a name) is in no URL."""
        form = await request.form()
        back = str(form.get("volver") or "")
        if not OWN_PAGE.match(back):
            back = "/"
        carried = {k: str(form.get(k) or "") for k in form.keys() if k not in NOT_CARRIED}
        carried[SEARCH_TOKEN] = remember_search(request, search_term(form.get("q")))
        return redirect(with_query(back, **carried))

    @get("/inicio", guards=[unit_pages_guard])
    @memory_first
    def inicio(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               expire_requests: Injected[ExpireRequests]) -> Any:
        expire_requests()  # lazily: an unanswered Requiere información past its days
        choice = unit_choice(request, queries)
        page = None
        if not choice.needed or choice.chosen is not None:
            page = queries.latest_folios(scope_of(request), search_page(request, PAGE_SIZE),
                                         choice.chosen_id)
        awaiting = queries.awaiting_information(scope_of(request))
        return render_san(request, "sanece/inicio.html", page=page, choice=choice,
                          head_html=inicio_head(request, choice, awaiting),
                          results_html=inicio_results(request, page) if page else None)

    @get("/consultar", guards=[sanece_guard], sync_to_thread=True)
    def consultar(self, request: Request[Any, Any, Any],
                  queries: Injected[SaneceQueries]) -> Any:
        number = (request.query_params.get("folio") or "").strip()[:40]
        detail, error, status = lookup_folio(request, queries, number)
        history = queries.folio_history(scope_of(request), detail.number) if detail else ()
        return render_san(request, "sanece/consultar.html", status_code=status, number=number,
                          detail=detail, error=error, history=history)

    @get("/folios/{number:str}/pdf", guards=[sanece_guard], sync_to_thread=True)
    def pdf(self, request: Request[Any, Any, Any],
            print_response: Injected[PrintFolioResponse], number: FromPath[str]) -> Stream:
        return folio_pdf(request, print_response, number)

    @get("/pacientes", guards=[unit_pages_guard], sync_to_thread=True)
    def pacientes(self, request: Request[Any, Any, Any],
                  queries: Injected[SaneceQueries]) -> Any:
        choice = unit_choice(request, queries)
        page = None
        if not choice.needed or choice.chosen is not None:
            page = queries.recent_patients(scope_of(request), search_page(request, PAGE_SIZE),
                                           choice.chosen_id)
        return render_san(request, "sanece/pacientes.html", page=page, choice=choice,
                          page_url=page_link(request))

    @get("/pacientes/{patient_id:int}", guards=[sanece_guard], sync_to_thread=True)
    def historial(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                  patient_id: FromPath[int]) -> Any:
        history = queries.patient_history(scope_of(request), patient_id)
        number = (request.query_params.get("folio") or "").strip()[:40]
        detail, error, status = None, None, 200
        if number:
            if number in {f.number for f in history.folios}:
                detail, error, status = lookup_folio(request, queries, number)
            else:  # "Ver detalle" only of this patient's folios
                error, status = FOLIO_NOT_FOUND, 404
        return render_san(request, "sanece/historial.html", status_code=status,
                          history=history, detail=detail, error=error, number=number)
