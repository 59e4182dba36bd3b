"""CSV/XLSX files of the S16 imports: units, medicines, patients and folios.

Headings are matched as a user would type them in Spanish, in any case, with or without
accents and punctuation ("OOAD/UMAE", "Unidad Médica", "Cantidad clave 1"); column order does
not matter and extra columns are ignored. An unreadable or empty file, or a missing column, is
refused with a Spanish message (``shared.adapters.tabular.open_table``); the rows themselves
are validated by the application, which reports every bad line by its number (header =
line 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sanece.application.documents import (
    FolioImportRow,
    MedicineImportRow,
    PatientImportRow,
    UnitImportRow,
)
from shared.adapters.tabular import TableField, open_table

T = TypeVar("T")
F = TableField.of

UNIT_FIELDS = (
    F("ooad", "OOAD/UMAE", "OOAD", "UMAE", "Delegación", "OOAD o UMAE"),
    F("unit", "Unidad médica", "Unidad", "Nombre de la unidad", "Hospital", "Unidad medica"),
)
MEDICINE_FIELDS = (
    F("generic", "Genérico", "Medicamento", "Nombre genérico", "Generico"),
    F("key", "Clave", "Clave del medicamento", "Clave de medicamento", "Clave cuadro básico"),
    F("description", "Descripción", "Presentación", "Descripción de la clave",
      required=False),
)
PATIENT_FIELDS = (
    F("nss", "NSS", "Número de seguridad social", "No. de seguridad social"),
    F("aggregate", "Agregado", "Agregado médico"),
    F("paternal_surname", "Primer apellido", "Apellido paterno"),
    F("maternal_surname", "Segundo apellido", "Apellido materno"),
    F("given_names", "Nombre(s)", "Nombre", "Nombres"),
)
FOLIO_FIELDS = (
    F("folio", "Folio"),
    F("nss", "NSS", "Número de seguridad social"),
    F("aggregate", "Agregado", "Agregado médico"),
    F("generic", "Genérico", "Medicamento", "Generico"),
    F("status", "Estatus", "Estatus de evaluación"),
    F("evaluation_date", "Fecha de evaluación", "Fecha evaluación", required=False),
    F("ooad", "OOAD/UMAE", "OOAD", "UMAE"),
    F("unit", "Unidad médica", "Unidad"),
    F("diagnosis", "Diagnóstico", required=False),
    F("key1", "Clave 1", "Clave1", required=False),
    F("quantity1", "Cantidad clave 1", "Cantidad 1", required=False),
    F("key2", "Clave 2", "Clave2", required=False),
    F("quantity2", "Cantidad clave 2", "Cantidad 2", required=False),
    F("period_months", "Periodo (meses)", "Periodo", "Meses", required=False),
    F("expiry_date", "Fecha de vencimiento", "Vencimiento", required=False),
    F("requirement", "Requerimiento", required=False),
    F("observations", "Observaciones", required=False),
    F("cancellation_date", "Fecha de baja", "Baja", required=False),
)


def _rows(path: Path, original_name: str, fields: tuple[TableField, ...], what: str,
          make: Callable[..., T]) -> Iterator[T]:
    for line, values in open_table(path, original_name, fields, what):
        yield make(line=line, **values)


class TabularSaneceFiles:
    """``SaneceFiles`` port over CSV and XLSX."""

    def read_units(self, path: Path, original_name: str) -> Iterator[UnitImportRow]:
        return _rows(path, original_name, UNIT_FIELDS, "las unidades médicas", UnitImportRow)

    def read_medicines(self, path: Path, original_name: str) -> Iterator[MedicineImportRow]:
        return _rows(path, original_name, MEDICINE_FIELDS, "los medicamentos",
                     MedicineImportRow)

    def read_patients(self, path: Path, original_name: str) -> Iterator[PatientImportRow]:
        return _rows(path, original_name, PATIENT_FIELDS, "los pacientes", PatientImportRow)

    def read_folios(self, path: Path, original_name: str) -> Iterator[FolioImportRow]:
        return _rows(path, original_name, FOLIO_FIELDS, "los folios", FolioImportRow)
