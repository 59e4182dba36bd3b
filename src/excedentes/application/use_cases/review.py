"""Review by levels: the coordinador accepts or returns a signed report; an admin reverts an
acceptance; the admin keeps the catalog of return reasons.

Every transition is one transaction, audited against the entity's report
(``excedentes.review_accept`` / ``review_return`` / ``review_revert``), so it appears in the
entity's history. Outside the caller's institution the answer is ``NotFound``; a capturista
gets ``PermissionDenied``; a forbidden state answers with the domain's reason (accepted by
whom and when, nothing signed to review yet…).
"""

from __future__ import annotations

from typing import Sequence

import attrs

from excedentes.application.access import Actor, EntityRef, require_manage
from excedentes.application.ports import ExcedentesUnitOfWork
from excedentes.application.use_cases._common import (
    REPORT_TARGET,
    Loaded,
    UseCase,
    audit,
    claim_report_version,
    load_report,
)
from excedentes.application.use_cases.institutions import require_admin
from excedentes.domain.review import ReturnReason
from excedentes.domain.rules import ReturnRequiresActiveReason
from shared.kernel.rules import check_rule
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from shared.kernel.scope import Role

REVERT_DENIED = "Solo la administración del sistema puede revertir una aceptación."
REASON_TARGET = "return_reason"
ACCEPT, RETURN, REVERT = "accept", "return", "revert"


@attrs.frozen
class ReviewCommand:
    entity: EntityRef
    year: int
    action: str  # accept | return | revert
    reason_code: str | None = None  # return: a code of the catalog
    note: str | None = None  # return: free text; revert: the (required) reason
    expected_version: int | None = None  # the report version of the review page


@attrs.frozen
class ReviewResult:
    action: str
    entity_code: str
    entity_title: str
    status_label: str
    message: str


def _review_one(uow: ExcedentesUnitOfWork, actor: Actor, loaded: Loaded, cmd: ReviewCommand,
                clock) -> ReviewResult:  # type: ignore[no-untyped-def]
    report = loaded.report
    title = loaded.institution.entity_title(loaded.entity.name)
    if cmd.action == ACCEPT:
        event = report.accept(clock, actor.username)
        uow.reports.update(report)
        audit(uow, clock, actor, "review_accept", REPORT_TARGET, loaded.target_id,
              before={"status": "Firmado"},
              after={"status": "Aceptado", "folio": event.folio,
                     "signed_version": event.signed_version})
        message = f"Se aceptó el reporte de la {title}."
    elif cmd.action == RETURN:
        reason = uow.return_reasons.get(cmd.reason_code) if cmd.reason_code else None
        if reason is None:  # say which code is unknown (the aggregate only sees "none")
            check_rule(ReturnRequiresActiveReason(cmd.reason_code, False, False))
        event = report.return_for_correction(reason, cmd.note, clock, actor.username)
        uow.reports.update(report)
        uow.reports.save_signed_reports(report)
        audit(uow, clock, actor, "review_return", REPORT_TARGET, loaded.target_id,
              before={"status": "Firmado", "folio": event.folio},
              after={"status": "Devuelto", "reason_code": event.returned.reason_code,
                     "returned_signed_version": event.signed_version},
              reason=f"{event.returned.reason_code} — {event.returned.reason_text}"
                     + (f". {event.returned.note}" if event.returned.note else ""))
        message = (f"Se devolvió para corrección el reporte de la {title} "
                   f"({event.returned.reason_code}).")
    elif cmd.action == REVERT:
        if actor.scope.role is not Role.ADMIN:
            raise PermissionDenied(REVERT_DENIED)
        event = report.revert_acceptance(cmd.note or "", clock, actor.username)
        uow.reports.update(report)
        audit(uow, clock, actor, "review_revert", REPORT_TARGET, loaded.target_id,
              before={"status": "Aceptado", "accepted_by": event.accepted_by,
                      "accepted_at": event.accepted_at},
              after={"status": "Firmado"}, reason=event.reason)
        message = f"Se revirtió la aceptación del reporte de la {title}."
    else:
        raise ValidationError("Acción de revisión no válida: use accept, return o revert.")
    return ReviewResult(cmd.action, loaded.entity.code, title, report.state().status.label,
                        message)


@attrs.define
class ReviewEntity(UseCase):
    """Aceptar / Devolver para corrección (coordinador or admin) / revert (admin)."""

    def __call__(self, actor: Actor, cmd: ReviewCommand) -> ReviewResult:
        with self.uow_factory() as uow:
            loaded = load_report(uow, actor, cmd.entity, cmd.year, for_update=True)
            require_manage(actor.scope, loaded.institution.code)
            if cmd.action == REVERT and actor.scope.role is not Role.ADMIN:
                raise PermissionDenied(REVERT_DENIED)
            claim_report_version(uow, loaded, cmd.expected_version, actor, self.clock)
            result = _review_one(uow, actor, loaded, cmd, self.clock)
            uow.commit()
            return result


@attrs.frozen
class BulkAcceptCommand:
    institution_code: str
    year: int
    entity_codes: tuple[str, ...]


@attrs.define
class BulkAccept(UseCase):
    """Accept several entities at once, all or nothing: if any of them cannot be accepted
    now, nothing is and the refusal names each one with its reason."""

    def __call__(self, actor: Actor, cmd: BulkAcceptCommand) -> list[ReviewResult]:
        codes = tuple(dict.fromkeys(c.strip() for c in cmd.entity_codes if c.strip()))
        if not codes:
            raise ValidationError("Seleccione al menos una entidad para aceptar.")
        with self.uow_factory() as uow:
            results, problems = [], []
            for code in codes:
                loaded = load_report(uow, actor, EntityRef(cmd.institution_code, code),
                                     cmd.year, for_update=True)
                require_manage(actor.scope, loaded.institution.code)
                try:
                    claim_report_version(uow, loaded, None, actor, self.clock)
                    results.append(_review_one(
                        uow, actor, loaded, ReviewCommand(loaded.ref, cmd.year, ACCEPT),
                        self.clock))
                except (Conflict, ValidationError) as refused:
                    problems.append(f"{loaded.entity.code}: {refused.message}")
            if problems:
                raise Conflict("No se aceptó ninguna entidad. " + " ".join(problems))
            uow.commit()
            return results


# --------------------------------------------------------------------------- return reasons


@attrs.frozen
class ReasonCommand:
    code: str
    text: str = ""


@attrs.define
class AddReturnReason(UseCase):
    """Admin: a new coded reason (``Conflict`` if the code exists). Audited."""

    def __call__(self, actor: Actor, cmd: ReasonCommand) -> ReturnReason:
        require_admin(actor.scope)
        reason = ReturnReason(cmd.code, cmd.text)
        with self.uow_factory() as uow:
            if uow.return_reasons.get(reason.code) is not None:
                raise Conflict(f"El motivo {reason.code} ya existe.")
            uow.return_reasons.add(reason)
            audit(uow, self.clock, actor, "return_reason_added", REASON_TARGET, reason.code,
                  after={"text": reason.text, "active": True})
            uow.commit()
            return reason


@attrs.define
class SetReturnReasonActive(UseCase):
    """Admin: disable (or enable again) a reason; returns already made keep their text."""

    def __call__(self, actor: Actor, code: str, active: bool) -> ReturnReason:
        require_admin(actor.scope)
        with self.uow_factory() as uow:
            reason = uow.return_reasons.get(code or "")
            if reason is None:
                raise NotFound(f"El motivo de devolución {(code or '').strip().upper()} no "
                               "existe.")
            after = attrs.evolve(reason, active=active)
            if after != reason:
                uow.return_reasons.update(after)
                audit(uow, self.clock, actor,
                      "return_reason_enabled" if active else "return_reason_disabled",
                      REASON_TARGET, reason.code, before={"active": reason.active},
                      after={"active": active})
                uow.commit()
            return after


def reason_choices(reasons: Sequence[ReturnReason]) -> list[ReturnReason]:
    """What a coordinador may pick: the active reasons."""
    return [r for r in reasons if r.active]

