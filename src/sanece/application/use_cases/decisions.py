"""The decisions beyond Validado / No Validado, and the catalog of their coded reasons.

- ``PendRequest`` (revisor): Requiere información, a coded reason and what is missing; the
  request leaves the queue.
- ``AnswerRequest`` (the filing unit's director): a note and new attachments (checked and
  stored like a filing's, in the same two steps); the request is En espera again with its
  original filing date.
- ``CancelRequest`` (the filing unit's director): Cancelada por la unidad, an open request.
- ``ExpireRequests``: every Requiere información unanswered for ``days`` becomes Vencida sin
  respuesta (reason ``SIN-RESPUESTA``). It runs lazily when the review queue, the director's
  Inicio or a request's page is read, and on demand (``sanece-admin sanece requests expire``).
- ``BulkApprove`` (revisor): Validado for several requests of the simple kinds (a Baja de
  folio), each in its own transaction: one refused does not undo the others.
- ``ListReasons`` / ``AddReason`` / ``DisableReason``: the catalog (admin keeps it).

Every transition is audited as ``sanece.request_<decision>`` with the request id as target
(``request_pended``, ``request_answered``, ``request_cancelled``, ``request_expired``; the
approvals and rejections in ``review``); the notifications are built from these entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence, cast

import attrs

from sanece.application.access import (
    REQUEST_NOT_FOUND,
    Actor,
    require_admin,
    require_director,
    require_reviewer,
)
from sanece.application.ports import SaneceUnitOfWork, UploadedFile
from sanece.application.use_cases._common import REQUEST_TARGET, UseCase, audit, load_request
from sanece.application.use_cases.attachments import (
    attachments_key,
    check_uploads,
    delete_stored,
    store_uploads,
)
from sanece.application.use_cases.review import (
    ApproveCommand,
    ApproveRequest,
    active_reason_codes,
)
from sanece.domain.decisions import (
    EXPIRY_REASON,
    SYSTEM_USER,
    DecisionReason,
    parse_reason_code,
    reason_catalog,
)
from sanece.domain.requests import ChangeRequest, answer, cancel, expire, pend
from sanece.domain.values import ExpiryChangeKind, RequestStatus
from shared.kernel.errors import Conflict, DomainError, NotFound, ValidationError
from shared.kernel.scope import Scope, Role
from shared.storage.domain import FileStorage

NOT_SIMPLE = ("La validación en lote solo aplica a solicitudes sencillas En espera (baja de "
              "folio); la solicitud {id} se revisa una por una.")
UNKNOWN_REASON = "No existe el motivo «{code}» en el catálogo."
REASON_EXISTS = "Ya existe el motivo «{code}» en el catálogo."


@attrs.frozen
class PendCommand:
    request_id: int
    reason_code: str
    missing: str


@attrs.define
class PendRequest(UseCase):
    """Requiere información (revisor or admin)."""

    def __call__(self, actor: Actor, cmd: PendCommand) -> ChangeRequest:
        require_reviewer(actor.scope)
        with self.uow_factory() as uow:
            request = load_request(uow, actor, cmd.request_id, for_update=True)
            pend(request, reason_code=cmd.reason_code, active_codes=active_reason_codes(uow),
                 missing=cmd.missing, now=self.clock.now(), reviewer=actor.username)
            uow.requests.update(request, RequestStatus.PENDING)
            audit(uow, self.clock, actor, "request_pended", REQUEST_TARGET, str(request.id),
                  before={"status": RequestStatus.PENDING.value},
                  after={"status": request.status.value, "type": request.type.value,
                         "reason_code": request.reason_code, "missing": request.reason,
                         "unit_id": request.unit_id, "filed_by": request.filed_by},
                  reason=request.reason)
            uow.commit()
            return request


@attrs.frozen
class AnswerCommand:
    request_id: int
    note: str
    uploads: Sequence[UploadedFile] = ()


@attrs.define
class AnswerRequest(UseCase):
    """The director answers a Requiere información: every rule is checked with provisional
    attachments before a byte is stored, then the files are stored and the answer recorded
    (the stored files are deleted again if that fails)."""

    storage: FileStorage
    max_bytes: int

    def __call__(self, actor: Actor, cmd: AnswerCommand) -> ChangeRequest:
        unit_id = require_director(actor.scope)
        provisional = check_uploads(cmd.uploads, self.max_bytes)
        with self.uow_factory() as uow:  # every rule first (rolled back)
            answer(load_request(uow, actor, cmd.request_id), note=cmd.note,
                   attachments=provisional, now=self.clock.now(), director=actor.username)
        stored = store_uploads(self.storage, attachments_key(unit_id, self.clock.now()),
                               cmd.uploads, provisional, self.max_bytes)
        try:
            with self.uow_factory() as uow:
                request = load_request(uow, actor, cmd.request_id, for_update=True)
                answer(request, note=cmd.note, attachments=stored, now=self.clock.now(),
                       director=actor.username)
                uow.requests.update(request, RequestStatus.INFO_REQUESTED)
                audit(uow, self.clock, actor, "request_answered", REQUEST_TARGET,
                      str(request.id), before={"status": RequestStatus.INFO_REQUESTED.value},
                      after={"status": request.status.value, "type": request.type.value,
                             "note": request.info_rounds[-1].note, "unit_id": request.unit_id,
                             "attachments": [a.original_name for a in stored]})
                uow.commit()
        except BaseException:
            delete_stored(self.storage, stored)
            raise
        return request


@attrs.frozen
class CancelCommand:
    request_id: int
    reason_code: str = "YA-NO-APLICA"
    note: str | None = None


@attrs.define
class CancelRequest(UseCase):
    """Cancelada por la unidad: the filing unit's director (or an admin) withdraws an open
    request."""

    def __call__(self, actor: Actor, cmd: CancelCommand) -> ChangeRequest:
        if actor.scope.role is not Role.ADMIN:
            require_director(actor.scope)
        with self.uow_factory() as uow:
            request = load_request(uow, actor, cmd.request_id, for_update=True)
            previous = request.status
            cancel(request, reason_code=cmd.reason_code, active_codes=active_reason_codes(uow),
                   note=cmd.note, now=self.clock.now(), director=actor.username)
            uow.requests.update(request, previous)
            audit(uow, self.clock, actor, "request_cancelled", REQUEST_TARGET, str(request.id),
                  before={"status": previous.value},
                  after={"status": request.status.value, "type": request.type.value,
                         "reason_code": request.reason_code, "unit_id": request.unit_id},
                  reason=request.reason)
            uow.commit()
            return request


@attrs.define
class ExpireRequests(UseCase):
    """Vencida sin respuesta for every Requiere información unanswered for ``days`` (the
    system acts: the audit names ``sistema``). Returns the ids that expired."""

    days: int

    def __call__(self) -> list[int]:
        now = self.clock.now()
        # Pages run this on every read: look first in a read-only unit, so that a view with
        # nothing due takes no write lock and commits nothing (no data version bumped, the
        # processes' read caches stay valid); the write below checks again under its lock.
        # Only the earliest deadline matters there, and the repository may serve it again
        # until something is written: a view before it runs no query at all.
        reading = cast(Callable[..., SaneceUnitOfWork], self.uow_factory)
        with reading(read_only=True) as uow:
            deadline = uow.requests.next_information_expiry(self.days)
        if deadline is None or now < deadline:
            return []
        system = Actor(SYSTEM_USER, Scope(Role.ADMIN))  # only when something is due
        expired: list[int] = []
        with self.uow_factory() as uow:
            texts = {r.code: r.text for r in reason_catalog(uow.reasons.stored())}
            for request in uow.requests.awaiting_information():
                if not self._due(request, now):
                    continue
                expire(request, reason_code=EXPIRY_REASON, text=texts[EXPIRY_REASON],
                       days=self.days, now=now)
                uow.requests.update(request, RequestStatus.INFO_REQUESTED)
                audit(uow, self.clock, system, "request_expired", REQUEST_TARGET,
                      str(request.id), before={"status": RequestStatus.INFO_REQUESTED.value},
                      after={"status": request.status.value, "type": request.type.value,
                             "reason_code": EXPIRY_REASON, "unit_id": request.unit_id,
                             "filed_by": request.filed_by, "days": self.days},
                      reason=request.reason)
                assert request.id is not None
                expired.append(request.id)
            if expired:  # another process may have expired them first: then nothing changed
                uow.commit()
        return expired

    def _due(self, request: ChangeRequest, now: datetime) -> bool:
        deadline = request.expires_at(self.days)
        return deadline is not None and now >= deadline


@attrs.frozen
class BulkResult:
    approved: tuple[int, ...]
    refused: tuple[tuple[int, str], ...]  # (request id, why)


def is_simple(request: ChangeRequest) -> bool:
    """A kind whose Validado needs no reviewer input nor judgement of data: a Baja de folio."""
    return request.is_pending and request.kind is ExpiryChangeKind.CANCELLATION


@attrs.define
class BulkApprove(UseCase):
    """Validado for each of ``request_ids`` (simple kinds only), each in its own
    transaction and audited like a single approval."""

    def __call__(self, actor: Actor, request_ids: Sequence[int]) -> BulkResult:
        require_reviewer(actor.scope)
        approved: list[int] = []
        refused: list[tuple[int, str]] = []
        single = ApproveRequest(self.uow_factory, self.clock)
        for request_id in dict.fromkeys(request_ids):
            try:
                with self.uow_factory() as uow:
                    request = load_request(uow, actor, request_id)
                if not is_simple(request):
                    raise ValidationError(NOT_SIMPLE.format(id=request_id))
                single(actor, ApproveCommand(request_id))
                approved.append(request_id)
            except NotFound:
                refused.append((request_id, REQUEST_NOT_FOUND))
            except DomainError as exc:
                refused.append((request_id, exc.message))
        return BulkResult(tuple(approved), tuple(refused))


@attrs.define
class ListReasons(UseCase):
    """The catalog (any SAnECE user reads it: the forms list the active codes)."""

    def __call__(self, actor: Actor, *, active_only: bool = False) -> list[DecisionReason]:
        with self.uow_factory() as uow:
            reasons = reason_catalog(uow.reasons.stored())
        return [r for r in reasons if r.active or not active_only]


@attrs.define
class AddReason(UseCase):
    def __call__(self, actor: Actor, code: str, text: str) -> DecisionReason:
        require_admin(actor.scope)
        reason = DecisionReason(code=code, text=text)
        with self.uow_factory() as uow:
            if any(r.code == reason.code for r in reason_catalog(uow.reasons.stored())):
                raise Conflict(REASON_EXISTS.format(code=reason.code))
            uow.reasons.save(reason)
            audit(uow, self.clock, actor, "reason_added", "sanece_reason", reason.code,
                  after={"code": reason.code, "text": reason.text})
            uow.commit()
        return reason


@attrs.define
class DisableReason(UseCase):
    """A disabled code can no longer be chosen; the decisions that used it keep it."""

    def __call__(self, actor: Actor, code: str) -> DecisionReason:
        require_admin(actor.scope)
        code = parse_reason_code(code)
        with self.uow_factory() as uow:
            found = [r for r in reason_catalog(uow.reasons.stored()) if r.code == code]
            if not found:
                raise NotFound(UNKNOWN_REASON.format(code=code))
            if code == EXPIRY_REASON:
                raise Conflict("El motivo SIN-RESPUESTA lo usa el vencimiento automático; no "
                               "se puede desactivar.")
            reason = attrs.evolve(found[0], active=False)
            uow.reasons.save(reason)
            audit(uow, self.clock, actor, "reason_disabled", "sanece_reason", code,
                  before={"active": True}, after={"active": False})
            uow.commit()
        return reason
