"""S14: the evaluador registers the result of a Pendiente folio.

Validada: periodo in months (the fecha de vencimiento is the evaluation date plus the months,
and the folio must be vigente today: an old Pendiente folio needs a period that reaches today),
clave 1 (and optionally clave 2) of the folio's genérico with quantities >= 1, and the
requerimiento; No Validada: the observaciones. Audited as ``sanece.folio_evaluated``.

``expected_version`` is the folio's version the evaluador's page was drawn from: when two
evaluadores open the same Pendiente folio, the second save changes nothing and is told who
evaluated it and when (``StaleVersion``, with the current values).
"""

from __future__ import annotations

import attrs

from sanece.application.access import Actor, require_evaluator
from sanece.application.concurrency import check_version
from sanece.application.inputs import parse_months
from sanece.application.use_cases._common import (
    FOLIO_TARGET,
    UseCase,
    audit,
    folio_values,
    load_folio,
)
from sanece.application.use_cases.requests import requested_drug
from sanece.application.results import EvaluationResult
from sanece.domain.values import EvaluationStatus, format_date
from shared.kernel.errors import ValidationError

STATUS_REQUIRED = "Elige el resultado de la evaluación: Validada o No Validada."


@attrs.frozen
class EvaluationCommand:
    folio_number: str
    status: EvaluationStatus | str  # validated | not_validated
    period_months: int | str | None = None
    key1: str | None = None
    quantity1: int | str | None = None
    key2: str | None = None
    quantity2: int | str | None = None
    requirement: str = ""
    observations: str | None = None
    expected_version: int | None = None  # None: not checked (the CLI acts on what it reads)


KEY1_REQUIRED = "Selecciona la clave 1."
REQUIREMENT_REQUIRED = "El requerimiento es obligatorio."


def validated_form_problems(cmd: EvaluationCommand) -> list[str]:
    """What is missing or malformed in a Validada form, each field checked on its own (the
    rules that need the folio, such as its genérico's claves, run afterwards)."""
    problems: list[str] = []
    try:
        parse_months(cmd.period_months)
    except ValidationError as refused:
        problems.append(refused.message)
    if not (cmd.key1 or "").strip():
        problems.append(KEY1_REQUIRED)
    for key, quantity in ((cmd.key1, cmd.quantity1), (cmd.key2, cmd.quantity2)):
        try:
            requested_drug(key, quantity)
        except ValidationError as refused:
            problems.append(refused.message)
    if not (cmd.requirement or "").strip():
        problems.append(REQUIREMENT_REQUIRED)
    return problems


@attrs.define
class RegisterEvaluation(UseCase):
    """Evaluador or admin; only from Pendiente (``Conflict`` otherwise)."""

    def __call__(self, actor: Actor, cmd: EvaluationCommand) -> EvaluationResult:
        require_evaluator(actor.scope)
        try:
            status = EvaluationStatus(cmd.status)
        except ValueError:
            raise ValidationError(STATUS_REQUIRED, log_message="bad status") from None
        if status not in (EvaluationStatus.VALIDATED, EvaluationStatus.NOT_VALIDATED):
            raise ValidationError(STATUS_REQUIRED, log_message=f"status {status.value}")
        if status is EvaluationStatus.VALIDATED:
            missing = validated_form_problems(cmd)
            if missing:  # every problem of the form at once, not the first one only
                raise ValidationError(" ".join(missing), log_message="validated form incomplete",
                                      details=missing)
        with self.uow_factory() as uow:
            folio = load_folio(uow, actor, cmd.folio_number, for_update=True)
            check_version(f"El folio {folio.number}", folio, cmd.expected_version,
                          folio_values(folio))
            before = {"status": folio.status.value}
            if status is EvaluationStatus.VALIDATED:
                key1 = requested_drug(cmd.key1, cmd.quantity1)
                if key1 is None:
                    raise ValidationError(KEY1_REQUIRED, log_message="no key 1")
                medicine = uow.medicines.get(folio.medicine_id)
                assert medicine is not None  # a folio always references its genérico (FK)
                folio.register_validated(
                    medicine=medicine, period_months=parse_months(cmd.period_months), key1=key1,
                    key2=requested_drug(cmd.key2, cmd.quantity2), requirement=cmd.requirement,
                    observations=cmd.observations, today=self.clock.today())
            else:
                folio.register_not_validated(observations=cmd.observations or "")
            folio.record_change(actor.username, self.clock.now())
            uow.folios.update(folio, expected_version=cmd.expected_version)
            audit(uow, self.clock, actor, "folio_evaluated", FOLIO_TARGET, folio.number,
                  before=before,
                  after={"status": folio.status.value, "period_months": folio.period_months,
                         "expiry_date": format_date(folio.expiry_date) or None,
                         **folio.requirement_data(), "observations": folio.observations})
            uow.commit()
            return EvaluationResult(folio.number, folio.status, folio.expiry_date)
