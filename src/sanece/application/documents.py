"""Plain data the sanece documents are built from (their ports are in ``ports.py``).

The application assembles these from current data (so a validated change shows at once);
the fpdf2/XlsxWriter/tabular adapters turn them into files and know nothing of SQL or HTTP.
Row sequences may be lazy iterables so that an extraction streams.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple, Sequence

import attrs


@attrs.frozen
class DrugLine:
    key: str  # clave, e.g. "5795"
    description: str  # presentation text, e.g. "ampula 200 mg"
    quantity: int


@attrs.frozen
class FolioResponseDocument:
    """The SAnECE response format of one folio (S4)."""

    header_lines: Sequence[str]  # institution header lines
    printed_at: datetime  # local time
    folio: str
    generic: str
    status: str  # Pendiente | Validada | No Validada | Baja
    validity: str  # "Vigente" | "Vencido" | "" (not validated)
    evaluation_date: date
    period_months: int | None
    expiry_date: date | None
    cancellation_date: date | None
    patient_name: str
    nss: str
    aggregate: str
    diagnosis: str
    ooad: str
    unit: str
    drugs: Sequence[DrugLine]
    requirement: str
    observations: str
    extended: bool = False  # the expiry was moved by a validated ampliación
    # "Versión 3, 06/12/2026 (reemplaza a la versión 2, 01/12/2026)"; empty when unknown
    version_line: str = ""


@attrs.frozen
class RequestExtractRow:
    """A line of the extraction's SOLICITUDES sheet: the unit's change requests filed in the
    window, with the decision and its coded reason."""

    id: int
    filed_on: date
    type_label: str
    folio: str
    status: str
    reason_code: str
    reason: str
    decided_on: date | None


class FolioExtractRow(NamedTuple):
    """POR FOLIO: one row per folio (S13). A named tuple whose fields are the sheet's columns in
    order: the writer hands it to the sheet as it is (no object or tuple built per row again)."""

    folio: str
    evaluation_date: date
    generic: str
    status: str
    nss: str
    aggregate: str
    patient: str
    diagnosis: str
    key1: str
    quantity1: int | None
    key2: str
    quantity2: int | None
    period_months: int | None
    expiry_date: date | None
    in_force: str  # "Sí" | "No"


@attrs.frozen
class PatientExtractRow:
    """POR PACIENTE: one row per patient with their folio count and latest status (S13)."""

    nss: str
    aggregate: str
    paternal_surname: str
    maternal_surname: str
    given_names: str
    folio_count: int
    latest_folio: str
    latest_evaluation_date: date
    latest_status: str


# --- imports (S16): raw text rows with their line numbers; the application validates ----------
@attrs.frozen
class UnitImportRow:
    line: int
    ooad: str
    unit: str


@attrs.frozen
class MedicineImportRow:
    line: int
    generic: str
    key: str
    description: str


@attrs.frozen
class PatientImportRow:
    line: int
    nss: str
    aggregate: str
    paternal_surname: str
    maternal_surname: str
    given_names: str


@attrs.frozen
class FolioImportRow:
    line: int
    folio: str
    nss: str
    aggregate: str
    generic: str
    status: str
    evaluation_date: str
    ooad: str
    unit: str
    diagnosis: str
    key1: str
    quantity1: str
    key2: str
    quantity2: str
    period_months: str
    expiry_date: str
    requirement: str
    observations: str
    cancellation_date: str = ""
