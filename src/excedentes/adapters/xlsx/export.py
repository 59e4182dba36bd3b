"""Excel export of the records of an entity, an institution or the country (E14).

One sheet "Registros", one row per record, through the platform's constant-memory writer
(header row, frozen panes, autofilter): rows stream from the iterable to the file, so a
national export of 100,000 records stays within a few MB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from excedentes.application.documents import ExportRow
from shared.adapters.rendering.xlsx import Column, write_workbook

SHEET = "Registros"
COLUMNS = (
    Column("Institución", 14),
    Column("Entidad", 22),
    Column("CLUES", 14),
    Column("Unidad Médica", 36),
    Column("Nivel", 16),
    Column("Servicio", 22),
    Column("Grupo de Servicio", 28),
    Column("Especialidad", 26),
    Column("Producto", 50),
    Column("Unidad de Medida", 14),
    Column("Tipo", 11),
    Column("Modalidad", 13),
    Column("Causa", 20),
    Column("Eventos Mensuales", 12, "int"),
    Column("Pacientes Mensuales", 12, "int"),
    Column("Comentario", 40),
    Column("Valor atípico", 50),
)


class XlsxRecordsExporter:
    """``RecordsExporter`` port."""

    def write(self, rows: Iterable[ExportRow], path: Path) -> int:
        return write_workbook(path, [(SHEET, COLUMNS, _values(rows))])


def _values(rows: Iterable[ExportRow]) -> Iterator[tuple]:
    for r in rows:
        yield (r.institution, r.entity, r.clues, r.unit, r.level, r.service, r.group, r.specialty,
               r.product, r.unit_of_measure, r.kind, r.modality, r.cause, r.monthly_events,
               r.monthly_patients, r.comment, r.outlier)
