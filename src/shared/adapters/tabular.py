"""Read CSV or XLSX files as rows with their line numbers, for line-numbered import errors."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

import attrs


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


def read_rows(path: Path, original_name: str | None = None) -> tuple[list[str], Iterator[SourceRow]]:
    """Returns the normalized header names and an iterator of rows (blank rows skipped)."""
    name = (original_name or path.name).lower()
    head = path.read_bytes()[:4]
    if name.endswith(".xlsx") or head.startswith(b"PK\x03\x04"):
        return _xlsx(path)
    return _csv(path)


def _csv(path: Path) -> tuple[list[str], Iterator[SourceRow]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # Excel on Windows saves CSV as cp1252
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [_key(h) for h in next(reader)]
    except StopIteration:
        return [], iter(())

    def rows() -> Iterator[SourceRow]:
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield SourceRow(line, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)})

    return header, rows()


def _xlsx(path: Path) -> tuple[list[str], Iterator[SourceRow]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = [_key(h) for h in next(it)]
    except StopIteration:
        wb.close()
        return [], iter(())

    def rows() -> Iterator[SourceRow]:
        try:
            for line, values in enumerate(it, start=2):
                cells = [_clean(v) for v in values]
                if not any(cells):
                    continue
                yield SourceRow(line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
        finally:
            wb.close()

    return header, rows()
