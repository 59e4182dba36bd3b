"""The documents of the sanece context: the response PDF of a folio (S4) and the Excel
extraction of a unit's folios (S13).

Both are built from current data at the moment they are asked for, so a validated change
shows at once. The renderers (``documents.py`` ports) receive plain data and a binary stream.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import BinaryIO
from zoneinfo import ZoneInfo

import attrs

from sanece.application.access import (
    MEDICINE_NOT_FOUND,
    UNIT_NOT_FOUND,
    Actor,
    director_unit,
    require_sanece,
    require_visible,
    sees_unit,
)
from sanece.application.documents import (
    DrugLine,
    FolioResponseDocument,
)
from sanece.application.inputs import known_id
from sanece.application.ports import (
    ExtractionWriter,
    FolioPdfRenderer,
    SaneceReadModel,
)
from sanece.application.use_cases._common import UseCase, audit, load_folio
from sanece.application.queries import SaneceQueries, response_version
from sanece.application.results import ExtractionResult, FolioVersion, PrintedResponse
from sanece.domain.extraction import (
    ExtractionCriteria,
    ExtractionMode,
    ExtractionWindow,
    broken_window_rules,
)
from sanece.domain.values import EvaluationStatus, Validity
from shared.kernel.errors import ValidationError

HEADER_LINES = (
    "INSTITUTO MEXICANO DEL SEGURO SOCIAL",
    "SEGURIDAD Y SOLIDARIDAD SOCIAL",
    "Sistema de Análisis y Evaluación de Casos Específicos (SAnECE)",
)
UNIT_REQUIRED = "Elige la unidad médica de la extracción."
STATUS_UNKNOWN = "Elige un estatus de evaluación de la lista (o TODOS)."
MODE_UNKNOWN = "Elige el filtro de extracción: POR FOLIO o POR PACIENTE."


def local_now(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz)) if at.tzinfo else at.replace(
        tzinfo=timezone.utc).astimezone(ZoneInfo(tz))


@attrs.define
class PrintFolioResponse(UseCase):
    """Write the formato de respuesta of a folio the caller may see to ``out``."""

    renderer: FolioPdfRenderer
    timezone: str = "America/Mexico_City"
    # the folio's history gives the response its version (None: no version line)
    queries: SaneceQueries | None = None

    def __call__(self, actor: Actor, number: str, out: BinaryIO) -> PrintedResponse:
        document = self.document(actor, number)
        pages = self.renderer.render(document, out)
        return PrintedResponse(document.folio, pages, f"respuesta-sanece-{document.folio}.pdf")

    def document(self, actor: Actor, number: str) -> FolioResponseDocument:
        """The document data alone (what the renderer receives), read in one transaction."""
        version_line = self._version_line(actor, number)
        with self.uow_factory() as uow:
            folio = load_folio(uow, actor, number)
            patient = uow.patients.get(folio.patient_id)
            medicine = uow.medicines.get(folio.medicine_id)
            unit = uow.units.get(folio.unit_id)
            ooad = uow.ooads.get(unit.ooad_id) if unit else None
            assert patient is not None and medicine is not None and unit is not None
            descriptions = {k.code: k.description for k in medicine.keys}
            validity = folio.validity(self.clock.today())
            return FolioResponseDocument(
                header_lines=HEADER_LINES,
                printed_at=local_now(self.clock.now(), self.timezone),
                folio=folio.number, generic=medicine.name, status=folio.status.label,
                validity="" if validity is Validity.NOT_APPLICABLE else validity.label,
                evaluation_date=folio.evaluation_date, period_months=folio.period_months,
                expiry_date=folio.expiry_date, cancellation_date=folio.cancellation_date,
                patient_name=f"{patient.paternal_surname} {patient.maternal_surname} "
                             f"{patient.given_names}",
                nss=patient.nss, aggregate=patient.aggregate, diagnosis=folio.diagnosis,
                ooad=ooad.name if ooad else "", unit=unit.name,
                drugs=tuple(DrugLine(k.key, descriptions.get(k.key, ""), k.quantity)
                            for k in (folio.key1, folio.key2) if k is not None),
                requirement=folio.requirement, observations=folio.observations,
                extended=folio.extended, version_line=version_line)

    def _version_line(self, actor: Actor, number: str) -> str:
        if self.queries is None:
            return ""
        history = self.queries.folio_history(actor.scope, number)
        version = response_version(history,
                                   lambda at: local_now(at, self.timezone).date())
        return version_text(version) if version is not None else ""


def version_text(v: FolioVersion) -> str:
    """"Versión 3, 06/12/2026 (reemplaza a la versión 2 del 01/12/2026)"."""
    text = f"Versión {v.number}, {v.on:%d/%m/%Y}"
    if v.replaces is not None and v.replaces_on is not None:
        text += f" (reemplaza a la versión {v.replaces} del {v.replaces_on:%d/%m/%Y})"
    return text


@attrs.frozen
class ExtractionCommand:
    start: date
    end: date
    unit_id: int | None = None  # a director: their own unit (None); others must choose
    medicine_id: int | None = None  # None: TODOS
    status: EvaluationStatus | str | None = None  # None: TODOS
    mode: ExtractionMode | str = ExtractionMode.BY_FOLIO


@attrs.define
class ExtractFolios(UseCase):
    """Exportar a Excel: the unit's folios evaluated in the window (start <= end <= today,
    start >= today - 3 years, at most one year), POR FOLIO or POR PACIENTE, optionally one
    genérico and one estatus, streamed from SQL into ``out`` in constant memory.

    Every broken window rule is reported at once (``ValidationError`` whose ``details`` lists
    the messages). A director extracts only their unit (another unit answers ``NotFound``);
    central roles choose the unit. Audited as ``sanece.extracted`` (patient data leaves the
    system)."""

    read_model: SaneceReadModel
    writer: ExtractionWriter

    def criteria(self, actor: Actor, cmd: ExtractionCommand) -> ExtractionCriteria:
        require_sanece(actor.scope)
        own = director_unit(actor.scope)
        unit_id = cmd.unit_id if cmd.unit_id is not None else own
        if unit_id is None:
            raise ValidationError(UNIT_REQUIRED, log_message="no unit")
        unit = self.read_model.unit(known_id(unit_id))
        require_visible(unit, unit is not None and sees_unit(actor.scope, unit.id),
                        UNIT_NOT_FOUND)
        broken = broken_window_rules(cmd.start, cmd.end, self.clock.today())
        if broken:
            messages = [r.get_message() for r in broken]
            raise ValidationError(" ".join(messages), log_message="extraction window",
                                  code="extraction_window", details=messages)
        if cmd.medicine_id is not None and self.read_model.medicine(known_id(cmd.medicine_id)) is None:
            raise ValidationError(MEDICINE_NOT_FOUND, log_message="unknown medicine")
        try:
            status = EvaluationStatus(cmd.status) if cmd.status else None
        except ValueError:
            raise ValidationError(STATUS_UNKNOWN, log_message="bad status") from None
        try:
            mode = ExtractionMode(cmd.mode)
        except ValueError:
            raise ValidationError(MODE_UNKNOWN, log_message="bad mode") from None
        return ExtractionCriteria(unit_id=int(unit_id), window=ExtractionWindow(cmd.start, cmd.end),
                                  mode=mode, status=status,
                                  medicine_id=int(cmd.medicine_id) if cmd.medicine_id else None)

    def size(self, actor: Actor, cmd: ExtractionCommand) -> int:
        """The folios the extraction would write (the same checks, nothing written)."""
        return self.read_model.extraction_size(self.criteria(actor, cmd))

    def __call__(self, actor: Actor, cmd: ExtractionCommand, out: BinaryIO) -> ExtractionResult:
        criteria = self.criteria(actor, cmd)
        requests = self.read_model.extraction_requests(criteria)
        if criteria.mode is ExtractionMode.BY_FOLIO:
            rows = self.writer.write_by_folio(
                self.read_model.extraction_folios(criteria, self.clock.today()), out,
                requests)
        else:
            rows = self.writer.write_by_patient(self.read_model.extraction_patients(criteria),
                                                out, requests)
        w = criteria.window
        with self.uow_factory() as uow:
            audit(uow, self.clock, actor, "extracted", "sanece_unit", str(criteria.unit_id),
                  after={"from": w.start.isoformat(), "to": w.end.isoformat(),
                         "mode": criteria.mode.value, "medicine_id": criteria.medicine_id,
                         "status": criteria.status.value if criteria.status else None,
                         "rows": rows})
            uow.commit()
        filename = (f"extraccion-sanece-{criteria.unit_id}-{w.start:%Y%m%d}-{w.end:%Y%m%d}-"
                    f"{'folios' if criteria.mode is ExtractionMode.BY_FOLIO else 'pacientes'}"
                    ".xlsx")
        return ExtractionResult(rows, filename)


__all__ = ["ExtractFolios", "ExtractionCommand", "HEADER_LINES", "PrintFolioResponse"]
