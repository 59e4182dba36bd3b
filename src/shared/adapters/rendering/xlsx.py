"""XlsxWriter in constant-memory mode: rows are written in order and flushed to disk, so a
100,000-row export uses a few MB. A header row, frozen panes, an autofilter and real dates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Sequence

import attrs
import xlsxwriter


@attrs.frozen
class Column:
    title: str
    width: float = 14
    kind: str = "text"  # text | int | date | datetime | percent (a share 0..1)


class SheetWriter:
    def __init__(self, workbook: Any, name: str, columns: Sequence[Column]) -> None:
        self.ws = workbook.add_worksheet(name[:31])
        self.columns = list(columns)
        head = workbook.add_format({"bold": True, "bg_color": "#235B4E", "font_color": "#FFFFFF",
                                    "border": 1, "text_wrap": True, "valign": "top"})
        self.date_fmt = workbook.add_format({"num_format": "dd/mm/yyyy"})
        self.dt_fmt = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.int_fmt = workbook.add_format({"num_format": "#,##0"})
        self.pct_fmt = workbook.add_format({"num_format": "0.0%"})
        for i, col in enumerate(self.columns):
            self.ws.set_column(i, i, col.width)
            self.ws.write_string(0, i, col.title, head)
        self.ws.freeze_panes(1, 0)
        self.row = 0

    def append(self, values: Sequence[Any]) -> None:
        self.row += 1
        r = self.row
        ws = self.ws
        for i, (col, value) in enumerate(zip(self.columns, values)):
            if value is None or value == "":
                continue
            if col.kind == "date" and isinstance(value, date):
                ws.write_datetime(r, i, datetime(value.year, value.month, value.day), self.date_fmt)
            elif col.kind == "datetime" and isinstance(value, datetime):
                ws.write_datetime(r, i, value.replace(tzinfo=None), self.dt_fmt)
            elif col.kind == "int" and isinstance(value, (int, float)):
                ws.write_number(r, i, value, self.int_fmt)
            elif col.kind == "percent" and isinstance(value, (int, float)):
                ws.write_number(r, i, value, self.pct_fmt)
            else:
                ws.write_string(r, i, str(value))

    def finish(self) -> None:
        self.ws.autofilter(0, 0, max(self.row, 1), len(self.columns) - 1)


def write_workbook(path: Path | BinaryIO,
                   sheets: Iterable[tuple[str, Sequence[Column], Iterable[Sequence[Any]]]],
                   tmpdir: Path | None = None) -> int:
    """Write one or more sheets to ``path`` (a file name, or a binary stream that receives the
    finished .xlsx: rows still go through temporary files, so memory stays flat); returns the
    number of data rows written."""
    options: dict[str, Any] = {"constant_memory": True, "strings_to_numbers": False,
                               "remove_timezone": True}
    if tmpdir is not None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        options["tmpdir"] = str(tmpdir)
    target = path if hasattr(path, "write") else str(path)
    workbook = xlsxwriter.Workbook(target, options)
    total = 0
    try:
        for name, columns, rows in sheets:
            sheet = SheetWriter(workbook, name, columns)
            for values in rows:
                sheet.append(values)
            sheet.finish()
            total += sheet.row
    finally:
        workbook.close()
    return total
