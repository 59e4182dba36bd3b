"""The Excel extraction of a unit's folios (S13) through the platform's constant-memory writer:
a genuine .xlsx (no "the file format does not match" warning as in the legacy) with a header
row, frozen panes, an autofilter, dates as real dates and quantities as numbers. Folio and NSS
stay text (11 and 10 digits: Excel would otherwise show them in scientific notation or drop
leading zeros). Rows stream from the iterable to the stream, so 100,000 folios stay within a
few MB.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Iterable, Iterator, Sequence

from sanece.application.documents import FolioExtractRow, PatientExtractRow, RequestExtractRow
from shared.adapters.rendering.xlsx import Column, write_workbook

FOLIO_SHEET = "POR FOLIO"  # the guide's name of the filter the user chose
PATIENT_SHEET = "POR PACIENTE"
FOLIO_COLUMNS = (
    Column("Folio", 14),
    Column("Fecha de evaluación", 12, "date"),
    Column("Genérico", 30),
    Column("Estatus de evaluación", 14),
    Column("NSS", 13),
    Column("Agregado", 11),
    Column("Paciente", 34),
    Column("Diagnóstico", 50),
    Column("Clave 1", 10),
    Column("Cantidad clave 1", 10, "int"),
    Column("Clave 2", 10),
    Column("Cantidad clave 2", 10, "int"),
    Column("Periodo (meses)", 9, "int"),
    Column("Fecha de vencimiento", 12, "date"),
    Column("Vigente", 8),
)
PATIENT_COLUMNS = (
    Column("NSS", 13),
    Column("Agregado", 11),
    Column("Primer apellido", 20),
    Column("Segundo apellido", 20),
    Column("Nombre(s)", 24),
    Column("Folios", 8, "int"),
    Column("Último folio", 14),
    Column("Fecha de evaluación del último folio", 14, "date"),
    Column("Estatus del último folio", 16),
)

REQUEST_SHEET = "SOLICITUDES"
REQUEST_COLUMNS = (
    Column("N° de solicitud", 10, "int"),
    Column("Fecha solicitud", 12, "date"),
    Column("Tipo de solicitud", 30),
    Column("Folio", 14),
    Column("Estatus de cambio", 22),
    Column("Clave del motivo", 16),
    Column("Motivo de la revisión", 50),
    Column("Fecha de decisión", 12, "date"),
)


class XlsxExtractionWriter:
    """``ExtractionWriter`` port."""

    def write_by_folio(self, rows: Iterable[FolioExtractRow], out: BinaryIO,
                       requests: Sequence[RequestExtractRow] = ()) -> int:
        # A FolioExtractRow is a tuple of the sheet's columns in order: written as it comes.
        return self._write(out, (FOLIO_SHEET, FOLIO_COLUMNS, rows), requests)

    def write_by_patient(self, rows: Iterable[PatientExtractRow], out: BinaryIO,
                         requests: Sequence[RequestExtractRow] = ()) -> int:
        return self._write(out, (PATIENT_SHEET, PATIENT_COLUMNS, _patient_values(rows)),
                           requests)

    @staticmethod
    def _write(out: BinaryIO, main: tuple[str, Any, Any],
               requests: Sequence[RequestExtractRow]) -> int:
        sheets = [main]
        if requests:
            sheets.append((REQUEST_SHEET, REQUEST_COLUMNS, _request_values(requests)))
        return write_workbook(out, sheets) - len(requests)


def _request_values(rows: Iterable[RequestExtractRow]) -> Iterator[tuple]:
    for r in rows:
        yield (r.id, r.filed_on, r.type_label, r.folio, r.status, r.reason_code, r.reason,
               r.decided_on)


def _patient_values(rows: Iterable[PatientExtractRow]) -> Iterator[tuple]:
    for r in rows:
        yield (r.nss, r.aggregate, r.paternal_surname, r.maternal_surname, r.given_names,
               r.folio_count, r.latest_folio, r.latest_evaluation_date, r.latest_status)
