"""E14: the Excel export read back with openpyxl."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from excedentes.adapters.xlsx import XlsxRecordsExporter
from excedentes.application.documents import ExportRow
from excedentes.application.ports import RecordsExporter

HEADER = ["Institución", "Entidad", "CLUES", "Unidad Médica", "Nivel", "Servicio",
          "Grupo de Servicio", "Especialidad", "Producto", "Unidad de Medida", "Tipo",
          "Modalidad", "Causa", "Eventos Mensuales", "Pacientes Mensuales", "Comentario",
          "Valor atípico"]


def rows(n: int):
    for i in range(n):
        shortage = i % 3 != 0
        yield ExportRow(
            institution="ISSSTE", entity="CAMPECHE", clues=f"CCIST{i // 10:06d}",
            unit=f"CALKINÍ {i // 10}", level="PRIMER NIVEL", service="Consulta externa",
            group="Laboratorio de análisis clínicos", specialty="Consulta externa especialidad",
            product="Amigdalectomía con o sin adenoidectomía" if i % 2 else f"Albúmina {i}",
            unit_of_measure="Estudio", kind="Faltante" if shortage else "Excedente",
            modality="Ambulatoria" if i % 2 else "Hospitalaria",
            cause="Falta de Equipo" if shortage else "",
            monthly_events=12_345 + i, monthly_patients=i + 1,
            comment="Campaña de cirugía" if i == 7 else "",
            outlier="12,345 eventos mensuales; en 2025 esta unidad reportó 40" if i == 7 else "")


def test_export_rows_header_frozen_pane_autofilter_and_numbers(tmp_path: Path):
    exporter: RecordsExporter = XlsxRecordsExporter()
    path = tmp_path / "registros.xlsx"
    assert exporter.write(rows(300), path) == 300  # a generator: the export streams

    wb = load_workbook(path)
    ws = wb.active
    assert ws.title == "Registros"
    assert [c.value for c in ws[1]] == HEADER
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:Q301"
    assert ws.max_row == 301
    expected = list(rows(300))
    for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True)):
        want = expected[r]
        assert row[:13] == (want.institution, want.entity, want.clues, want.unit, want.level,
                            want.service, want.group, want.specialty, want.product,
                            want.unit_of_measure, want.kind, want.modality,
                            want.cause or None)
        assert row[13] == want.monthly_events and type(row[13]) is int
        assert row[14] == want.monthly_patients and type(row[14]) is int
        # the row's comment and outlier warning (issue 15), empty cells elsewhere
        assert row[15:] == (want.comment or None, want.outlier or None)
    assert ws["P9"].value == "Campaña de cirugía"
    assert ws["N2"].number_format == "#,##0"
    assert ws["I3"].value == "Amigdalectomía con o sin adenoidectomía"


def test_an_empty_export_still_has_its_header(tmp_path: Path):
    path = tmp_path / "vacio.xlsx"
    assert XlsxRecordsExporter().write(iter(()), path) == 0
    ws = load_workbook(path).active
    assert [c.value for c in ws[1]] == HEADER
    assert ws.freeze_panes == "A2"
