"""Read CSV or XLSX files as rows with their line numbers, for line-numbered import errors."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Any, Iterator, Sequence

import attrs

from shared.kernel.imports import MB, ImportInvalid, ImportLimits
from shared.kernel.text import strip_accents


@attrs.frozen
class SourceRow:
    line: int  # 1-based, as the user sees it in Excel or a text editor (header = line 1)
    values: dict[str, str]


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _key(header: str) -> str:
    return " ".join(str(header or "").strip().lower().split())


_limits = ImportLimits()


def configure_import_limits(limits: ImportLimits) -> None:
    """Set the limits every import of this process reads with (the container does it from the
    settings, ``IMPORT_MAX_*``)."""
    global _limits
    _limits = limits


def import_limits() -> ImportLimits:
    return _limits


def _mb(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{max(1, n // 1024)} KB"


def read_rows(path: Path, original_name: str | None = None, limits: ImportLimits | None = None
              ) -> tuple[list[str], Iterator[SourceRow]]:
    """Returns the normalized header names and an iterator of rows (blank rows skipped).

    ``limits`` (default: the configured ones) are checked before parsing (file size, an
    .xlsx's declared and actual decompressed sizes, its declared rows) and while parsing
    (rows, CSV line length): past one, ``ImportInvalid`` with a Spanish message."""
    limits = limits or _limits
    display = original_name or path.name
    name = display.lower()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ImportInvalid(f"El archivo «{display}» excede el tamaño máximo permitido de "
                            f"{_mb(limits.max_bytes)}.", log_message=f"import file of {size} bytes")
    with path.open("rb") as fh:
        head = fh.read(4)
    if name.endswith(".xlsx") or head.startswith(b"PK\x03\x04"):
        _check_zip(path, display, limits)
        return _xlsx(path, display, limits)
    return _csv(path, display, limits)


def _too_many_rows(name: str, limits: ImportLimits) -> ImportInvalid:
    most = f"{limits.max_rows:,}"  # grouped like every other count the product prints
    return ImportInvalid(f"El archivo «{name}» tiene más de {most} líneas de datos, el máximo "
                         "de una importación: divídalo en archivos más pequeños.",
                         log_message="import row limit")


def _check_zip(path: Path, name: str, limits: ImportLimits) -> None:
    """Refuse a zip bomb before openpyxl inflates it: the sizes the archive declares, then the
    bytes it really inflates to (read in chunks, never held), within ``limits``. The shared
    strings table is loaded whole by openpyxl, so it has a smaller limit of its own."""
    too_big = ImportInvalid(
        f"El contenido del archivo «{name}» ocupa más de {_mb(limits.max_unzipped_bytes)} al "
        "descomprimirse, el máximo de una importación: divídalo en archivos más pequeños o "
        "guárdelo como CSV.", log_message="xlsx unzipped size limit")
    texts_too_big = ImportInvalid(
        f"Los textos del archivo «{name}» ocupan más de "
        f"{_mb(limits.max_shared_strings_bytes)} al descomprimirse: revise que ninguna celda "
        "tenga un texto enorme, o divida el archivo.", log_message="xlsx shared strings limit")
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > limits.max_unzipped_bytes:
            raise too_big
        for info in infos:
            if _is_shared_strings(info) and info.file_size > limits.max_shared_strings_bytes:
                raise texts_too_big
        total = 0
        for info in infos:
            part = 0
            with zf.open(info) as fh:
                while chunk := fh.read(1024 * 1024):
                    part += len(chunk)
                    total += len(chunk)
                    if total > limits.max_unzipped_bytes:
                        raise too_big
                    if _is_shared_strings(info) and part > limits.max_shared_strings_bytes:
                        raise texts_too_big


def _is_shared_strings(info: zipfile.ZipInfo) -> bool:
    return info.filename.lower().endswith("sharedstrings.xml")


def _csv(path: Path, name: str, limits: ImportLimits) -> tuple[list[str], Iterator[SourceRow]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # Excel on Windows saves CSV as cp1252
    del raw
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","

    def lines() -> Iterator[str]:
        for number, line in enumerate(io.StringIO(text), start=1):
            if len(line) > limits.max_line_chars:
                raise ImportInvalid(
                    f"La línea {number} del archivo «{name}» tiene más de "
                    f"{limits.max_line_chars} caracteres: revise que sea un CSV con un registro "
                    "por línea.", log_message="csv line length limit")
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        header = [_key(h) for h in next(reader)]
    except StopIteration:
        return [], iter(())

    def rows() -> Iterator[SourceRow]:
        for line, values in enumerate(reader, start=2):
            if line - 1 > limits.max_rows:
                raise _too_many_rows(name, limits)
            if not any(v.strip() for v in values):
                continue
            yield SourceRow(line, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)})

    return header, rows()


def _xlsx(path: Path, name: str, limits: ImportLimits) -> tuple[list[str], Iterator[SourceRow]]:
    from openpyxl import load_workbook

    # A file object, not the path: uploads are stored under names without a suffix (never the
    # client's), and openpyxl refuses a path whose suffix is not .xlsx.
    fh = path.open("rb")
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except BaseException:
        fh.close()
        raise

    def close() -> None:
        wb.close()
        fh.close()

    ws = wb.worksheets[0]
    declared = getattr(ws, "max_row", None)  # the sheet's <dimension>, when it has one
    if isinstance(declared, int) and declared - 1 > limits.max_rows:
        close()
        raise _too_many_rows(name, limits)
    it = ws.iter_rows(values_only=True)
    try:
        header = [_key(h) for h in next(it)]
    except StopIteration:
        close()
        return [], iter(())

    def rows() -> Iterator[SourceRow]:
        try:
            for line, values in enumerate(it, start=2):
                if line - 1 > limits.max_rows:  # the dimension may lie or be absent
                    raise _too_many_rows(name, limits)
                cells = [_clean(v) for v in values]
                if not any(cells):
                    continue
                yield SourceRow(line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
        finally:
            close()

    return header, rows()


# --- files with named columns (imports): headings matched by folded aliases ------------------

READABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


@attrs.frozen
class TableField:
    """A column of an import file: ``attr`` in code, ``title`` in messages and exports, the
    headings a user may type for it (compared folded: case, accents and punctuation aside), and
    its width when the table is written to Excel."""

    attr: str
    title: str
    aliases: frozenset[str]
    required: bool = True
    width: float = 20

    @classmethod
    def of(cls, attr: str, title: str, *aliases: str, required: bool = True,
           width: float = 20) -> "TableField":
        return cls(attr, title, frozenset(fold_heading(a) for a in (title, *aliases)), required,
                   width)


def fold_heading(text: object) -> str:
    """"Grupo (de Servicio)" -> "grupo de servicio"; "UNIDAD MÉDICA" -> "unidad medica"."""
    plain = strip_accents(text).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def missing_columns(titles: Sequence[str], name: str) -> str:
    """"Falta la columna obligatoria «Producto» en el archivo «c.csv»", "Faltan las columnas
    obligatorias «Nivel» y «Institución» en …": one wording for every import."""
    named = join_words([f"«{t}»" for t in titles])
    if len(titles) == 1:
        return f"Falta la columna obligatoria {named} en el archivo «{name}»"
    return f"Faltan las columnas obligatorias {named} en el archivo «{name}»"


def join_words(items: Sequence[str]) -> str:
    """"a", "a y b", "a, b y c" (a Spanish enumeration)."""
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " y " + items[-1]


def _of(what: str) -> str:
    """"de" + what, contracted before "el" (Spanish: "del catálogo", "de las unidades")."""
    return f"del {what[3:]}" if what.startswith("el ") else f"de {what}"


def open_table(path: Path, original_name: str, fields: "tuple[TableField, ...]", what: str
               ) -> Iterator[tuple[int, dict[str, str]]]:
    """Check the file and its headings now (``ImportInvalid`` with a Spanish message naming the
    problem: unreadable, legacy .xls, empty, no data, missing or duplicated column); then yield
    ``(line, {attr: value})`` lazily (absent optional columns read as ""). ``what`` names the
    file's contents with their article ("las unidades médicas", "el catálogo de productos")."""
    name = original_name or path.name
    if not path.is_file():
        raise ImportInvalid(f"No existe el archivo «{name}».", log_message="missing file")
    with path.open("rb") as fh:
        head = fh.read(8)
    suffix = Path(name).suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportInvalid(f"El archivo «{name}» es de Excel 97-2003 (.xls), que no se puede "
                            "leer: guárdelo como libro de Excel (.xlsx) o como CSV UTF-8 e "
                            "impórtelo de nuevo.", log_message="legacy xls refused")
    if suffix and suffix not in READABLE_SUFFIXES and not head.startswith(b"PK\x03\x04"):
        raise ImportInvalid(f"El archivo «{name}» no es CSV ni XLSX: importe un archivo .csv o "
                            ".xlsx.", log_message=f"unsupported file type {suffix!r}")

    def unreadable(exc: Exception) -> ImportInvalid:
        return ImportInvalid(f"No se pudo leer el archivo «{name}»: verifique que sea un CSV o "
                             "un libro de Excel (.xlsx) válido.",
                             log_message=f"unreadable file: {exc!r}")

    try:
        headers, rows = read_rows(path, name)
    except ImportInvalid:
        raise
    except Exception as exc:  # noqa: BLE001 - corrupt files fail in many ways (zip, XML)
        raise unreadable(exc) from exc
    expected = ", ".join(f.title for f in fields)
    if not any(headers):
        raise ImportInvalid(f"El archivo «{name}» está vacío: la primera línea debe tener los "
                            f"encabezados {_of(what)} ({expected}).", log_message="empty file")
    by_alias = {alias: f for f in fields for alias in f.aliases}
    columns: dict[str, str] = {}
    for header in headers:
        field = by_alias.get(fold_heading(header))
        if field is None or not header:
            continue
        if field.attr in columns:
            raise ImportInvalid(f"El archivo «{name}» tiene dos columnas para «{field.title}» "
                                f"(«{columns[field.attr]}» y «{header}»): deje solo una.",
                                log_message=f"duplicate column for {field.attr}")
        columns[field.attr] = header
    absent = [f.title for f in fields if f.required and f.attr not in columns]
    if absent:
        found = ", ".join(h for h in headers if h) or "ninguno"
        raise ImportInvalid(f"{missing_columns(absent, name)}. Encabezados esperados: {expected}; "
                            f"encabezados encontrados: {found}.",
                            log_message=f"missing columns: {absent}")
    try:
        first = next(rows)
    except StopIteration:
        raise ImportInvalid(f"El archivo «{name}» no tiene datos: debajo de los encabezados "
                            f"({expected}) debe haber al menos una línea.",
                            log_message="no data rows") from None
    except ImportInvalid:
        raise
    except Exception as exc:  # noqa: BLE001
        raise unreadable(exc) from exc

    def picked() -> Iterator[tuple[int, dict[str, str]]]:
        for row in chain((first,), rows):
            yield row.line, {f.attr: row.values.get(columns[f.attr], "") if f.attr in columns
                             else "" for f in fields}

    return picked()
