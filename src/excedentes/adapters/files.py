"""CSV/XLSX files of the product catalog and of the medical units (E13).

Reading accepts the headings a user would type in Spanish, in any case, with or without
accents and punctuation ("Grupo (de Servicio)", "UNIDAD MEDICA", "Clave de Entidad"); the
column order does not matter and extra columns are ignored. A file that cannot be read, that
is empty, or that lacks a required column is refused with a Spanish message naming the
problem; the rows themselves are validated by the domain (``validate_catalog_rows``,
``validate_unit_rows``), which reports line-numbered errors. Line numbers are the file's own
(header = line 1), as the user sees them in Excel or a text editor.

Writing uses the same headings, so that an export can be edited and imported again: CSV in
UTF-8 with a BOM (Excel then shows accents right) or XLSX (constant memory).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import attrs

from excedentes.domain.errors import ImportInvalid
from excedentes.domain.imports import CatalogRow, UnitRow
from shared.adapters.rendering.xlsx import Column, write_workbook
from shared.adapters.tabular import SourceRow, read_rows
from shared.kernel.errors import ValidationError

READABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
FORMATS = ("csv", "xlsx")


@attrs.frozen
class _Field:
    attr: str
    title: str  # heading written on export and named in errors
    aliases: frozenset[str]  # folded headings accepted on import
    required: bool = True
    width: float = 20


def _fold(text: object) -> str:
    """"Grupo (de Servicio)" -> "grupo de servicio"; "UNIDAD MÉDICA" -> "unidad medica"."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def _aliases(*names: str) -> frozenset[str]:
    return frozenset(_fold(n) for n in names)


CATALOG_FIELDS = (
    _Field("service", "Servicio", _aliases("Servicio", "Servicios", "Nombre del servicio"),
           width=26),
    _Field("group", "Grupo de Servicio",
           _aliases("Grupo", "Grupo de Servicio", "Grupo Servicio", "Grupos de Servicio",
                    "Grupo del Servicio", "Nombre del grupo"), width=30),
    _Field("specialty", "Especialidad",
           _aliases("Especialidad", "Especialidad troncal", "Especialidades troncales",
                    "Especialidades"), required=False, width=30),
    _Field("product", "Producto", _aliases("Producto", "Productos", "Nombre del producto",
                                           "Descripción del producto"), width=60),
    _Field("unit_of_measure", "Unidad de Medida",
           _aliases("Unidad de Medida", "Unidad Medida", "U. de Medida", "UM", "Medida"),
           width=16),
)

UNIT_FIELDS = (
    _Field("clues", "CLUES", _aliases("CLUES", "Clave CLUES", "Clave única CLUES"), width=14),
    _Field("name", "Unidad Médica",
           _aliases("Unidad Médica", "Nombre", "Nombre de la Unidad", "Nombre de la Unidad Médica",
                    "Nombre Unidad Médica", "Unidad", "Nombre de Unidad"), width=40),
    _Field("level", "Nivel", _aliases("Nivel", "Nivel de Atención", "Nivel de la Unidad"),
           width=16),
    _Field("entity_code", "Entidad",
           _aliases("Entidad", "Clave de Entidad", "Clave Entidad", "Código de Entidad",
                    "Cve Entidad", "Entidad (clave)", "Entidad Federativa", "OOAD/UMAE",
                    "Delegación"), width=12),
    _Field("institution_code", "Institución",
           _aliases("Institución", "Clave de Institución", "Clave Institución",
                    "Código de Institución", "Institución (clave)"), width=12),
)


class TabularCatalogFiles:
    """``CatalogFiles`` port over CSV and XLSX."""

    def read_catalog(self, path: Path, original_name: str) -> Iterator[CatalogRow]:
        columns, rows = _open(path, original_name, CATALOG_FIELDS, "catálogo de productos")
        return (CatalogRow(row.line, *_pick(row, columns, CATALOG_FIELDS)) for row in rows)

    def read_units(self, path: Path, original_name: str) -> Iterator[UnitRow]:
        columns, rows = _open(path, original_name, UNIT_FIELDS, "unidades médicas")
        return (UnitRow(row.line, *_pick(row, columns, UNIT_FIELDS)) for row in rows)

    def write_catalog(self, rows: Iterable[CatalogRow], path: Path, fmt: str) -> int:
        return _write(path, fmt, "Catálogo", CATALOG_FIELDS,
                      ((r.service, r.group, r.specialty, r.product, r.unit_of_measure)
                       for r in rows))

    def write_units(self, rows: Iterable[UnitRow], path: Path, fmt: str) -> int:
        return _write(path, fmt, "Unidades", UNIT_FIELDS,
                      ((r.clues, r.name, r.level, r.entity_code, r.institution_code)
                       for r in rows))


# ---------------------------------------------------------------------------- reading


def _pick(row: SourceRow, columns: dict[str, str], fields: Sequence[_Field]) -> list[str]:
    return [row.values.get(columns[f.attr], "") if f.attr in columns else "" for f in fields]


def _refuse(message: str, log: str) -> ImportInvalid:
    return ImportInvalid(message, log_message=log)


def _open(path: Path, original_name: str, fields: Sequence[_Field],
          what: str) -> tuple[dict[str, str], Iterator[SourceRow]]:
    """Check the file and its headings now; the rows stay lazy."""
    name = original_name or path.name
    head = path.read_bytes()[:8] if path.exists() else b""
    is_zip = head.startswith(b"PK\x03\x04")
    suffix = Path(name).suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(f"El archivo «{name}» es de Excel 97-2003 (.xls), que no se puede leer: "
                      "guárdelo como libro de Excel (.xlsx) o como CSV UTF-8 e impórtelo de nuevo.",
                      "legacy xls refused")
    if suffix and suffix not in READABLE_SUFFIXES and not is_zip:
        raise _refuse(f"El archivo «{name}» no es CSV ni XLSX: importe un archivo .csv o .xlsx.",
                      f"unsupported file type {suffix!r}")
    try:
        headers, rows = read_rows(path, name)
    except Exception as exc:  # noqa: BLE001 - corrupt files fail in many ways (zip, XML)
        raise _unreadable(name, exc) from exc
    expected = ", ".join(f.title for f in fields)
    if not any(h for h in headers):
        raise _refuse(f"El archivo «{name}» está vacío: la primera línea debe tener los "
                      f"encabezados del {what} ({expected}).", "empty file")
    columns = _match_columns(headers, fields, name, expected)
    try:
        first = next(rows)
    except StopIteration:
        raise _refuse(f"El archivo «{name}» no tiene datos: debajo de los encabezados "
                      f"({expected}) debe haber al menos una línea.", "no data rows") from None
    except Exception as exc:  # noqa: BLE001
        raise _unreadable(name, exc) from exc
    return columns, chain((first,), rows)


def _unreadable(name: str, exc: Exception) -> ImportInvalid:
    return _refuse(f"No se pudo leer el archivo «{name}»: verifique que sea un CSV o un libro de "
                   "Excel (.xlsx) válido.", f"unreadable file: {exc!r}")


def _match_columns(headers: Sequence[str], fields: Sequence[_Field], name: str,
                   expected: str) -> dict[str, str]:
    """Field attribute -> the file's (normalized) heading."""
    by_alias = {alias: f for f in fields for alias in f.aliases}
    columns: dict[str, str] = {}
    for header in headers:
        field = by_alias.get(_fold(header))
        if field is None or not header:
            continue
        if field.attr in columns:
            raise _refuse(f"El archivo «{name}» tiene dos columnas para «{field.title}» "
                          f"(«{columns[field.attr]}» y «{header}»): deje solo una.",
                          f"duplicate column for {field.attr}")
        columns[field.attr] = header
    missing = [f.title for f in fields if f.required and f.attr not in columns]
    if missing:
        found = ", ".join(h for h in headers if h) or "ninguno"
        named = _join(f"«{m}»" for m in missing)
        noun = "la columna obligatoria" if len(missing) == 1 else "las columnas obligatorias"
        verb = "Falta" if len(missing) == 1 else "Faltan"
        raise _refuse(f"{verb} {noun} {named} en el archivo «{name}». Encabezados esperados: "
                      f"{expected}; encabezados encontrados: {found}.",
                      f"missing columns: {missing}")
    return columns


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " y " + items[-1]


# ---------------------------------------------------------------------------- writing


def _write(path: Path, fmt: str, sheet: str, fields: Sequence[_Field],
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
