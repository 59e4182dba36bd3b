"""Pages and JSON API of the exchange agreements (issue 17).

Pages under ``/intercambios/acuerdos``:

- ``GET /`` the agreements where the caller's institution (entity, for capturistas) is a
  party, all for admin, with a status filter; ``GET|POST /nuevo`` propose one (from a
  proposed exchange of a saved analysis: the list of exchanges links here with its values;
  or by hand);
- ``GET /{id}`` the agreement: parties, terms, status, agreed vs served per month, and the
  forms each side may use (aceptar, rechazar, cancelar, registrar servicios, subir el
  documento firmado); ``POST /{id}/aceptar|rechazar|cancelar|servicios|firmado``;
  ``GET /{id}/pdf`` the agreement document, ``GET /{id}/firmado`` the signed scan;
- ``GET|POST /motivos`` the reason catalog (admin changes it; everyone reads it);

and ``/intercambios/ciclo``: the loop in figures (funnel, tile map of the states, tables)
and its Excel workbook. A refused form is shown back with the Spanish message (422); a
foreign agreement answers exactly like a missing one (404).

API under ``/api/excedentes/intercambios/acuerdos`` and ``/api/excedentes/intercambios/ciclo``.
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from entrypoints.http.bodies import json_body
from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.common import SYSTEM_TITLE
from entrypoints.http.exchange.common import API, BASE, actor_of, analysis_url, exchange_guard
from entrypoints.http.exchange.loop_charts import CLASSES, funnel, map_class, potential_share, \
    tile_map
from entrypoints.http.forms import field_values, first_values, page_request, with_query
from entrypoints.http.rendering import flash, redirect, render
from entrypoints.http.streams import PDF, XLSX, into_temp_file, into_temp_path, \
    stream_open_file, stream_temp_file
from entrypoints.http.uploads import UPLOAD_ROUTE, receive_form
from exchange.application.agreements import (
    SCAN_POLICY,
    AcceptAgreement,
    AcceptCommand,
    AgreementFilter,
    AgreementQueries,
    AgreementView,
    CancelAgreement,
    DecisionCommand,
    DeclineAgreement,
    DeliveryCommand,
    ExportLoop,
    LoopView,
    ManageReasons,
    OpenAgreementScan,
    PrintAgreement,
    ProposeAgreement,
    ProposeCommand,
    Reason,
    RecordDelivery,
    UploadAgreementScan,
)
from exchange.application.views import percent_text
from exchange.domain.values import format_datetime
from exchange.domain.agreements import STATUS_LABELS, AgreementStatus, Modality
from shared.kernel.errors import DomainError, ValidationError
from shared.kernel.pagination import PageRequest
from shared.storage.domain import FileTooLarge

AGREEMENTS = f"{BASE}/acuerdos"
LOOP = f"{BASE}/ciclo"
API_AGREEMENTS = f"{API}/acuerdos"
SCAN_FIELD = "archivo"
URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
NO_FILE = "Seleccione el archivo PDF firmado («Seleccionar archivo») antes de guardar."
STATUS_CHOICES = [(s.value, label) for s, label in STATUS_LABELS.items()]


def agreement_url(agreement_id: int, page: str = "") -> str:
    return f"{AGREEMENTS}/{agreement_id}" + (f"/{page}" if page else "")


def _context(**extra: Any) -> dict[str, Any]:
    return {"system_title": SYSTEM_TITLE, "pct": percent_text, "base": BASE,
            "agreements_base": AGREEMENTS, "loop_base": LOOP, "agreement_url": agreement_url,
            "analysis_url": analysis_url, "when": format_datetime, **extra}


def _status(raw: Any) -> AgreementStatus | None:
    text = (raw or "").strip().lower()
    if not text:
        return None
    try:
        return AgreementStatus(text)
    except ValueError:
        raise ValidationError(f"Estado desconocido: «{raw}».", code="invalid_filter") from None


# --------------------------------------------------------------------------- forms


@attrs.frozen
class ProposeForm:
    """The "Proponer acuerdo" form exactly as typed (Spanish field names)."""

    analisis: str = ""
    solicitante: str = ""
    proveedor: str = ""
    producto: str = ""
    modalidad: str = Modality.AMBULATORY.value
    pacientes: str = ""
    inicio: str = ""
    termino: str = ""
    observaciones: str = ""

    @classmethod
    def of(cls, values: dict[str, str]) -> "ProposeForm":
        names = [f.name for f in attrs.fields(cls)]
        return cls(**{n: (values.get(n) or "").strip() for n in names if values.get(n)})

    def command(self) -> ProposeCommand:
        return ProposeCommand(self.solicitante, self.proveedor, self.producto, self.modalidad,
                              self.pacientes, self.inicio, self.termino, self.observaciones,
                              self.analisis or None)


# --------------------------------------------------------------------------- pages


def _show(request: Request[Any, Any, Any], queries: AgreementQueries, agreement_id: int,
          error: str | None = None, status: int = 200, form: dict[str, str] | None = None,
          ) -> Any:
    view = queries.agreement(actor_of(request), agreement_id)
    return render(request, "exchange/acuerdo.html", status_code=status, **_context(
        v=view, s=view.stored, a=view.a, reasons=queries.reasons(), error=error,
        form=form or {}, scan_max_mb=SCAN_POLICY.max_bytes // (1024 * 1024),
        scan_field=SCAN_FIELD))


def _new_form(request: Request[Any, Any, Any], queries: AgreementQueries, form: ProposeForm,
              error: str | None = None, status: int = 200) -> Any:
    return render(request, "exchange/acuerdo_nuevo.html", status_code=status, **_context(
        form=form, error=error, modalities=[m.value for m in Modality],
        may_propose=queries.may_propose(actor_of(request))))


def _reasons_page(request: Request[Any, Any, Any], queries: AgreementQueries,
                  error: str | None = None, status: int = 200) -> Any:
    return render(request, "exchange/motivos.html", status_code=status, **_context(
        reasons=queries.reasons(active_only=False), error=error))


def loop_context(loop: LoopView) -> dict[str, Any]:
    """What the loop page draws: the funnel, the map (each state to its drill-down: the
    latest analysis' exchanges of the state, or the agreements of the state without one)."""

    def href(state: str) -> str:
        if loop.analysis_id is not None:
            return analysis_url(loop.analysis_id, None, "propuestas", estado=state)
        return with_query(AGREEMENTS, estado=state)

    return {"loop": loop, "funnel": funnel(loop), "map": tile_map(loop.states, href),
            "state_href": href, "map_class": map_class, "potential_share": potential_share,
            "classes": CLASSES}


class AgreementPages(Controller):
    path = AGREEMENTS
    guards = [exchange_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any],
              agreement_queries: Injected[AgreementQueries]) -> Any:
        actor = actor_of(request)
        q = request.query_params
        flt = AgreementFilter(_status(q.get("estado_acuerdo")),
                              (q.get("institucion") or "").strip().upper() or None,
                              (q.get("estado") or "").strip() or None)
        page = agreement_queries.list(actor, flt, page_request(request, 20))
        return render(request, "exchange/acuerdos.html", **_context(
            page=page, flt=flt, statuses=STATUS_CHOICES,
            may_propose=agreement_queries.may_propose(actor),
            page_url=lambda n: with_query(AGREEMENTS, pagina=n,
                                          estado_acuerdo=flt.status.value if flt.status else None,
                                          institucion=flt.institution, estado=flt.state)))

    @get("/nuevo", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any],
            agreement_queries: Injected[AgreementQueries]) -> Any:
        form = ProposeForm.of(field_values(request.query_params))
        start, end = agreement_queries.default_dates()
        form = attrs.evolve(form, inicio=form.inicio or start.isoformat(),
                            termino=form.termino or end.isoformat())
        return _new_form(request, agreement_queries, form)

    @post("/nuevo", sync_to_thread=True)
    def propose(self, request: Request[Any, Any, Any],
                agreement_queries: Injected[AgreementQueries],
                propose_agreement: Injected[ProposeAgreement],
                data: Annotated[dict[str, Any], URL_FORM],
                ) -> Any:
        form = ProposeForm.of(first_values(data))
        try:
            stored = propose_agreement(actor_of(request), form.command())
        except DomainError as error:
            if error.status == 404:
                raise
            return _new_form(request, agreement_queries, form, error.message, 422)
        flash(request, f"Acuerdo propuesto (folio {stored.folio}): espera la respuesta de "
                       f"{stored.providing.institution_name}.", "success")
        return redirect(agreement_url(stored.id))

    @get("/motivos", sync_to_thread=True)
    def reasons(self, request: Request[Any, Any, Any],
                agreement_queries: Injected[AgreementQueries]) -> Any:
        return _reasons_page(request, agreement_queries)

    @post("/motivos", sync_to_thread=True)
    def put_reason(self, request: Request[Any, Any, Any],
                   agreement_queries: Injected[AgreementQueries],
                   manage_reasons: Injected[ManageReasons],
                   data: Annotated[dict[str, Any], URL_FORM],
                   ) -> Any:
        values = first_values(data)
        active = values.get("activo")
        try:
            reason = manage_reasons(actor_of(request), values.get("clave", ""),
                                    values.get("texto") or None,
                                    None if active is None else active == "1")
        except ValidationError as error:
            return _reasons_page(request, agreement_queries, error.message, 422)
        flash(request, f"Motivo {reason.code} guardado.", "success")
        return redirect(f"{AGREEMENTS}/motivos")

    @get("/{agreement_id:int}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any],
             agreement_queries: Injected[AgreementQueries],
             agreement_id: FromPath[int]) -> Any:
        return _show(request, agreement_queries, agreement_id)

    def _act(self, request: Request[Any, Any, Any], queries: AgreementQueries,
             agreement_id: int, values: dict[str, str], action: Any, done: str) -> Any:
        try:
            action()
        except DomainError as error:
            if error.status == 404:
                raise
            return _show(request, queries, agreement_id, error.message, 422, values)
        flash(request, done, "success")
        return redirect(agreement_url(agreement_id))

    @post("/{agreement_id:int}/aceptar", sync_to_thread=True)
    def accept(self, request: Request[Any, Any, Any],
               agreement_queries: Injected[AgreementQueries],
               accept_agreement: Injected[AcceptAgreement], agreement_id: FromPath[int],
               data: Annotated[dict[str, Any], URL_FORM],
               ) -> Any:
        v = first_values(data)
        return self._act(request, agreement_queries, agreement_id, v, lambda: accept_agreement(
            actor_of(request), AcceptCommand(agreement_id, v.get("pacientes"), v.get("inicio"),
                                             v.get("termino"))), "Acuerdo aceptado.")

    @post("/{agreement_id:int}/rechazar", sync_to_thread=True)
    def decline(self, request: Request[Any, Any, Any],
                agreement_queries: Injected[AgreementQueries],
                decline_agreement: Injected[DeclineAgreement], agreement_id: FromPath[int],
                data: Annotated[dict[str, Any], URL_FORM],
                ) -> Any:
        v = first_values(data)
        return self._act(request, agreement_queries, agreement_id, v, lambda: decline_agreement(
            actor_of(request), DecisionCommand(agreement_id, v.get("motivo", ""),
                                               v.get("explicacion", ""))), "Acuerdo rechazado.")

    @post("/{agreement_id:int}/cancelar", sync_to_thread=True)
    def cancel(self, request: Request[Any, Any, Any],
               agreement_queries: Injected[AgreementQueries],
               cancel_agreement: Injected[CancelAgreement], agreement_id: FromPath[int],
               data: Annotated[dict[str, Any], URL_FORM],
               ) -> Any:
        v = first_values(data)
        return self._act(request, agreement_queries, agreement_id, v, lambda: cancel_agreement(
            actor_of(request), DecisionCommand(agreement_id, v.get("motivo", ""),
                                               v.get("explicacion", ""))), "Acuerdo cancelado.")

    @post("/{agreement_id:int}/servicios", sync_to_thread=True)
    def deliver(self, request: Request[Any, Any, Any],
                agreement_queries: Injected[AgreementQueries],
                record_delivery: Injected[RecordDelivery], agreement_id: FromPath[int],
                data: Annotated[dict[str, Any], URL_FORM],
                ) -> Any:
        v = first_values(data)
        return self._act(request, agreement_queries, agreement_id, v, lambda: record_delivery(
            actor_of(request), DeliveryCommand(agreement_id, v.get("mes", ""),
                                               v.get("atendidos", ""), v.get("motivo_mes", ""))),
            f"Servicios del mes {v.get('mes', '')} registrados.")

    @post("/{agreement_id:int}/firmado", **UPLOAD_ROUTE)
    async def upload(self, request: Request[Any, Any, Any],
                     agreement_queries: Injected[AgreementQueries],
                     upload_agreement_scan: Injected[UploadAgreementScan],
                     agreement_id: FromPath[int]) -> Any:
        actor = actor_of(request)
        try:
            # Scope and state first: nothing is received for a foreign agreement.
            await to_thread.run_sync(upload_agreement_scan.check, actor, agreement_id)
            with await receive_form(request, SCAN_POLICY, max_files=1) as form:
                files = form.files_for(SCAN_FIELD) or form.files
                if not files:
                    raise ValidationError(NO_FILE, code="file_missing")
                received = files[0]

                def store() -> Any:
                    with received.open() as fh:
                        return upload_agreement_scan(actor, agreement_id, fh, received.size,
                                                     received.original_name,
                                                     received.content_type)

                await to_thread.run_sync(store)
        except (ValidationError, FileTooLarge) as refused:
            return await to_thread.run_sync(lambda: _show(
                request, agreement_queries, agreement_id, refused.message, refused.status))
        flash(request, "Documento firmado guardado.", "success")
        return redirect(agreement_url(agreement_id))

    @get("/{agreement_id:int}/pdf", sync_to_thread=True)
    def pdf(self, request: Request[Any, Any, Any], print_agreement: Injected[PrintAgreement],
            agreement_id: FromPath[int]) -> Stream:
        actor = actor_of(request)
        path, _ = into_temp_file(request, ".pdf",
                                 lambda out: print_agreement(actor, agreement_id, out))
        return stream_temp_file(path, PDF, f"acuerdo-intercambio-{agreement_id}.pdf")

    @get("/{agreement_id:int}/firmado", sync_to_thread=True)
    def scan(self, request: Request[Any, Any, Any],
             open_agreement_scan: Injected[OpenAgreementScan],
             agreement_id: FromPath[int]) -> Stream:
        scan, stream = open_agreement_scan(actor_of(request), agreement_id)
        return stream_open_file(stream, scan.size, f"acuerdo-{agreement_id}-firmado.pdf", PDF)


class LoopPages(Controller):
    path = LOOP
    guards = [exchange_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def loop(self, request: Request[Any, Any, Any],
             agreement_queries: Injected[AgreementQueries]) -> Any:
        loop = agreement_queries.loop(actor_of(request))
        return render(request, "exchange/ciclo.html", **_context(**loop_context(loop)))

    @get("/excel", sync_to_thread=True)
    def excel(self, request: Request[Any, Any, Any], export_loop: Injected[ExportLoop]) -> Stream:
        actor = actor_of(request)
        path, _ = into_temp_path(request, ".xlsx", lambda p: export_loop(actor, p))
        return stream_temp_file(path, XLSX, "ciclo-intercambio.xlsx")


# --------------------------------------------------------------------------- API


@attrs.frozen
class ProposeBody:
    """Propose an agreement (the requesting side). ``analysis_id``: the saved analysis whose
    proposed exchange it comes from (the units, product and modality must match it)."""

    requesting_clues: str
    providing_clues: str
    product: str
    patients: int
    start: str  # AAAA-MM-DD
    end: str
    modality: str = "Ambulatorio"
    notes: str = ""
    analysis_id: int | None = None


@attrs.frozen
class AcceptBody:
    patients: int | None = None  # fewer than proposed
    start: str | None = None
    end: str | None = None


@attrs.frozen
class DecisionBody:
    reason_code: str
    text: str


@attrs.frozen
class DeliveryBody:
    month: str  # AAAA-MM
    served: int
    reason: str = ""


@attrs.frozen
class MonthOut:
    month: str
    agreed: int
    served: int | None
    reason: str


@attrs.frozen
class PartyOut:
    institution: str
    institution_name: str
    entity: str
    entity_name: str
    clues: str
    unit_name: str
    state: str | None


@attrs.frozen
class AgreementOut:
    id: int
    folio: str
    status: str
    status_label: str
    requesting: PartyOut
    providing: PartyOut
    product: str
    modality: str
    proposed_patients: int
    patients: int
    start: str
    end: str
    notes: str
    analysis_id: int | None
    decision_code: str | None
    decision_text: str | None
    signed_scan: bool
    months: list[MonthOut]

    @classmethod
    def of(cls, v: AgreementView) -> "AgreementOut":
        s, a = v.stored, v.a
        t = a.terms

        def party(u: Any) -> PartyOut:
            return PartyOut(u.institution, u.institution_name, u.entity, u.entity_name,
                            u.clues, u.name, u.state)

        return cls(s.id, s.folio, v.status.value, v.status.label, party(s.requesting),
                   party(s.providing), a.product, a.modality.value, a.proposed.patients,
                   t.patients, t.start.isoformat(), t.end.isoformat(), a.notes, s.analysis_id,
                   a.decision.code if a.decision else None,
                   a.decision.text if a.decision else None, s.scan is not None,
                   [MonthOut(m.month, m.agreed, m.served, m.reason) for m in v.months])


@attrs.frozen
class AgreementPageOut:
    items: list[AgreementOut]
    total: int
    page: int
    size: int


@attrs.frozen
class FiguresOut:
    needed: int
    potential: int
    agreed: int
    served_12m: int
    agreed_share: float
    served_share: float


@attrs.frozen
class LoopRowOut:
    key: str
    label: str
    figures: FiguresOut


@attrs.frozen
class LoopOut:
    analysis_id: int | None
    analysis_label: str
    months: list[str]
    total: FiguresOut
    states: list[LoopRowOut]
    institutions: list[LoopRowOut]

    @classmethod
    def of(cls, loop: LoopView) -> "LoopOut":
        def fig(f: Any) -> FiguresOut:
            return FiguresOut(f.needed, f.potential, f.agreed, f.served_12m, f.agreed_share,
                              f.served_share)

        return cls(loop.analysis_id, loop.analysis_label, list(loop.months), fig(loop.total),
                   [LoopRowOut(r.key, r.label, fig(r.figures)) for r in loop.states],
                   [LoopRowOut(r.key, r.label, fig(r.figures)) for r in loop.institutions])


class AgreementApi(Controller):
    path = API_AGREEMENTS
    guards = [exchange_guard]
    tags = ["Acuerdos de intercambio"]

    @get("/", sync_to_thread=True, summary="Acuerdos donde la institución es parte")
    def list_agreements(self, request: Request[Any, Any, Any],
                        agreement_queries: Injected[AgreementQueries],
                        status: Annotated[AgreementStatus | None, QueryParameter()] = None,
                        page: Annotated[int, QueryParameter(ge=1)] = 1,
                        size: Annotated[int, QueryParameter(ge=1, le=100)] = 20
                        ) -> AgreementPageOut:
        result = agreement_queries.list(actor_of(request), AgreementFilter(status),
                                        PageRequest(page, size))
        return AgreementPageOut([AgreementOut.of(v) for v in result.items], result.total,
                                result.request.page, result.request.size)

    @get("/motivos", sync_to_thread=True, summary="Catálogo de motivos de rechazo y cancelación")
    def reasons(self, agreement_queries: Injected[AgreementQueries]) -> list[Reason]:
        return agreement_queries.reasons(active_only=False)

    @get("/{agreement_id:int}", sync_to_thread=True, summary="Un acuerdo")
    def agreement(self, request: Request[Any, Any, Any],
                  agreement_queries: Injected[AgreementQueries],
                  agreement_id: FromPath[int]) -> AgreementOut:
        return AgreementOut.of(agreement_queries.agreement(actor_of(request), agreement_id))

    @post("/", sync_to_thread=True, status_code=201, summary="Proponer un acuerdo",
          **json_body(ProposeBody))
    def propose(self, request: Request[Any, Any, Any],
                agreement_queries: Injected[AgreementQueries],
                propose_agreement: Injected[ProposeAgreement],
                data: JSONBody[ProposeBody]) -> AgreementOut:
        actor = actor_of(request)
        stored = propose_agreement(actor, ProposeCommand(
            data.requesting_clues, data.providing_clues, data.product, data.modality,
            data.patients, data.start, data.end, data.notes, data.analysis_id))
        return AgreementOut.of(agreement_queries.agreement(actor, stored.id))

    @post("/{agreement_id:int}/accept", sync_to_thread=True, status_code=200,
          summary="Aceptar (la parte proveedora)", **json_body(AcceptBody))
    def accept(self, request: Request[Any, Any, Any],
               agreement_queries: Injected[AgreementQueries],
               accept_agreement: Injected[AcceptAgreement], agreement_id: FromPath[int],
               data: JSONBody[AcceptBody]) -> AgreementOut:
        actor = actor_of(request)
        accept_agreement(actor, AcceptCommand(agreement_id, data.patients, data.start, data.end))
        return AgreementOut.of(agreement_queries.agreement(actor, agreement_id))

    @post("/{agreement_id:int}/decline", sync_to_thread=True, status_code=200,
          summary="Rechazar con motivo (la parte proveedora)", **json_body(DecisionBody))
    def decline(self, request: Request[Any, Any, Any],
                agreement_queries: Injected[AgreementQueries],
                decline_agreement: Injected[DeclineAgreement], agreement_id: FromPath[int],
                data: JSONBody[DecisionBody]) -> AgreementOut:
        actor = actor_of(request)
        decline_agreement(actor, DecisionCommand(agreement_id, data.reason_code, data.text))
        return AgreementOut.of(agreement_queries.agreement(actor, agreement_id))

    @post("/{agreement_id:int}/cancel", sync_to_thread=True, status_code=200,
          summary="Cancelar con motivo (cualquiera de las partes)", **json_body(DecisionBody))
    def cancel(self, request: Request[Any, Any, Any],
               agreement_queries: Injected[AgreementQueries],
               cancel_agreement: Injected[CancelAgreement], agreement_id: FromPath[int],
               data: JSONBody[DecisionBody]) -> AgreementOut:
        actor = actor_of(request)
        cancel_agreement(actor, DecisionCommand(agreement_id, data.reason_code, data.text))
        return AgreementOut.of(agreement_queries.agreement(actor, agreement_id))

    @post("/{agreement_id:int}/deliveries", sync_to_thread=True, status_code=200,
          summary="Registrar los pacientes atendidos de un mes (la parte proveedora)",
          **json_body(DeliveryBody))
    def deliver(self, request: Request[Any, Any, Any],
                agreement_queries: Injected[AgreementQueries],
                record_delivery: Injected[RecordDelivery], agreement_id: FromPath[int],
                data: JSONBody[DeliveryBody]) -> AgreementOut:
        actor = actor_of(request)
        record_delivery(actor, DeliveryCommand(agreement_id, data.month, data.served,
                                               data.reason))
        return AgreementOut.of(agreement_queries.agreement(actor, agreement_id))


class LoopApi(Controller):
    path = f"{API}/ciclo"
    guards = [exchange_guard]
    tags = ["Acuerdos de intercambio"]

    @get("/", sync_to_thread=True,
         summary="El ciclo en cifras: faltantes, potencial, acordado y atendido")
    def loop(self, request: Request[Any, Any, Any],
             agreement_queries: Injected[AgreementQueries]) -> LoopOut:
        return LoopOut.of(agreement_queries.loop(actor_of(request)))

    @get("/xlsx", sync_to_thread=True, summary="El ciclo en Excel",
         media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def xlsx(self, request: Request[Any, Any, Any], export_loop: Injected[ExportLoop]) -> Stream:
        actor = actor_of(request)
        path, _ = into_temp_path(request, ".xlsx", lambda p: export_loop(actor, p))
        return stream_temp_file(path, XLSX, "ciclo-intercambio.xlsx")
