"""Paso 8 and 9: the preliminary and final PDF reports (E11), and the signed copy (E12).

- ``PrintReport`` builds an ``EntityReportDocument`` from the entity's aggregate (the records
  the fingerprint is computed from, so what is printed is exactly what is traced) and renders
  it through the ``ReportRenderer`` port. Each final print is recorded (folio, fingerprint,
  pages, who, when) and audited, so that a signed paper copy can be traced.
- ``UploadSignedReport`` checks the institution's ``SignedReportPolicy``, streams the file into
  the institution's storage under ``excedentes/signed/{institution}/{year}/{entity}`` and
  attaches it as a new version (earlier versions are kept, superseded).
- ``OpenSignedReport`` opens the current or an earlier version for download.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from typing import BinaryIO, Iterable, Mapping

import attrs

from excedentes.application.access import (
    SIGNED_NOT_FOUND,
    Actor,
    EntityRef,
    may_manage,
    require_capture,
)
from excedentes.application.documents import (
    EntityReportDocument,
    ReportLine,
    UnitSection,
)
from excedentes.application.ports import FinalPrint, ProductLabel, ReportRenderer
from excedentes.application.use_cases._common import (
    REPORT_TARGET,
    UseCase,
    audit,
    load_report,
)
from excedentes.application.results import PrintedReport, SignedReportView, signed_view
from excedentes.domain.catalog import MedicalUnit, UnitLevel
from excedentes.domain.dates import as_utc, local_tz
from excedentes.domain.model import Answer
from excedentes.domain.records import Modality, Record, RecordKind
from excedentes.domain.signed import PDF_CONTENT_TYPE, SignedReportFile
from excedentes.domain.rules import PreliminaryRequiresOpenReport
from shared.kernel.errors import Conflict, NotFound
from shared.kernel.rules import check_rule
from shared.kernel.text import fold_text
from shared.storage.domain import StorageSelector, display_name

FINAL_NOT_AVAILABLE = ("La Versión Final se habilita al finalizar el registro (Paso 7); mientras "
                       "tanto consulte el reporte Preliminar (Sin Validez Oficial).")
FINAL_CHANGED = ("El registro de la entidad cambió mientras se generaba la Versión Final; "
                 "vuelva a generarla.")


def signed_logical_key(institution_code: str, year: int, entity_code: str) -> str:
    """Where an entity's signed copies live in the storage (all versions under one key)."""
    return f"excedentes/signed/{institution_code}/{year}/{entity_code}"


# --------------------------------------------------------------------------- documents


def _line(r: Record, label: ProductLabel) -> ReportLine:
    return ReportLine(group=label.group_name, product=label.name,
                      cause=r.cause.label if r.cause else None, modality=r.modality.label,
                      monthly_events=r.monthly_events, monthly_patients=r.monthly_patients)


def build_sections(records: Iterable[Record], units: Mapping[str, MedicalUnit],
                   labels: Mapping[int, ProductLabel]) -> list[UnitSection]:
    """Per unit (ordered as Paso 3: level, then name) its Faltantes and Excedentes tables,
    each ordered by group, product and modality (outpatient first)."""
    by_unit: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_unit[r.clues].append(r)

    def unit_key(clues: str) -> tuple:
        u = units.get(clues)
        if u is None:
            return ((9, ""), "", clues)
        return (UnitLevel.sort_key(u.level), fold_text(u.name), clues)

    def line_key(r: Record) -> tuple:
        lab = labels[r.product_id]
        return (fold_text(lab.group_name), fold_text(lab.name), r.product_id,
                r.modality is Modality.INPATIENT)

    sections = []
    for clues in sorted(by_unit, key=unit_key):
        recs = sorted(by_unit[clues], key=line_key)
        unit = units.get(clues)
        heading = unit.heading if unit else clues
        sections.append(UnitSection(
            heading=heading,
            shortages=tuple(_line(r, labels[r.product_id]) for r in recs
                            if r.kind is RecordKind.SHORTAGE),
            surpluses=tuple(_line(r, labels[r.product_id]) for r in recs
                            if r.kind is RecordKind.SURPLUS)))
    return sections


@attrs.frozen
class PrintReportCommand:
    entity: EntityRef
    year: int
    final: bool  # False: Preliminar (any time); True: Versión Final (after Paso 7)


@attrs.define
class PrintReport(UseCase):
    """Write the entity's preliminary or final PDF report to ``out``.

    Readers of the entity may print (its capturista, the coordinador, an admin). The final
    version is refused (``Conflict``) before Paso 7; each final print is recorded with its
    folio and fingerprint (``excedentes.final_printed``) so that a signed copy can be traced
    to the data it was printed from. Returns pages, a download file name, folio and
    fingerprint.
    """

    renderer: ReportRenderer

    def __call__(self, actor: Actor, cmd: PrintReportCommand, out: BinaryIO) -> PrintedReport:
        document, meta = self.document(actor, cmd)
        pages = self.renderer.render(document, out)
        if cmd.final:
            self._record_print(actor, cmd, meta, pages)
        kind = "final" if cmd.final else "preliminar"
        filename = f"reporte-{kind}-{meta['institution']}-{meta['entity']}-{cmd.year}.pdf"
        return PrintedReport(cmd.final, pages, filename, document.folio, document.fingerprint)

    def document(self, actor: Actor, cmd: PrintReportCommand
                 ) -> tuple[EntityReportDocument, dict]:
        """The document data alone (what the renderer receives), read in one transaction."""
        with self.uow_factory() as uow:
            loaded = load_report(uow, actor, cmd.entity, cmd.year)
            inst, entity, report = loaded.institution, loaded.entity, loaded.report
            if cmd.final and not report.is_finalized:
                raise Conflict(FINAL_NOT_AVAILABLE, code="final_not_available")
            if not cmd.final:
                check_rule(PreliminaryRequiresOpenReport(report.finalized_at,
                                                         report.finalized_by))
            units = uow.units.get_many(report.units_with_records)
            labels = uow.catalog.labels({r.product_id for r in report.records})
            total = uow.units.count(inst.code, entity.code)
            title = inst.entity_title(entity.name)
            if cmd.final:
                fingerprint = report.fingerprint()
                if report.final_fingerprint and fingerprint != report.final_fingerprint:
                    raise Conflict(FINAL_CHANGED, log_message="fingerprint differs from finalize")
            document = EntityReportDocument(
                final=cmd.final,
                header_lines=inst.report_header,
                printed_at=as_utc(self.clock.now()).astimezone(local_tz()),
                year=report.year,
                entity_title=title,
                units_reporting=len(report.units_with_records),
                units_total=total,
                answered_no=report.answer is Answer.NO,
                no_interventions_sentence=inst.no_interventions_sentence(entity.name, report.year),
                not_closed_sentence=f"La {title} aún no cierra el registro de información.",
                sections=build_sections(report.records, units, labels),
                signature_labels=inst.signature_labels,
                signature_name_line=inst.signature_name_line,
                folio=report.folio if cmd.final else None,
                fingerprint=report.final_fingerprint if cmd.final else None,
            )
            meta = {"institution": inst.code, "entity": entity.code,
                    "final_version": report.final_version}
            return document, meta

    def _record_print(self, actor: Actor, cmd: PrintReportCommand, meta: dict,
                      pages: int) -> None:
        with self.uow_factory() as uow:
            loaded = load_report(uow, actor, cmd.entity, cmd.year, for_update=True)
            report = loaded.report
            if not report.is_finalized or report.final_version != meta["final_version"]:
                raise Conflict(FINAL_CHANGED, log_message="reopened while printing")
            printed = FinalPrint(folio=report.folio or "",
                                 fingerprint=report.final_fingerprint or "",
                                 final_version=report.final_version, printed_at=self.clock.now(),
                                 printed_by=actor.username, pages=pages)
            uow.reports.add_final_print(report, printed)
            audit(uow, self.clock, actor, "final_printed", REPORT_TARGET, loaded.target_id,
                  after={"folio": printed.folio, "fingerprint": printed.fingerprint,
                         "pages": pages})
            uow.commit()


# --------------------------------------------------------------------------- signed copies


@attrs.frozen
class UploadSignedCommand:
    entity: EntityRef
    year: int
    stream: BinaryIO  # readable; the HTTP layer already enforced the size limit while reading
    size: int
    original_name: str  # the client's file name: kept as metadata only (sanitized)
    content_type: str  # sniffed from the first bytes ("application/pdf")


@attrs.define
class UploadSignedReport(UseCase):
    """Paso 9 "Subir" and "Consultar/Modificar": store the signed PDF as a new version.

    Only the entity's capturista (or an admin), only after finalize and inside the period's
    window; PDF only (by content) and at most the institution's limit (100 MB; 150 MB for
    SS). The previous current version is kept, superseded. Audited as
    ``excedentes.signed_uploaded``. If anything fails after the file was stored, the stored
    file is deleted again.
    """

    storage: StorageSelector

    def __call__(self, actor: Actor, cmd: UploadSignedCommand) -> SignedReportView:
        name = display_name(cmd.original_name, "reporte-firmado.pdf")
        with self.uow_factory() as uow:  # checks before any byte is stored (read only)
            loaded = load_report(uow, actor, cmd.entity, cmd.year)
            inst, entity = loaded.institution, loaded.entity
            require_capture(actor.scope, inst.code, entity.code)
            loaded.report.ensure_can_upload_signed(
                self.clock, for_manager=may_manage(actor.scope, inst.code))
            policy = inst.signed_report_policy
            policy.check_file(SignedReportFile("", name, cmd.size, "", cmd.content_type))
        storage = self.storage.for_institution(inst.code, inst.storage_backend)
        stored = storage.put(signed_logical_key(inst.code, cmd.year, entity.code), cmd.stream,
                             content_type=PDF_CONTENT_TYPE, original_name=name, size=cmd.size)
        try:
            with self.uow_factory() as uow:
                loaded = load_report(uow, actor, cmd.entity, cmd.year, for_update=True)
                event = loaded.report.attach_signed_report(
                    SignedReportFile(stored.key, name, stored.size, stored.sha256,
                                     cmd.content_type, storage.backend),
                    policy, self.clock, actor.username)
                uow.reports.save_signed_reports(loaded.report)
                audit(uow, self.clock, actor, "signed_uploaded", REPORT_TARGET, loaded.target_id,
                      before={"current_version": event.replaced_version},
                      after={"current_version": event.report.version, "file": name,
                             "size": stored.size, "sha256": stored.sha256,
                             "final_version": event.report.final_version})
                uow.commit()
                return signed_view(event.report)
        except BaseException:
            with contextlib.suppress(Exception):
                storage.delete(stored.key)
            raise


@attrs.frozen
class SignedDownload:
    report: SignedReportView
    stream: BinaryIO  # the caller closes it
    filename: str
    content_type: str = PDF_CONTENT_TYPE


@attrs.define
class OpenSignedReport(UseCase):
    """Open the current signed report (``version=None``) or an earlier version for download.

    Readers of the entity only; ``NotFound`` when there is none (or it is out of scope).
    """

    storage: StorageSelector

    def __call__(self, actor: Actor, entity: EntityRef, year: int,
                 version: int | None = None) -> SignedDownload:
        with self.uow_factory() as uow:
            loaded = load_report(uow, actor, entity, year)
            report = loaded.report
            if version is None:
                chosen = report.current_signed_report
            else:
                chosen = next((s for s in report.signed_reports if s.version == version), None)
            if chosen is None:
                raise NotFound(SIGNED_NOT_FOUND)
            inst, ent = loaded.institution, loaded.entity
        stream = self.storage.backend(chosen.storage_backend).open(chosen.storage_key)
        filename = f"reporte-firmado-{inst.code}-{ent.code}-{year}-v{chosen.version}.pdf"
        return SignedDownload(signed_view(chosen), stream, filename)
