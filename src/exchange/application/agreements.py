"""Exchange agreements, application side: ports, views, use cases and queries.

- ``ProposeAgreement`` (the requesting side's coordinador, or admin): from a proposed
  exchange of a saved analysis (checked against the analysis, inside the proposer's view) or
  by hand; the parties' labels (institution, entity, unit, state) are read once through the
  ``ExchangeSource`` and kept with the agreement.
- ``AcceptAgreement`` / ``DeclineAgreement`` (the providing side), ``CancelAgreement``
  (either side), ``RecordDelivery`` (the providing side, Vigente only), ``AdvanceAgreements``
  (time: Aceptado → Vigente → Concluido), ``UploadAgreementScan`` (either side, once
  accepted). Each is one transaction with its audit entries; every write first applies the
  time transitions due today (audited as ``system``), so the rules always see the real state.
- ``AgreementQueries``: lists, one agreement, the reason catalog and the loop's figures,
  always inside the caller's ``Viewer``: admin all; coordinador the agreements where its
  institution is a party; capturista those where its entity is. A foreign id answers
  exactly like a missing one (``AGREEMENT_NOT_FOUND``).
- ``PrintAgreement``: the PDF "Acuerdo de intercambio de servicios" (accepted onwards),
  with a content fingerprint on every page.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Protocol, Sequence

import attrs

from exchange.application.model import (
    Option,
    PotentialLevel,
    UnitInfo,
    ViewFilter,
    Viewer,
    viewer_of,
)
from exchange.application.ports import ExchangeReadModel, ExchangeSource
from exchange.domain.agreements import (
    Acting,
    Agreement,
    AgreementSide,
    AgreementStatus,
    LoopFigures,
    Modality,
    Month,
    Terms,
    Transition,
    last_months,
)
from exchange.domain.matching import AllocationMethod
from exchange.domain.states import STATES
from exchange.domain.values import as_utc, clean_text, known_id, local_tz
from shared.audit.domain import AuditLog, record_action
from shared.kernel.clock import Clock
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError
from shared.kernel.pagination import Page, PageRequest, paginate
from shared.kernel.scope import Actor, Role
from shared.storage.domain import FileStorage, StorageSelector, StoredFile, UploadPolicy

AGREEMENT_NOT_FOUND = "El acuerdo de intercambio solicitado no existe."
AGREEMENT_TARGET = "exchange_agreement"
REASON_TARGET = "exchange_agreement_reason"
WRITE_DENIED = ("Los acuerdos de intercambio los proponen, aceptan y administran la "
                "coordinación institucional o la administración del sistema.")
UNIT_UNKNOWN = "La unidad con CLUES «{clues}» no está en el catálogo de unidades."
LINE_UNKNOWN = ("El intercambio propuesto ya no está en el análisis {analysis} (o no es de su "
                "institución): elija otro o propóngalo a mano.")
REASON_UNKNOWN = "El motivo «{code}» no está en el catálogo de motivos vigentes."
NOT_PRINTABLE = "El documento del acuerdo se imprime una vez aceptado."
NO_SCAN = "El acuerdo no tiene documento firmado."
SCAN_STATUSES = frozenset({AgreementStatus.ACCEPTED, AgreementStatus.ACTIVE,
                           AgreementStatus.CONCLUDED})
SCAN_MAX_BYTES = 100 * 1024 * 1024  # the Paso 9 default limit
SCAN_POLICY = UploadPolicy.pdf_only(SCAN_MAX_BYTES)
SYSTEM = Actor.admin("system")  # who the time transitions are audited as

# The default reason catalog (migration 0020 writes it; ``SeedAgreementReasons`` too).
DEFAULT_REASONS = (
    ("CAPACIDAD", "Sin capacidad disponible para el periodo"),
    ("COSTO", "Sin acuerdo de costos o de tarifas"),
    ("DISTANCIA", "Distancia o traslado de pacientes no viable"),
    ("NORMATIVA", "Impedimento normativo o administrativo"),
    ("YA_CUBIERTO", "La necesidad ya está cubierta por otra vía"),
    ("OTRO", "Otro motivo (explique)"),
)


def folio_of(agreement_id: int, year: int) -> str:
    return f"AIS-{year}-{agreement_id:06d}"


# --------------------------------------------------------------------------- data


@attrs.frozen
class ScanInfo:
    key: str
    backend: str
    name: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str


@attrs.frozen
class StoredAgreement:
    id: int
    agreement: Agreement
    requesting: UnitInfo
    providing: UnitInfo
    unit_of_measure: str
    service_group: str
    analysis_id: int | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    scan: ScanInfo | None = None

    @property
    def folio(self) -> str:
        return folio_of(self.id, as_utc(self.created_at).year)


@attrs.frozen
class Reason:
    code: str
    text: str
    active: bool = True


@attrs.frozen
class LoopRow:
    """The loop's figures of one state or institution (``key``) or of the whole (``total``)."""

    key: str
    label: str
    figures: LoopFigures


@attrs.frozen
class LoopView:
    analysis_id: int | None
    analysis_label: str
    total: LoopFigures
    states: tuple[LoopRow, ...]
    institutions: tuple[LoopRow, ...]
    months: tuple[str, ...]  # the 12 months counted in ``served_12m``


@attrs.frozen
class MonthLine:
    month: str
    agreed: int
    served: int | None
    reason: str


@attrs.frozen
class AgreementView:
    stored: StoredAgreement
    status: AgreementStatus  # as of today (time transitions applied)
    sides: frozenset[AgreementSide]  # the viewer's sides
    may_accept: bool
    may_cancel: bool
    may_deliver: bool
    may_upload: bool
    months: tuple[MonthLine, ...]

    @property
    def a(self) -> Agreement:
        return self.stored.agreement

    @property
    def printable(self) -> bool:
        return self.status in SCAN_STATUSES


# --------------------------------------------------------------------------- ports


class AgreementRepository(Protocol):
    def get(self, agreement_id: int) -> StoredAgreement | None:
        """With a row lock where the database has them (one writer per agreement)."""
        ...

    def add(self, stored: StoredAgreement) -> int: ...

    def save(self, stored: StoredAgreement) -> None:
        """Status, agreed terms, decision, deliveries, scan."""
        ...

    def due(self, today: date) -> Sequence[int]:
        """Ids of agreements with a time transition due (accepted from their start, current
        past their end)."""
        ...

    def reasons(self) -> Sequence[Reason]: ...

    def put_reason(self, reason: Reason) -> None: ...


class AgreementUnitOfWork(Protocol):
    agreements: AgreementRepository
    audit: AuditLog

    def __enter__(self) -> "AgreementUnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


AgreementUnitOfWorkFactory = Callable[[], AgreementUnitOfWork]


@attrs.frozen
class AgreementFilter:
    status: AgreementStatus | None = None
    institution: str | None = None
    state: str | None = None


class AgreementReadModel(Protocol):
    def get(self, agreement_id: int) -> StoredAgreement | None: ...

    def list(self, viewer: Viewer, flt: AgreementFilter, offset: int, limit: int
             ) -> tuple[Sequence[StoredAgreement], int]:
        """Newest first, only agreements where the viewer is a party (all for admin). The
        status filter is on the stored status (time transitions are persisted daily)."""
        ...

    def reasons(self) -> Sequence[Reason]: ...

    def agreed_by(self, viewer: Viewer, first_month: Month, today: date
                  ) -> Sequence[tuple[str | None, str, int, int]]:
        """Per requesting (state, institution) among the viewer's agreements as requester:
        monthly patients of accepted and current agreements not ended before ``today``, and
        patients served from ``first_month``."""
        ...


class AgreementDocuments(Protocol):
    def render_agreement(self, view: "AgreementDocument", out: BinaryIO) -> int:
        """The PDF; returns its page count."""
        ...

    def write_loop(self, loop: "LoopView", agreements: Iterable["AgreementView"],
                   path: Path) -> int:
        """The loop's workbook (figures per state and institution, every agreement);
        returns the number of agreements written."""
        ...


@attrs.frozen
class AgreementDocument:
    stored: StoredAgreement
    status: AgreementStatus
    fingerprint: str
    printed_at: datetime


# --------------------------------------------------------------------------- helpers


def visible_to(stored: StoredAgreement, viewer: Viewer) -> bool:
    if viewer.everything:
        return True
    for party in (stored.agreement.requesting, stored.agreement.providing):
        if party.institution == viewer.institution and (
                viewer.entity is None or party.entity.upper() == viewer.entity.upper()):
            return True
    return False


def acting_of(actor: Actor) -> Acting:
    """Who may act on agreements: admin, or a coordinador for its institution."""
    if actor.scope.role is Role.ADMIN:
        return Acting(None)
    if actor.scope.role is Role.COORDINADOR and actor.scope.ref:
        return Acting(clean_text(actor.scope.ref).upper())
    raise PermissionDenied(WRITE_DENIED)


def _viewer(actor: Actor) -> Viewer:
    viewer = viewer_of(actor.scope)
    if viewer is None:
        raise PermissionDenied()
    return viewer


def _today(clock: Clock) -> date:
    return clock.today()


def _snapshot_of(stored: StoredAgreement) -> dict[str, Any]:
    """What the audit trail keeps of an agreement."""
    a = stored.agreement
    t = a.terms
    return {"status": a.status.value, "patients": t.patients, "start": t.start.isoformat(),
            "end": t.end.isoformat(),
            "decision": None if a.decision is None else
            {"code": a.decision.code, "text": a.decision.text,
             "side": a.decision.side.value if a.decision.side else None}}


def fingerprint_of(stored: StoredAgreement) -> str:
    """The content fingerprint printed on every page: sha256 of what was agreed (the same
    agreement prints the same fingerprint; any change of terms gives another)."""
    a = stored.agreement
    t = a.terms
    data = {"folio": stored.folio, "requesting": attrs.asdict(a.requesting),
            "providing": attrs.asdict(a.providing), "product": a.product,
            "modality": a.modality.value, "patients": t.patients,
            "start": t.start.isoformat(), "end": t.end.isoformat(), "notes": a.notes}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].upper()


def _advance(uow: AgreementUnitOfWork, clock: Clock, stored: StoredAgreement,
             today: date) -> StoredAgreement:
    """Persist and audit the time transitions due today."""
    moved, transitions = stored.agreement.advance(today)
    if not transitions:
        return stored
    new = attrs.evolve(stored, agreement=moved, updated_at=clock.now())
    uow.agreements.save(new)
    for t in transitions:
        _audit_transition(uow, clock, SYSTEM, new, t)
    return new


def _audit_transition(uow: AgreementUnitOfWork, clock: Clock, actor: Actor,
                      stored: StoredAgreement, t: Transition, reason: str | None = None,
                      extra: dict[str, Any] | None = None) -> None:
    record_action(uow.audit, clock, actor, f"exchange.agreement.{t.action}", AGREEMENT_TARGET,
                  str(stored.id), before={"status": t.before.value},
                  after={**_snapshot_of(stored), **(extra or {})}, reason=reason)


def _check_reason(uow: AgreementUnitOfWork, code: str) -> str:
    code = clean_text(code).upper()
    if code not in {r.code for r in uow.agreements.reasons() if r.active}:
        raise ValidationError(REASON_UNKNOWN.format(code=code), code="unknown_reason")
    return code


# --------------------------------------------------------------------------- commands


def _date(value: object, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError(f"{label} no válida: «{value}» (use AAAA-MM-DD).",
                              code="invalid_date") from None


def _int(value: object, label: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"{label}: escriba un número entero.", code="invalid_number")
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    if not text.lstrip("-").isdigit() or len(text) > 9:
        raise ValidationError(f"{label}: escriba un número entero.", code="invalid_number")
    return int(text)


def _opt_date(label: str) -> Callable[[object], date | None]:
    return lambda v: None if v in (None, "") else _date(v, label)


def _opt_int(label: str) -> Callable[[object], int | None]:
    return lambda v: None if v in (None, "") else _int(v, label)


@attrs.frozen
class ProposeCommand:
    requesting_clues: str = attrs.field(converter=lambda v: clean_text(v).upper())
    providing_clues: str = attrs.field(converter=lambda v: clean_text(v).upper())
    product: str = attrs.field(converter=clean_text)
    modality: Modality = attrs.field(converter=lambda v: _modality(v))
    patients: int = attrs.field(converter=lambda v: _int(v, "Pacientes por mes"))
    start: date = attrs.field(converter=lambda v: _date(v, "Fecha de inicio"))
    end: date = attrs.field(converter=lambda v: _date(v, "Fecha de término"))
    notes: str = attrs.field(default="", converter=clean_text)
    analysis_id: int | None = attrs.field(default=None, converter=_opt_int("Análisis"))


def _modality(value: object) -> Modality:
    text = clean_text(value).lower()
    for m in Modality:
        if text in (m.value.lower(), m.name.lower()):
            return m
    raise ValidationError(f"Modalidad no válida: «{value}» (Ambulatorio u Hospitalario).",
                          code="invalid_modality")


@attrs.frozen
class AcceptCommand:
    agreement_id: int
    patients: int | None = attrs.field(default=None, converter=_opt_int("Pacientes por mes"))
    start: date | None = attrs.field(default=None, converter=_opt_date("Fecha de inicio"))
    end: date | None = attrs.field(default=None, converter=_opt_date("Fecha de término"))


@attrs.frozen
class DecisionCommand:
    agreement_id: int
    reason_code: str = attrs.field(converter=clean_text)
    text: str = attrs.field(converter=clean_text)


@attrs.frozen
class DeliveryCommand:
    agreement_id: int
    month: Month = attrs.field(converter=lambda v: v if isinstance(v, Month) else Month.parse(v))
    served: int = attrs.field(converter=lambda v: _int(v, "Pacientes atendidos"))
    reason: str = attrs.field(default="", converter=clean_text)


# --------------------------------------------------------------------------- use cases


@attrs.define
class _AgreementCase:
    uow_factory: AgreementUnitOfWorkFactory
    clock: Clock

    def _load(self, uow: AgreementUnitOfWork, actor: Actor,
              agreement_id: int) -> StoredAgreement:
        stored = uow.agreements.get(int(agreement_id)) if known_id(agreement_id) else None
        if stored is None or not visible_to(stored, _viewer(actor)):
            raise NotFound(AGREEMENT_NOT_FOUND)
        return _advance(uow, self.clock, stored, _today(self.clock))

    def _with_reason(self, actor: Actor, cmd: DecisionCommand,
                     transition: Callable[..., Agreement],
                     action: str) -> StoredAgreement:
        """A transition that needs a catalog reason and its text (decline, cancel)."""
        who = acting_of(actor)
        with self.uow_factory() as uow:
            stored = self._load(uow, actor, cmd.agreement_id)
            code = _check_reason(uow, cmd.reason_code)
            moved = transition(stored.agreement, who, code, cmd.text)
            stored = self._save(uow, actor, stored, moved, action, cmd.text)
            uow.commit()
        return stored

    def _save(self, uow: AgreementUnitOfWork, actor: Actor, stored: StoredAgreement,
              moved: Agreement, action: str, reason: str | None = None,
              extra: dict[str, Any] | None = None) -> StoredAgreement:
        new = attrs.evolve(stored, agreement=moved, updated_at=self.clock.now())
        uow.agreements.save(new)
        _audit_transition(uow, self.clock, actor, new,
                          Transition(stored.agreement.status, moved.status, action), reason,
                          extra)
        return new


@attrs.define
class ProposeAgreement:
    uow_factory: AgreementUnitOfWorkFactory
    clock: Clock
    source: ExchangeSource
    analyses: ExchangeReadModel

    def __call__(self, actor: Actor, cmd: ProposeCommand) -> StoredAgreement:
        who = acting_of(actor)
        req = self._unit(cmd.requesting_clues)
        prov = self._unit(cmd.providing_clues)
        today = _today(self.clock)
        agreement = Agreement.propose(who, req.ref, prov.ref, cmd.product, cmd.modality,
                                      Terms(cmd.patients, cmd.start, cmd.end), today, cmd.notes)
        uom, group = "", ""
        if cmd.analysis_id is not None:
            line = self._line(actor, cmd)
            uom, group = line.unit_of_measure, line.group
        now = self.clock.now()
        stored = StoredAgreement(0, agreement, req, prov, uom, group, cmd.analysis_id, now,
                                 actor.username, now)
        with self.uow_factory() as uow:
            new_id = uow.agreements.add(stored)
            stored = attrs.evolve(stored, id=new_id)
            record_action(uow.audit, self.clock, actor, "exchange.agreement.propose",
                          AGREEMENT_TARGET, str(new_id), after={
                              **_snapshot_of(stored), "requesting": req.clues,
                              "providing": prov.clues, "product": agreement.product,
                              "analysis_id": cmd.analysis_id})
            uow.commit()
        return stored

    def _unit(self, clues: str) -> UnitInfo:
        found = self.source.unit(clues) if clues else None
        if found is None:
            raise ValidationError(UNIT_UNKNOWN.format(clues=clues), code="unknown_unit")
        return found

    def _line(self, actor: Actor, cmd: ProposeCommand) -> Any:
        """The proposed exchange of the analysis this agreement comes from, looked up inside
        the proposer's view: the same units, product and modality, patients not above it."""
        viewer = _viewer(actor)
        aid = cmd.analysis_id
        stored = self.analyses.get(aid) if known_id(aid) else None
        if stored is None or not self.analyses.visible(stored.id, viewer, actor.username):
            raise NotFound("El análisis de intercambio solicitado no existe.")
        snap = self.analyses.snapshot(stored)
        for method in (AllocationMethod.OPTIMAL, AllocationMethod.GREEDY):
            for line in snap.iter_lines(viewer, ViewFilter(), method):
                if (line.requesting.clues == cmd.requesting_clues
                        and line.providing.clues == cmd.providing_clues
                        and line.product == cmd.product and line.modality == cmd.modality.value
                        and cmd.patients <= line.patients):
                    return line
        raise ValidationError(LINE_UNKNOWN.format(analysis=aid), code="unknown_exchange")


@attrs.define
class AcceptAgreement(_AgreementCase):
    def __call__(self, actor: Actor, cmd: AcceptCommand) -> StoredAgreement:
        who = acting_of(actor)
        with self.uow_factory() as uow:
            stored = self._load(uow, actor, cmd.agreement_id)
            moved = stored.agreement.accept(who, cmd.patients, cmd.start, cmd.end)
            stored = self._save(uow, actor, stored, moved, "accept")
            # Accepted on or after its start date: it is current at once.
            stored = _advance(uow, self.clock, stored, _today(self.clock))
            uow.commit()
        return stored


@attrs.define
class DeclineAgreement(_AgreementCase):
    def __call__(self, actor: Actor, cmd: DecisionCommand) -> StoredAgreement:
        return self._with_reason(actor, cmd, Agreement.decline, "decline")


@attrs.define
class CancelAgreement(_AgreementCase):
    def __call__(self, actor: Actor, cmd: DecisionCommand) -> StoredAgreement:
        return self._with_reason(actor, cmd, Agreement.cancel, "cancel")


@attrs.define
class RecordDelivery(_AgreementCase):
    def __call__(self, actor: Actor, cmd: DeliveryCommand) -> StoredAgreement:
        who = acting_of(actor)
        with self.uow_factory() as uow:
            stored = self._load(uow, actor, cmd.agreement_id)
            before = stored.agreement.served_in(cmd.month)
            moved = stored.agreement.deliver(who, cmd.month, cmd.served, cmd.reason,
                                             _today(self.clock))
            new = attrs.evolve(stored, agreement=moved, updated_at=self.clock.now())
            uow.agreements.save(new)
            record_action(uow.audit, self.clock, actor, "exchange.agreement.deliver",
                          AGREEMENT_TARGET, str(stored.id),
                          before=None if before is None else {"month": str(cmd.month),
                                                              "served": before},
                          after={"month": str(cmd.month), "served": cmd.served,
                                 "agreed": moved.terms.patients},
                          reason=cmd.reason or None)
            uow.commit()
        return new


@attrs.define
class AdvanceAgreements:
    """Persist every time transition due today (the CLI's ``advance``, the demo); returns
    how many agreements moved."""

    uow_factory: AgreementUnitOfWorkFactory
    clock: Clock

    def __call__(self) -> int:
        today = _today(self.clock)
        moved = 0
        with self.uow_factory() as uow:
            for agreement_id in uow.agreements.due(today):
                stored = uow.agreements.get(agreement_id)
                if stored is not None and _advance(uow, self.clock, stored, today) is not stored:
                    moved += 1
            uow.commit()
        return moved


@attrs.define
class UploadAgreementScan(_AgreementCase):
    """The signed scan of an accepted agreement (PDF; either party). The HTTP layer streams
    it under ``SCAN_POLICY`` first; the CLI checks the same policy on the file."""

    storage: StorageSelector = attrs.field(kw_only=True)

    def check(self, actor: Actor, agreement_id: int) -> StoredAgreement:
        """Scope and state before anything is received (a foreign id reads nothing)."""
        acting_of(actor)
        with self.uow_factory() as uow:
            stored = self._load(uow, actor, agreement_id)
            uow.commit()
        self._allowed(actor, stored)
        return stored

    def _allowed(self, actor: Actor, stored: StoredAgreement) -> None:
        if not stored.agreement.sides_of(acting_of(actor)):
            raise PermissionDenied("Su institución no es parte de este acuerdo.")
        if stored.agreement.status not in SCAN_STATUSES:
            raise ValidationError("El documento firmado se sube una vez aceptado el acuerdo.",
                                  code="invalid_transition")

    def __call__(self, actor: Actor, agreement_id: int, stream: BinaryIO, size: int,
                 original_name: str, content_type: str) -> StoredAgreement:
        stored = self.check(actor, agreement_id)
        storage: FileStorage = self.storage.for_institution(
            stored.agreement.requesting.institution)
        saved: StoredFile = storage.put(f"exchange/agreements/{stored.id}", stream,
                                        content_type=content_type, original_name=original_name,
                                        size=size)
        with self.uow_factory() as uow:
            current = self._load(uow, actor, agreement_id)
            self._allowed(actor, current)
            scan = ScanInfo(saved.key, storage.backend, saved.original_name, saved.size,
                            saved.sha256, self.clock.now(), actor.username)
            new = attrs.evolve(current, scan=scan, updated_at=self.clock.now())
            uow.agreements.save(new)
            record_action(uow.audit, self.clock, actor, "exchange.agreement.scan",
                          AGREEMENT_TARGET, str(current.id),
                          before=None if current.scan is None else {"sha256": current.scan.sha256},
                          after={"sha256": saved.sha256, "size": saved.size,
                                 "name": saved.original_name})
            uow.commit()
        return new


@attrs.define
class OpenAgreementScan:
    queries: "AgreementQueries"
    storage: StorageSelector

    def __call__(self, actor: Actor, agreement_id: int) -> tuple[ScanInfo, BinaryIO]:
        view = self.queries.agreement(actor, agreement_id)
        scan = view.stored.scan
        if scan is None:
            raise NotFound(NO_SCAN)
        return scan, self.storage.backend(scan.backend).open(scan.key)


@attrs.define
class PrintAgreement:
    queries: "AgreementQueries"
    documents: AgreementDocuments
    clock: Clock

    def __call__(self, actor: Actor, agreement_id: int, out: BinaryIO) -> int:
        view = self.queries.agreement(actor, agreement_id)
        if not view.printable:
            raise ValidationError(NOT_PRINTABLE, code="not_printable")
        doc = AgreementDocument(view.stored, view.status, fingerprint_of(view.stored),
                                as_utc(self.clock.now()).astimezone(local_tz()))
        return self.documents.render_agreement(doc, out)


@attrs.define
class ExportLoop:
    """The loop's Excel workbook: the figures per state and institution and every agreement
    the caller may see."""

    queries: "AgreementQueries"
    documents: AgreementDocuments

    def __call__(self, actor: Actor, path: Path) -> int:
        loop = self.queries.loop(actor)
        return self.documents.write_loop(loop, self.queries.iter_all(actor), Path(path))


@attrs.define
class ManageReasons:
    """The reason catalog (admin): add or change a reason, switch it on or off."""

    uow_factory: AgreementUnitOfWorkFactory
    clock: Clock

    def __call__(self, actor: Actor, code: str, text: str | None = None,
                 active: bool | None = None) -> Reason:
        if actor.scope.role is not Role.ADMIN:
            raise PermissionDenied("El catálogo de motivos lo mantiene la administración.")
        code = clean_text(code).upper()
        if not code or len(code) > 32 or not code.replace("_", "").isalnum():
            raise ValidationError("Clave de motivo no válida (letras, números y _; hasta 32).",
                                  code="invalid_reason")
        with self.uow_factory() as uow:
            current = {r.code: r for r in uow.agreements.reasons()}.get(code)
            new_text = clean_text(text) if text is not None else (current.text if current
                                                                  else "")
            if not new_text:
                raise ValidationError("Escriba el texto del motivo.", code="invalid_reason")
            reason = Reason(code, new_text[:300],
                            active if active is not None else (current.active if current
                                                               else True))
            uow.agreements.put_reason(reason)
            record_action(uow.audit, self.clock, actor, "exchange.agreement_reason.put",
                          REASON_TARGET, code,
                          before=None if current is None else attrs.asdict(current),
                          after=attrs.asdict(reason))
            uow.commit()
        return reason


@attrs.define
class SeedAgreementReasons:
    """Write the default reasons that are missing (tests, the demo; the migration too)."""

    uow_factory: AgreementUnitOfWorkFactory

    def __call__(self) -> int:
        with self.uow_factory() as uow:
            known = {r.code for r in uow.agreements.reasons()}
            added = 0
            for code, text in DEFAULT_REASONS:
                if code not in known:
                    uow.agreements.put_reason(Reason(code, text))
                    added += 1
            uow.commit()
        return added


# --------------------------------------------------------------------------- queries


@attrs.define
class AgreementQueries:
    read_model: AgreementReadModel
    analyses: ExchangeReadModel
    source: ExchangeSource
    clock: Clock

    def list(self, actor: Actor, flt: AgreementFilter, page: PageRequest
             ) -> Page[AgreementView]:
        viewer = _viewer(actor)
        found = paginate(page, lambda offset, size: self.read_model.list(viewer, flt, offset,
                                                                         size))
        return Page([self._view(actor, s) for s in found.items], found.total, found.request)

    def iter_all(self, actor: Actor, flt: AgreementFilter = AgreementFilter()
                 ) -> Iterator[AgreementView]:
        """Every agreement in scope, a page at a time (the workbook streams them)."""
        viewer = _viewer(actor)
        offset, size = 0, 200
        while True:
            rows, _ = self.read_model.list(viewer, flt, offset, size)
            yield from (self._view(actor, s) for s in rows)
            if len(rows) < size:
                return
            offset += size

    def agreement(self, actor: Actor, agreement_id: int) -> AgreementView:
        viewer = _viewer(actor)
        stored = self.read_model.get(int(agreement_id)) if known_id(agreement_id) else None
        if stored is None or not visible_to(stored, viewer):
            raise NotFound(AGREEMENT_NOT_FOUND)
        return self._view(actor, stored)

    def _view(self, actor: Actor, stored: StoredAgreement) -> AgreementView:
        today = _today(self.clock)
        a, _ = stored.agreement.advance(today)
        try:
            who: Acting | None = acting_of(actor)
        except PermissionDenied:
            who = None
        sides = a.sides_of(who) if who is not None else frozenset()
        providing = AgreementSide.PROVIDING in sides
        status = a.status
        months = ()
        if status in SCAN_STATUSES:
            months = tuple(MonthLine(str(m), a.terms.patients, a.served_in(m),
                                     next((d.reason for d in a.deliveries if d.month == m), ""))
                           for m in a.months() if m <= Month.of(today)
                           or a.served_in(m) is not None)
        return AgreementView(
            attrs.evolve(stored, agreement=a), status, sides,
            may_accept=providing and status is AgreementStatus.PROPOSED,
            may_cancel=bool(sides) and status in (AgreementStatus.ACCEPTED,
                                                  AgreementStatus.ACTIVE),
            may_deliver=providing and status is AgreementStatus.ACTIVE,
            may_upload=bool(sides) and status in SCAN_STATUSES, months=months)

    def reasons(self, active_only: bool = True) -> list[Reason]:
        return [r for r in self.read_model.reasons() if r.active or not active_only]

    def reason_options(self) -> list[Option]:
        return [Option(r.code, r.text) for r in self.reasons()]

    def default_dates(self) -> tuple[date, date]:
        """A new proposal's dates until told otherwise: twelve months from the current
        month's first day."""
        first = Month.of(_today(self.clock))
        after = first.plus(12)
        return date(first.year, first.month, 1), date(after.year, after.month, 1) - \
            timedelta(days=1)

    def may_propose(self, actor: Actor) -> bool:
        try:
            acting_of(actor)
        except PermissionDenied:
            return False
        return True

    # ----------------------------------------------------------------- the loop

    def latest_analysis(self, actor: Actor) -> Any:
        """The newest visible analysis of the whole country (no state nor group filter),
        else the newest visible one; None without analyses."""
        viewer = _viewer(actor)
        rows, _ = self.analyses.list(viewer, actor.username, 0, 50)
        whole = [r for r in rows if r.header.state is None and r.header.service_group is None]
        return (whole or list(rows) or [None])[0]

    def loop(self, actor: Actor) -> LoopView:
        """Faltante patients, the potential of the latest analysis (optimum), patients under
        agreements and served in the last 12 months, per state, institution and the total,
        on the requesting side inside the viewer."""
        viewer = _viewer(actor)
        stored = self.latest_analysis(actor)
        states: dict[str, LoopFigures] = {code: LoopFigures() for code in STATES}
        insts: dict[str, LoopFigures] = {}
        label = "Sin análisis guardado"
        if stored is not None:
            label = f"Análisis {stored.id} (periodo {stored.header.year})"
            snap = self.analyses.snapshot(stored)
            for c in snap.potentials(viewer, ViewFilter(), PotentialLevel.STATE):
                if c.state in states:
                    states[c.state] += LoopFigures(c.patients_needed, c.optimal_covered)
            for c in snap.potentials(viewer, ViewFilter(), PotentialLevel.INSTITUTION):
                key = c.institution or ""
                insts[key] = insts.get(key, LoopFigures()) + LoopFigures(
                    c.patients_needed, c.optimal_covered)
        today = _today(self.clock)
        months = last_months(today)
        for state, inst, agreed, served in self.read_model.agreed_by(viewer, months[0], today):
            figs = LoopFigures(0, 0, agreed, served)
            if state in states:
                states[state] += figs
            insts[inst] = insts.get(inst, LoopFigures()) + figs
        names = {o.value: o.label for o in self.source.institutions()}
        order = {code: i for i, code in enumerate(names)}
        total = LoopFigures()
        for f in states.values():
            total += f
        unplaced = sum((f for k, f in insts.items()), LoopFigures())
        # Agreements of units with no state still count in the total (through institutions).
        total = LoopFigures(total.needed, total.potential, unplaced.agreed, unplaced.served_12m)
        return LoopView(
            stored.id if stored is not None else None, label, total,
            tuple(LoopRow(code, STATES[code], f) for code, f in sorted(states.items())),
            tuple(LoopRow(k, names.get(k, k), f) for k, f in sorted(
                insts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))),
            tuple(str(m) for m in months))

