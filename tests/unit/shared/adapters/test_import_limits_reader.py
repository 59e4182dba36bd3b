"""The shared CSV/XLSX reader refuses files past the import limits before or while parsing,
with a Spanish message (``ImportInvalid``), instead of exhausting memory or time."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from shared.adapters.tabular import read_rows
from shared.kernel.imports import ImportInvalid, ImportLimits

HEADER = ["Servicio", "Grupo de Servicio", "Especialidad", "Producto", "Unidad de Medida"]
SMALL = ImportLimits(max_bytes=256 * 1024, max_rows=50, max_unzipped_bytes=4 * 1024 * 1024,
                     max_line_chars=500)


def _xlsx(path: Path, rows: int) -> Path:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADER)
    for i in range(rows):
        ws.append(["S", "G", "E", f"Producto {i}", "Pieza"])
    wb.save(path)
    return path


def plain_xlsx(path: Path) -> Path:
    """A small workbook saved the usual way (its texts in xl/sharedStrings.xml)."""
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(["S", "G", "E", "P", "Pieza"])
    wb.save(path)
    return path


def with_huge_text(src: Path, dst: Path, mb: int) -> Path:
    """``src`` with a shared-strings table holding one text of ``mb`` megabytes (what Excel
    writes for a huge cell): a few hundred KB zipped."""
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
           b'uniqueCount="1">')
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/sharedStrings.xml":
                sst = data.decode("utf-8").rsplit("</sst>", 1)[0].encode()
            else:
                zout.writestr(info, data)
        with zout.open("xl/sharedStrings.xml", "w") as out:
            out.write(sst + b"<si><t>")
            chunk = b"A" * (1024 * 1024)
            for _ in range(mb):
                out.write(chunk)
            out.write(b"</t></si></sst>")
    return dst


def _all(path: Path, limits: ImportLimits, name: str = "f.xlsx") -> list:
    header, rows = read_rows(path, name, limits)
    return [header, *rows]


def test_an_xlsx_within_the_limits_is_read(tmp_path):
    assert len(_all(_xlsx(tmp_path / "ok.xlsx", 50), SMALL)) == 51


def test_too_many_rows_are_refused_by_the_declared_dimension(tmp_path):
    with pytest.raises(ImportInvalid, match="más de 50 líneas de datos"):
        _all(_xlsx(tmp_path / "big.xlsx", 51), SMALL)


def test_too_many_rows_are_refused_while_parsing_when_the_dimension_lies(tmp_path):
    src = _xlsx(tmp_path / "big.xlsx", 80)
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:E2"/>', data)
            zout.writestr(info, data)
    header, rows = read_rows(lying, "lying.xlsx", SMALL)
    with pytest.raises(ImportInvalid, match="más de 50 líneas"):
        list(rows)


def test_a_huge_shared_string_is_refused_before_parsing(tmp_path):
    bomb = with_huge_text(plain_xlsx(tmp_path / "src.xlsx"), tmp_path / "bomb.xlsx", 8)
    assert bomb.stat().st_size < 100 * 1024  # small on disk, 8 MB once inflated
    with pytest.raises(ImportInvalid, match="al descomprimirse"):
        read_rows(bomb, "bomb.xlsx", SMALL)


def test_the_texts_table_has_its_own_smaller_limit(tmp_path):
    limits = ImportLimits(max_unzipped_bytes=20 * 1024 * 1024)  # texts: 2 MB
    bomb = with_huge_text(plain_xlsx(tmp_path / "src.xlsx"), tmp_path / "bomb.xlsx", 3)
    with pytest.raises(ImportInvalid, match="Los textos del archivo «bomb.xlsx» ocupan más de 2 MB"):
        read_rows(bomb, "bomb.xlsx", limits)


def test_an_oversize_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(",".join(HEADER) + "\n" + "S,G,E,P,U\n" * 30_000)
    with pytest.raises(ImportInvalid, match="excede el tamaño máximo permitido de 256 KB"):
        read_rows(path, "big.csv", SMALL)


def test_a_csv_with_too_many_rows_is_refused_while_parsing(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(",".join(HEADER) + "\n" + "S,G,E,P,U\n" * 51)
    header, rows = read_rows(path, "rows.csv", SMALL)
    with pytest.raises(ImportInvalid, match="más de 50 líneas"):
        list(rows)


def test_a_csv_line_too_long_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(",".join(HEADER) + "\nS,G,E," + "P" * 600 + ",U\n")
    header, rows = read_rows(path, "long.csv", SMALL)
    with pytest.raises(ImportInvalid, match="La línea 2 del archivo «long.csv» tiene más de 500 caracteres"):
        list(rows)
