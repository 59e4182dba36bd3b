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
        # How each column is written, decided once here rather than per cell: (index, writer,
        # format, accepted types). A value of another type (a "—" in a number column) is
        # written as text. Dates go to XlsxWriter as they are: it converts ``date`` itself and
        # drops the time zone of aware datetimes (``remove_timezone``).
        ws = self.ws
        typed = {"date": (ws.write_datetime, self.date_fmt, date),
                 "datetime": (ws.write_datetime, self.dt_fmt, datetime),
                 "int": (ws.write_number, self.int_fmt, (int, float)),
                 "percent": (ws.write_number, self.pct_fmt, (int, float))}
        self._plan = [(i, *typed.get(col.kind, (ws.write_string, None, str)))
                      for i, col in enumerate(self.columns)]

    def append(self, values: Sequence[Any]) -> None:
        self.row += 1
        r = self.row
        write_string = self.ws.write_string
        for (i, write, fmt, kinds), value in zip(self._plan, values):
            if value is None or value == "":
                continue
            if isinstance(value, kinds):
                write(r, i, value, fmt)
            else:
                write_string(r, i, str(value))

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
