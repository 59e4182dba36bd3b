"""CSV/XLSX files of the product catalog and of the medical units (E13).

Reading accepts the headings a user would type in Spanish, in any case, with or without
accents and punctuation ("Grupo (de Servicio)", "UNIDAD MEDICA", "Clave de Entidad"); the
column order does not matter and extra columns are ignored. A file that cannot be read, that
is empty, or that lacks a required column is refused with a Spanish message naming the
problem (``shared.adapters.tabular.open_table``); the rows themselves are validated by the
domain (``validate_catalog_rows``, ``validate_unit_rows``), which reports line-numbered
errors. Line numbers are the file's own (header = line 1), as the user sees them in Excel or
a text editor.

Writing uses the same headings, so that an export can be edited and imported again: CSV in
UTF-8 with a BOM (Excel then shows accents right) or XLSX (constant memory).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from excedentes.domain.imports import CatalogRow, UnitRow
from shared.adapters.rendering.xlsx import Column, write_workbook
from shared.adapters.tabular import TableField, open_table
from shared.kernel.errors import ValidationError

FORMATS = ("csv", "xlsx")
F = TableField.of

CATALOG_FIELDS = (
    F("service", "Servicio", "Servicios", "Nombre del servicio", width=26),
    F("group", "Grupo de Servicio", "Grupo", "Grupo Servicio", "Grupos de Servicio",
      "Grupo del Servicio", "Nombre del grupo", width=30),
    F("specialty", "Especialidad", "Especialidad troncal", "Especialidades troncales",
      "Especialidades", required=False, width=30),
    F("product", "Producto", "Productos", "Nombre del producto", "Descripción del producto",
      width=60),
    F("unit_of_measure", "Unidad de Medida", "Unidad Medida", "U. de Medida", "UM", "Medida",
      width=16),
)

UNIT_FIELDS = (
    F("clues", "CLUES", "Clave CLUES", "Clave única CLUES", width=14),
    F("name", "Unidad Médica", "Nombre", "Nombre de la Unidad", "Nombre de la Unidad Médica",
      "Nombre Unidad Médica", "Unidad", "Nombre de Unidad", width=40),
    F("level", "Nivel", "Nivel de Atención", "Nivel de la Unidad", width=16),
    F("entity_code", "Entidad", "Clave de Entidad", "Clave Entidad", "Código de Entidad",
      "Cve Entidad", "Entidad (clave)", "Entidad Federativa", "OOAD/UMAE", "Delegación",
      width=12),
    F("institution_code", "Institución", "Clave de Institución", "Clave Institución",
      "Código de Institución", "Institución (clave)", width=12),
)


class TabularCatalogFiles:
    """``CatalogFiles`` port over CSV and XLSX."""

    def read_catalog(self, path: Path, original_name: str) -> Iterator[CatalogRow]:
        rows = open_table(path, original_name, CATALOG_FIELDS, "el catálogo de productos")
        return (CatalogRow(line, **values) for line, values in rows)

    def read_units(self, path: Path, original_name: str) -> Iterator[UnitRow]:
        rows = open_table(path, original_name, UNIT_FIELDS, "las unidades médicas")
        return (UnitRow(line, **values) for line, values in rows)

    def write_catalog(self, rows: Iterable[CatalogRow], path: Path, fmt: str) -> int:
        return _write(path, fmt, "Catálogo", CATALOG_FIELDS,
                      ((r.service, r.group, r.specialty, r.product, r.unit_of_measure)
                       for r in rows))

    def write_units(self, rows: Iterable[UnitRow], path: Path, fmt: str) -> int:
        return _write(path, fmt, "Unidades", UNIT_FIELDS,
                      ((r.clues, r.name, r.level, r.entity_code, r.institution_code)
                       for r in rows))


# ---------------------------------------------------------------------------- writing


def _write(path: Path, fmt: str, sheet: str, fields: Sequence[TableField],
           values: Iterable[tuple[str, ...]]) -> int:
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValidationError(f"Formato de exportación no válido: {fmt!r}; use csv o xlsx.",
                              log_message=f"bad export format {fmt!r}")
    if fmt == "xlsx":
        columns = [Column(f.title, f.width) for f in fields]
        return write_workbook(path, [(sheet, columns, values)])
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([f.title for f in fields])
        for row in values:
            writer.writerow(row)
            count += 1
    return count
