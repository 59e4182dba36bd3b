"""The Excel workbook (read back with openpyxl) and the PDF summary (read back with pypdf) of
a saved analysis, for the whole country and inside a capturista's scope."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from exchange.application.model import ViewFilter
from exchange.application.use_cases import RunExchangeCommand
from tests.integration.excedentes.support import ADMIN, U_BS, U_OCTUBRE, YEAR

from .support import CAP_BS


def _sheet(wb, name):
    rows = list(wb[name].iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_workbook_and_summary(xch, xworld, tmp_path):
    aid = xch.run_analysis()(ADMIN, RunExchangeCommand(YEAR)).analysis.id
    path = tmp_path / "nacional.xlsx"
    exported = xch.export_workbook()(ADMIN, aid, ViewFilter(), path)
    assert exported.rows == 8
    wb = load_workbook(path, read_only=False)
    assert wb.sheetnames == ["Resumen", "Comparación", "Potencial", "Productos", "Intercambios"]
    head, summary = _sheet(wb, "Resumen")
    values = dict(summary)
    assert values["Periodo"] == "2026"
    assert values["Ámbito"] == "Nacional (todas las instituciones)"
    assert len(values["Huella de los datos"]) == 64
    head, comparison = _sheet(wb, "Comparación")
    assert head[:4] == ("Indicador", "Voraz", "Óptima", "Lo que agrega el óptimo")
    by_name = {r[0]: r for r in comparison}
    assert by_name["Pacientes mensuales cubiertos"][1:4] == (21, 23, 2)
    assert abs(by_name["Pacientes mensuales cubiertos"][5] - 23 / 36) < 1e-9
    assert wb["Comparación"]["F6"].number_format == "0.0%"  # a real percentage
    head, potential = _sheet(wb, "Potencial")
    levels = [r[0] for r in potential]
    assert levels[0] == "Total" and levels.count("Institución") == 2
    assert levels.count("Estado") == 5 and "Entidad" in levels
    total = potential[0]
    assert (total[3], total[4]) == (6, 36)
    head, exchanges = _sheet(wb, "Intercambios")
    assert head[0] == "No." and "CLUES solicitante" in head and "CLUES proveedora" in head
    assert len(exchanges) == 8
    assert [r[0] for r in exchanges] == list(range(1, 9))
    col = {name: i for i, name in enumerate(head)}
    first = exchanges[0]
    assert (first[col["CLUES solicitante"]], first[col["Producto"]],
            first[col["Pacientes Mensuales"]]) == (U_OCTUBRE, "Anestesia", 4)
    assert wb["Intercambios"].freeze_panes == "A2"

    # The capturista of BS: only the exchanges BS takes part in.
    mine = tmp_path / "bs.xlsx"
    assert xch.export_workbook()(CAP_BS, aid, ViewFilter(), mine).rows == 3
    wb = load_workbook(mine)
    _, exchanges = _sheet(wb, "Intercambios")
    assert all(U_BS in (r[col["CLUES solicitante"]], r[col["CLUES proveedora"]])
               for r in exchanges)
    assert dict(_sheet(wb, "Resumen")[1])["Ámbito"] == "BAJA CALIFORNIA SUR (SS)"

    out = io.BytesIO()
    pages = xch.print_summary()(ADMIN, aid, ViewFilter(state="02"), out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == pages >= 1
    text = "\n".join(p.extract_text() for p in reader.pages)
    for expected in ("Oportunidades de intercambio de servicios médicos",
                     "Asignación voraz y asignación óptima", "Filtro: estado BAJA CALIFORNIA.",
                     "Potencial de intercambio por institución", "BAJA CALIFORNIA",
                     "Productos con más pacientes faltantes", "Anestesia",
                     "archivo Excel", "Página 1 de"):
        assert expected in text, expected
