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

import attrs
from anyio import to_thread

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Stream

from entrypoints.http.dependencies import Injected
from entrypoints.http.forms import all_values, page_link, parse_int, with_query
from entrypoints.http.read_scope import memory_first
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.sanece.common import (
    MOTIVOS,
    REVISION,
    SOLICITUDES,
    Urls,
    actor_of,
    admin_guard,
    attachment_download,
    attachment_limit_text,
    director_guard,
    file_request,
    render_san,
    reviewer_guard,
    sanece_guard,
    scope_of,
    search_page,
    table_rows,
)
from entrypoints.http.sanece.forms import CancelForm, DecisionForm
from entrypoints.http.uploads import UPLOAD_ROUTE, ReceivedForm
from sanece.application.queries import SaneceQueries
from sanece.application.use_cases.attachments import OpenAttachment
from sanece.application.use_cases.decisions import (
    AddReason,
    AnswerCommand,
    AnswerRequest,
    BulkApprove,
    CancelRequest,
    DisableReason,
    ExpireRequests,
    ListReasons,
    PendRequest,
)
from sanece.application.use_cases.review import ApproveRequest, RejectRequest
from sanece.domain.request_types import type_filters
from sanece.domain.rules import PeriodMonthsInRange
from sanece.domain.values import ExpiryChangeKind, RequestStatus
from sanece.domain.request_types import RequestType
from shared.kernel.clock import Clock
from shared.kernel.errors import Conflict, DomainError, NotFound, ValidationError
from shared.kernel.scope import Role
from shared.storage.domain import FileTooLarge

URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
QUEUE_SIZE = 25

# Tipo de solicitud filter: each registered type, or each of its subtypes (the expiry change
# by Ampliación / Baja).
TYPE_FILTERS: dict[str, tuple[str, RequestType, str | None]] = {
    code: (label, t.enum_member, subtype) for code, (label, t, subtype) in type_filters().items()}
STATUS_FILTERS = {"pending": RequestStatus.PENDING, "approved": RequestStatus.APPROVED,
                  "rejected": RequestStatus.REJECTED,
                  "info_requested": RequestStatus.INFO_REQUESTED,
                  "cancelled": RequestStatus.CANCELLED, "expired": RequestStatus.EXPIRED,
                  "all": None}
STATUS_CHOICES = (("pending", "En espera"), ("info_requested", "Requiere información"),
                  ("approved", "Validado"), ("rejected", "No Validado"),
                  ("cancelled", "Cancelada por la unidad"),
                  ("expired", "Vencida sin respuesta"), ("all", "Todos"))
REFUSALS = (ValidationError, Conflict, FileTooLarge)
NOTHING_CHOSEN = "Elige al menos una solicitud para validar en lote."
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
               clock: Injected[Clock], expire_requests: Injected[ExpireRequests],
               list_reasons: Injected[ListReasons], request_id: FromPath[int]) -> Any:
        expire_requests()  # lazily: an unanswered Requiere información past its days
        return self._page(request, queries, clock, list_reasons, request_id, DecisionForm())

    def _page(self, request: Request[Any, Any, Any], queries: SaneceQueries, clock: Clock,
              list_reasons: ListReasons, request_id: int, form: DecisionForm,
              error: str | None = None, status_code: int = 200,
              cancel_form: CancelForm | None = None, note: str = "") -> Any:
        detail = queries.request(scope_of(request), request_id)
        scope = scope_of(request)
        decides = scope.role in (Role.REVISOR, Role.ADMIN) and detail.row.is_pending
        director = scope.role is Role.DIRECTOR
        back = REVISION if scope.role in (Role.REVISOR, Role.ADMIN) else \
            Urls.section(detail.row.type)
        today = clock.today()
        return render_san(request, "sanece/solicitud.html", status_code=status_code,
                          d=detail, r=detail.row, form=form, error=error, decides=decides,
                          answers=director and detail.row.status is RequestStatus.INFO_REQUESTED,
                          cancels=director and detail.row.status.is_open,
                          cancel_form=cancel_form or CancelForm(), note=note,
                          reasons=list_reasons(actor_of(request), active_only=True),
                          attachment_limit=attachment_limit_text(request),
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
                list_reasons: Injected[ListReasons], request_id: FromPath[int],
                data: Annotated[DecisionForm, URL_FORM]) -> Any:
        try:
            decision = approve_request(actor_of(request), data.approve(request_id))
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, clock, list_reasons, request_id, data,
                              refused.message, refused.status)
        # a line without a "before" (the folios a merge moved) names what it lists, no arrow
        applied = "; ".join(f"{c.label}: {c.before} → {c.after or '—'}" if c.before
                            else f"{c.label}: {c.after or '—'}" for c in decision.applied)
        flash(request, f"Solicitud {request_id}: {decision.decision_label}. El cambio se aplicó"
                       + (f" ({applied})." if applied else "."), "success")
        return redirect(Urls.request(request_id))

    @post("/{request_id:int}/rechazar", guards=[reviewer_guard], sync_to_thread=True)
    def reject(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               clock: Injected[Clock], reject_request: Injected[RejectRequest],
               list_reasons: Injected[ListReasons], request_id: FromPath[int],
               data: Annotated[DecisionForm, URL_FORM]) -> Any:
        try:
            decision = reject_request(actor_of(request), data.reject(request_id))
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, clock, list_reasons, request_id, data,
                              refused.message, refused.status)
        flash(request, f"Solicitud {request_id}: {decision.status_label}. Motivo: "
                       f"{decision.reason_code}"
                       + (f" — {decision.reason}" if decision.reason else ""), "success")
        return redirect(Urls.request(request_id))

    @post("/{request_id:int}/pedir-informacion", guards=[reviewer_guard], sync_to_thread=True)
    def pend(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
             clock: Injected[Clock], pend_request: Injected[PendRequest],
             list_reasons: Injected[ListReasons], request_id: FromPath[int],
             data: Annotated[DecisionForm, URL_FORM]) -> Any:
        try:
            pended = pend_request(actor_of(request), data.pend(request_id))
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, clock, list_reasons, request_id, data,
                              refused.message, refused.status)
        flash(request, f"Solicitud {request_id}: Requiere información ({pended.reason_code}). "
                       "Sale de la cola hasta que la unidad responda.", "success")
        return redirect(REVISION)

    @post("/{request_id:int}/responder", guards=[director_guard], **UPLOAD_ROUTE)
    async def answer(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                     clock: Injected[Clock], answer_request: Injected[AnswerRequest],
                     list_reasons: Injected[ListReasons], request_id: FromPath[int]) -> Any:
        form = ReceivedForm()
        try:
            await file_request(request, answer_request,
                               lambda f: AnswerCommand(request_id, f.get("note"), f.files),
                               into=form)
        except REFUSALS as refused:
            return await to_thread.run_sync(
                lambda: self._page(request, queries, clock, list_reasons, request_id,
                                   DecisionForm(), refused.message, refused.status,
                                   note=form.get("note")))
        flash(request, f"Solicitud {request_id}: respuesta enviada; la solicitud regresó a la "
                       "cola de revisión con su fecha de solicitud original.", "success")
        return redirect(Urls.request(request_id))

    @post("/{request_id:int}/cancelar", guards=[director_guard], sync_to_thread=True)
    def cancel(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
               clock: Injected[Clock], cancel_request: Injected[CancelRequest],
               list_reasons: Injected[ListReasons], request_id: FromPath[int],
               data: Annotated[CancelForm, URL_FORM]) -> Any:
        try:
            cancel_request(actor_of(request), data.command(request_id))
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, clock, list_reasons, request_id,
                              DecisionForm(), refused.message, refused.status,
                              cancel_form=data)
        flash(request, f"Solicitud {request_id}: Cancelada por la unidad.", "success")
        return redirect(Urls.request(request_id))


class ReviewPages(Controller):
    path = REVISION
    guards = [reviewer_guard]
    include_in_schema = False

    @get("/")
    @memory_first
    def queue(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
              expire_requests: Injected[ExpireRequests]) -> Any:
        expire_requests()  # lazily: an unanswered Requiere información past its days
        q = request.query_params
        request_type, kind, status = queue_filters(q.get("tipo"), q.get("estatus"))
        scope = scope_of(request)
        ooads = queries.ooads(scope)
        ooad_id = parse_int(q.get("ooad"), "OOAD/UMAE", minimum=1)
        unit_id = parse_int(q.get("unidad"), "Unidad médica", minimum=1)
        units = queries.units(scope, ooad_id) if ooad_id else []
        page = queries.review_queue(
            scope, search_page(request, QUEUE_SIZE), request_type=request_type, kind=kind,
            ooad_id=ooad_id, unit_id=unit_id,
            min_age_days=parse_int(q.get("dias"), "Antigüedad (días hábiles)", minimum=0),
            status=status)
        return render_san(request, "sanece/revision.html", page=page, ooads=ooads,
                          rows_html=table_rows(request, "sanece/_revision_rows.html", page.items),
                          units=units, page_url=page_link(request), types=TYPE_FILTERS, q=q,
                          statuses=STATUS_CHOICES, target=queries.review_target_days,
                          clear=with_query(REVISION))

    @post("/validar-lote")
    async def bulk(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                   bulk_approve: Injected[BulkApprove]) -> Any:
        """Validado en lote: the first POST lists the chosen requests for confirmation; the
        confirmed one validates each (simple kinds only) and says what was refused."""
        form = await request.form()
        ids = [i for i in (parse_int(v, "Solicitud", minimum=1)
                           for v in all_values(form, "ids")) if i]
        confirmed = bool(form.get("confirmed"))
        return await to_thread.run_sync(
            lambda: self._bulk(request, queries, bulk_approve, ids, confirmed))

    def _bulk(self, request: Request[Any, Any, Any], queries: SaneceQueries,
              bulk_approve: BulkApprove, ids: list[int], confirmed: bool) -> Any:
        if not ids:
            flash(request, NOTHING_CHOSEN, "error")
            return redirect(REVISION)
        if not confirmed:
            scope = scope_of(request)
            rows = []
            for request_id in ids:
                try:
                    rows.append(queries.request(scope, request_id).row)
                except NotFound:
                    continue
            return render_san(request, "sanece/validar_lote.html", rows=rows)
        result = bulk_approve(actor_of(request), ids)
        if result.approved:
            flash(request, "Validadas en lote: " + ", ".join(map(str, result.approved)) + ".",
                  "success")
        for request_id, why in result.refused:
            flash(request, f"Solicitud {request_id}: {why}", "error")
        return redirect(REVISION)

    @get("/estadisticas", sync_to_thread=True)
    def stats(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
              expire_requests: Injected[ExpireRequests]) -> Any:
        expire_requests()
        return render_san(request, "sanece/estadisticas.html",
                          stats=queries.queue_stats(scope_of(request)))


@attrs.define
class ReasonForm:
    code: str = ""
    text: str = ""
    csrf_token: str = ""


class ReasonPages(Controller):
    """Catálogo de motivos (admin): the coded reasons of No Validado, Requiere información,
    Cancelada and Vencida; add one, disable one."""

    path = MOTIVOS
    guards = [admin_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def list(self, request: Request[Any, Any, Any], list_reasons: Injected[ListReasons]) -> Any:
        return self._page(request, list_reasons, ReasonForm())

    def _page(self, request: Request[Any, Any, Any], list_reasons: ListReasons,
              form: ReasonForm, error: str | None = None, status_code: int = 200) -> Any:
        return render_san(request, "sanece/motivos.html", status_code=status_code,
                          reasons=list_reasons(actor_of(request)), form=form, error=error)

    @post("/", sync_to_thread=True)
    def add(self, request: Request[Any, Any, Any], list_reasons: Injected[ListReasons],
            add_reason: Injected[AddReason], data: Annotated[ReasonForm, URL_FORM]) -> Any:
        try:
            reason = add_reason(actor_of(request), data.code, data.text)
        except DomainError as refused:
            return self._page(request, list_reasons, data, refused.message, refused.status)
        flash(request, f"Motivo agregado: {reason.label}", "success")
        return redirect(MOTIVOS)

    @post("/{code:str}/desactivar", sync_to_thread=True)
    def disable(self, request: Request[Any, Any, Any], list_reasons: Injected[ListReasons],
                disable_reason: Injected[DisableReason], code: FromPath[str]) -> Any:
        try:
            reason = disable_reason(actor_of(request), code)
        except DomainError as refused:
            return self._page(request, list_reasons, ReasonForm(), refused.message,
                              refused.status)
        flash(request, f"Motivo desactivado: {reason.label}", "success")
        return redirect(MOTIVOS)
