"""A change request's page ("Revisar": before → after, attachments, the reviewer's reason) and
the Jefatura de área de Catálogo II's queue (S12) with its decisions.

A director sees the requests their unit filed; revisores and admins see every request and
decide the pending ones: Validado applies the change (the Fecha final of an ampliación is
required; a baja takes the fecha de baja, today by default), No Validado needs the reason the
director will read. A refusal (a conflict because the target changed since filing, a missing
date or reason) shows the request again with the message.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Stream

from entrypoints.http.dependencies import Injected
from entrypoints.http.forms import page_link, parse_int, with_query
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.sanece.common import (
    REVISION,
    SOLICITUDES,
    Urls,
    actor_of,
    attachment_download,
    render_san,
    reviewer_guard,
    sanece_guard,
    scope_of,
    search_page,
)
from entrypoints.http.sanece.forms import DecisionForm
from sanece.application.queries import SaneceQueries
from sanece.application.use_cases.attachments import OpenAttachment
from sanece.application.use_cases.review import ApproveRequest, RejectRequest
from sanece.domain.request_types import type_filters
from sanece.domain.rules import PeriodMonthsInRange
from sanece.domain.values import ExpiryChangeKind, RequestStatus
from sanece.domain.request_types import RequestType
from shared.kernel.clock import Clock
from shared.kernel.errors import Conflict, ValidationError
from shared.kernel.scope import Role

URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
QUEUE_SIZE = 25

# Tipo de solicitud filter: each registered type, or each of its subtypes (the expiry change
# by Ampliación / Baja).
TYPE_FILTERS: dict[str, tuple[str, RequestType, str | None]] = {
    code: (label, t.enum_member, subtype) for code, (label, t, subtype) in type_filters().items()}
STATUS_FILTERS = {"pending": RequestStatus.PENDING, "approved": RequestStatus.APPROVED,
                  "rejected": RequestStatus.REJECTED, "all": None}
UNKNOWN_FILTER = "Filtro no válido: elige una opción de la lista."


def queue_filters(raw_type: str | None, raw_status: str | None) -> tuple[Any, Any, Any]:
    """(request type, expiry kind, status) of the queue's filters; a bad value is refused."""
    type_ = kind = None
    if raw_type:
        if raw_type not in TYPE_FILTERS:
            raise ValidationError(UNKNOWN_FILTER, log_message=f"type filter {raw_type!r}")
        _, type_, kind = TYPE_FILTERS[raw_type]
    if (raw_status or "pending") not in STATUS_FILTERS:
        raise ValidationError(UNKNOWN_FILTER, log_message=f"status filter {raw_status!r}")
    return type_, kind, STATUS_FILTERS[raw_status or "pending"]


class RequestPages(Controller):
    path = SOLICITUDES
    guards = [sanece_guard]
    include_in_schema = False

    @get("/{request_id:int}", sync_to_thread=True)
    def detail(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               clock: Injected[Clock], request_id: FromPath[int]) -> Any:
        return self._page(request, queries, clock, request_id, DecisionForm())

    def _page(self, request: Request[Any, Any, Any], queries: SaneceQueries, clock: Clock,
              request_id: int, form: DecisionForm, error: str | None = None,
              status_code: int = 200) -> Any:
        detail = queries.request(scope_of(request), request_id)
        scope = scope_of(request)
        decides = scope.role in (Role.REVISOR, Role.ADMIN) and detail.row.is_pending
        back = REVISION if scope.role in (Role.REVISOR, Role.ADMIN) else \
            Urls.section(detail.row.type)
        today = clock.today()
        return render_san(request, "sanece/solicitud.html", status_code=status_code,
                          d=detail, r=detail.row, form=form, error=error, decides=decides,
                          back=back, today=today, RequestType=RequestType,
                          folio_open=queries.folio_visible(scope, detail.row.folio_number),
                          ExpiryChangeKind=ExpiryChangeKind,
                          longest_months=PeriodMonthsInRange.MAX)

    @get("/{request_id:int}/adjuntos/{index:int}", sync_to_thread=True)
    def attachment(self, request: Request[Any, Any, Any],
                   open_attachment: Injected[OpenAttachment], request_id: FromPath[int],
                   index: FromPath[int]) -> Stream:
        return attachment_download(request, open_attachment, request_id, index)

    @post("/{request_id:int}/validar", guards=[reviewer_guard], sync_to_thread=True)
    def approve(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                clock: Injected[Clock], approve_request: Injected[ApproveRequest],
                request_id: FromPath[int], data: Annotated[DecisionForm, URL_FORM]) -> Any:
        try:
            decision = approve_request(actor_of(request), data.approve(request_id))
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, clock, request_id, data, refused.message,
                              refused.status)
        applied = "; ".join(f"{c.label}: {c.before or '—'} → {c.after or '—'}"
                            for c in decision.applied)
        flash(request, f"Solicitud {request_id}: {decision.status_label}. El cambio se aplicó"
                       + (f" ({applied})." if applied else "."), "success")
        return redirect(Urls.request(request_id))

    @post("/{request_id:int}/rechazar", guards=[reviewer_guard], sync_to_thread=True)
    def reject(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               clock: Injected[Clock], reject_request: Injected[RejectRequest],
               request_id: FromPath[int], data: Annotated[DecisionForm, URL_FORM]) -> Any:
        try:
            decision = reject_request(actor_of(request), data.reject(request_id))
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, clock, request_id, data, refused.message,
                              refused.status)
        flash(request, f"Solicitud {request_id}: {decision.status_label}. Motivo: "
                       f"{decision.reason}", "success")
        return redirect(Urls.request(request_id))


class ReviewPages(Controller):
    path = REVISION
    guards = [reviewer_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def queue(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries]) -> Any:
        q = request.query_params
        request_type, kind, status = queue_filters(q.get("tipo"), q.get("estatus"))
        scope = scope_of(request)
        ooads = queries.ooads(scope)
        ooad_id = parse_int(q.get("ooad"), "OOAD/UMAE", minimum=1)
        page = queries.review_queue(
            scope, search_page(request, QUEUE_SIZE), request_type=request_type, kind=kind,
            ooad_id=ooad_id, min_age_days=parse_int(q.get("dias"), "Antigüedad (días)",
                                                    minimum=0),
            status=status)
        return render_san(request, "sanece/revision.html", page=page, ooads=ooads,
                          page_url=page_link(request), types=TYPE_FILTERS, q=q,
                          statuses=(("pending", "En espera"), ("approved", "Validado"),
                                    ("rejected", "No Validado"), ("all", "Todos")),
                          clear=with_query(REVISION))
