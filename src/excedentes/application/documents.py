"""Plain data the documents are built from (their ports live in ``ports.py``).

The application assembles these from its read models; the fpdf2 and XlsxWriter adapters turn
them into files and know nothing of SQL or HTTP. Sequences may be lazy iterables so that a
national export streams.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

import attrs


@attrs.frozen
class ReportLine:
    """One row of a unit's Faltantes or Excedentes table (E11)."""

    group: str
    product: str
    cause: str | None  # shortages only ("Causa Principal")
    modality: str  # "Ambulatorio" | "Hospitalario"
    monthly_events: int
    monthly_patients: int


@attrs.frozen
class UnitSection:
    heading: str  # "CLUES NAME, NIVEL" as the guide prints it
    shortages: Sequence[ReportLine]
    surpluses: Sequence[ReportLine]


@attrs.frozen
class EntityReportDocument:
    final: bool  # False: Preliminar ("Sin Validez Oficial."); True: Versión Final (signatures)
    header_lines: Sequence[str]  # institution header lines
    printed_at: datetime  # local time, shown "Fecha de impresión: dd/mm/aaaa hh:mm:ss"
    year: int
    entity_title: str  # "Entidad Federativa BAJA CALIFORNIA", "OOAD/UMAE Nuevo León"
    units_reporting: int
    units_total: int
    answered_no: bool  # NO case: one sentence instead of the sections
    no_interventions_sentence: str  # "La {entidad} no reporta intervenciones … para el año {año}"
    not_closed_sentence: str  # "La {entidad} aún no cierra el registro de información."
    sections: Iterable[UnitSection]
    signature_labels: tuple[str, str] = ("", "")
    signature_name_line: bool = False  # ISSSTE prints "Nombre:" under each label
    folio: str | None = None  # final only: document folio
    fingerprint: str | None = None  # final only: short fingerprint of the data printed


@attrs.frozen
class ExportRow:
    """One record in the Excel export (E14), in the column order of the sheet."""

    institution: str
    entity: str
    clues: str
    unit: str
    level: str
    service: str
    group: str
    specialty: str
    product: str
    unit_of_measure: str
    kind: str  # "Faltante" | "Excedente"
    modality: str  # "Ambulatoria" | "Hospitalaria"
    cause: str
    monthly_events: int
    monthly_patients: int
    comment: str = ""  # the capturista's comment on the unit's row of the product
    outlier: str = ""  # the outlier warning the values were kept with ("" when none)
