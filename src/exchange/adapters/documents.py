"""Documents of a saved exchange analysis (E15): the Excel workbook and the PDF summary.

Both take the application's ``ExchangeReport`` (plain data) and know nothing of SQL or HTTP.

- Workbook (XlsxWriter, constant memory, through ``shared.adapters.rendering.xlsx``): sheets
  "Resumen" (what the analysis was run with), "Comparación" (greedy vs optimum side by side),
  "Potencial" (total, institutions, states and entities, both methods), "Productos" (the
  products with most faltante patients) and "Intercambios" (every proposed exchange of the
  optimum, streamed from the report's lazy iterable). Counts are numbers, shares are real
  percentages, every sheet has a header row, frozen panes and a filter.
- Summary (fpdf2 on ``shared.adapters.rendering.pdf.BaseDocument``, Letter portrait): the
  parameters, greedy vs optimum, the potential per institution and per state (with a bar
  per row), the top products; the list of exchanges is in the workbook (said on the page).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Sequence

import attrs

from exchange.application.model import ExchangeLine
from exchange.application.views import ExchangeReport, Figures, PotentialRow, comparison_rows
from exchange.application.views import percent_text as percent
from exchange.domain.values import format_datetime
from shared.adapters.rendering.pdf import BaseDocument, thousands
from shared.adapters.rendering.xlsx import Column, write_workbook

TITLE = "Oportunidades de intercambio de servicios médicos"
EXCEL_NOTE = "La lista completa de intercambios propuestos está en el archivo Excel del análisis."


def _yes_no(flag: bool) -> str:
    return "Sí" if flag else "No"


def summary_lines(report: ExchangeReport) -> list[tuple[str, str]]:
    """(concept, value) of what the analysis was run with, in reading order."""
    ov = report.overview
    a = ov.analysis
    lines = [
        ("Análisis", str(a.id)),
        ("Periodo", str(a.year)),
        ("Ejecutado", f"{format_datetime(a.created_at)} por {a.created_by}"),
        ("Ámbito", ov.scope_label),
        ("Criterios", a.criteria.text),
        ("Parámetros", a.parameters_text),
        ("Filtro", ov.filter.text),
        ("Registros del análisis",
         f"{thousands(a.shortages)} faltantes y {thousands(a.surpluses)} excedentes"
         + (f"; {thousands(a.unplaced)} sin estado reconocido (no se comparan)"
            if a.unplaced else "")),
        ("Óptimo demostrado", _yes_no(a.exact)),
        ("Huella de los datos", a.input_fingerprint),
        ("Fecha de impresión", report.printed_at.strftime("%d/%m/%Y %H:%M:%S")),
    ]
    return lines


# --------------------------------------------------------------------------- workbook

_TEXT_SHEET = (Column("Concepto", 26), Column("Valor", 100))
_COMPARISON = (Column("Indicador", 42), Column("Voraz", 13, "int"),
               Column("Óptima", 13, "int"), Column("Lo que agrega el óptimo", 14, "int"),
               Column("Voraz %", 11, "percent"), Column("Óptima %", 11, "percent"))
_POTENTIAL = (Column("Nivel", 12), Column("Institución", 12), Column("Entidad o estado", 30),
              Column("Registros faltantes", 12, "int"),
              Column("Pacientes requeridos", 12, "int"),
              Column("Voraz: cubiertos totalmente", 13, "int"),
              Column("Voraz: cubiertos parcialmente", 13, "int"),
              Column("Voraz: % registros cubiertos", 12, "percent"),
              Column("Voraz: pacientes cubiertos", 12, "int"),
              Column("Voraz: % pacientes cubiertos", 12, "percent"),
              Column("Óptima: cubiertos totalmente", 13, "int"),
              Column("Óptima: cubiertos parcialmente", 13, "int"),
              Column("Óptima: % registros cubiertos", 12, "percent"),
              Column("Óptima: pacientes cubiertos", 12, "int"),
              Column("Óptima: % pacientes cubiertos", 12, "percent"))
_PRODUCTS = (Column("Producto", 50), Column("Unidad de Medida", 14),
             Column("Grupo de Servicio", 26), Column("Registros faltantes", 12, "int"),
             Column("Pacientes requeridos", 12, "int"),
             Column("Pacientes cubiertos (voraz)", 12, "int"),
             Column("Pacientes cubiertos (óptima)", 12, "int"),
             Column("% pacientes cubiertos (óptima)", 12, "percent"))
_EXCHANGES = (Column("No.", 7, "int"), Column("Nivel", 14),
              Column("Institución solicitante", 12), Column("Entidad solicitante", 22),
              Column("Estado solicitante", 18), Column("CLUES solicitante", 13),
              Column("Unidad Médica solicitante", 34), Column("Institución proveedora", 12),
              Column("Entidad proveedora", 22), Column("Estado proveedor", 18),
              Column("CLUES proveedora", 13), Column("Unidad Médica proveedora", 34),
              Column("Grupo de Servicio", 24), Column("Producto", 44),
              Column("Unidad de Medida", 13), Column("Ambulatorio/Hospitalario", 13),
              Column("Pacientes Mensuales", 11, "int"),
              Column("Pacientes Mensuales del faltante", 12, "int"))


def _figures(f: Figures) -> tuple:
    return (f.records_fully_covered, f.records_partly_covered, f.share_records_covered,
            f.patients_covered, f.share_patients_covered)


def _potential_rows(report: ExchangeReport) -> Iterator[tuple]:
    ov = report.overview
    levels: list[tuple[str, Iterable[PotentialRow]]] = [
        ("Total", [ov.total]), ("Institución", ov.institutions), ("Entidad", report.entities)]
    for level, rows in levels:
        for r in rows:
            place = r.label if level == "Entidad" else ("" if level != "Total" else ov.scope_label)
            yield (level, r.institution or "", place, r.optimal.shortage_records,
                   r.optimal.patients_needed, *_figures(r.greedy), *_figures(r.optimal))
    for s in ov.states:
        yield ("Estado", "", s.name, s.optimal.shortage_records, s.optimal.patients_needed,
               *_figures(s.greedy), *_figures(s.optimal))


def _exchange_rows(lines: Iterable[ExchangeLine], counter: list[int]) -> Iterator[tuple]:
    for e in lines:
        counter[0] += 1
        q, p = e.requesting, e.providing
        yield (e.number, e.tier_label, q.institution, q.entity_name, q.state_name, q.clues,
               q.unit_name, p.institution, p.entity_name, p.state_name, p.clues, p.unit_name,
               e.group, e.product, e.unit_of_measure, e.modality, e.patients,
               e.shortage_patients)


class ExchangeDocumentsAdapter:
    """``ExchangeDocuments`` port."""

    def write_workbook(self, report: ExchangeReport, path: Path | BinaryIO) -> int:
        ov = report.overview
        counter = [0]
        comparison = [(name, g, o, o - g, gs, os_) for name, g, o, gs, os_ in
                      comparison_rows(ov.comparison)]
        products = [(p.name, p.unit_of_measure, p.group, p.shortage_records, p.patients_needed,
                     p.patients_covered_greedy, p.patients_covered, p.share_patients_covered)
                    for p in ov.products]
        write_workbook(path, [
            ("Resumen", _TEXT_SHEET, summary_lines(report)),
            ("Comparación", _COMPARISON, comparison),
            ("Potencial", _POTENTIAL, _potential_rows(report)),
            ("Productos", _PRODUCTS, products),
            ("Intercambios", _EXCHANGES, _exchange_rows(report.exchanges, counter)),
        ])
        return counter[0]

    def render_summary(self, report: ExchangeReport, out: BinaryIO) -> int:
        pdf = _SummaryPdf(report)
        pdf.build()
        pdf.save(out)
        return pdf.page


# --------------------------------------------------------------------------- PDF

ROW_H = 5.0
BODY_PT = 7.5
HEADER_PT = 6.5
VERDE = (35, 91, 78)
GUINDA = (105, 28, 50)
DORADO = (188, 149, 92)
HEADER_GRAY = 225


@attrs.frozen
class _Col:
    title: str
    width: float
    align: str = "L"


class _SummaryPdf(BaseDocument):
    def __init__(self, report: ExchangeReport) -> None:
        a = report.overview.analysis
        super().__init__("P", title=f"{TITLE} - Análisis {a.id} - {a.year}")
        self.report = report
        self.on_header = _SummaryPdf._running_header
        self._columns: Sequence[_Col] = ()

    def _running_header(self) -> None:
        if self.page_no() == 1:
            return
        a = self.report.overview.analysis
        self.font(7)
        self.set_text_color(90)
        self.cell(0, 4, f"{TITLE} · Análisis {a.id} · Periodo {a.year} · "
                        f"{self.report.overview.scope_label}", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(2)

    def build(self) -> None:
        ov = self.report.overview
        self.add_page()
        self.font(13, bold=True)
        self.set_text_color(*GUINDA)
        self.cell(0, 7, TITLE, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(1)
        for concept, value in summary_lines(self.report):
            self.font(7.5, bold=True)
            self.cell(34, 4.2, concept + ":")
            self.font(7.5)
            self.multi_cell(0, 4.2, value, new_x="LMARGIN", new_y="NEXT")
        self._heading("Asignación voraz y asignación óptima")
        self._table((_Col("Indicador", 78), _Col("Voraz", 24, "R"), _Col("%", 16, "R"),
                     _Col("Óptima", 24, "R"), _Col("%", 16, "R"),
                     _Col("Lo que agrega el óptimo", 33.9, "R")),
                    [(name, thousands(g), "" if gs is None else percent(gs), thousands(o),
                      "" if os_ is None else percent(os_), f"{o - g:+,}")
                     for name, g, o, gs, os_ in comparison_rows(ov.comparison)])
        self._heading("Potencial de intercambio por institución")
        self._potential_table("Institución", [(r.label, r) for r in ov.institutions])
        self._heading("Faltantes, excedentes y potencial de intercambio por estado")
        self._state_table()
        self._heading(f"Productos con más pacientes faltantes (primeros {len(ov.products)})")
        self._table((_Col("Producto", 78), _Col("Unidad de Medida", 24),
                     _Col("Faltantes", 18, "R"), _Col("Pacientes", 22, "R"),
                     _Col("Cubiertos (óptima)", 26, "R"), _Col("%", 23.9, "R")),
                    [(p.name, p.unit_of_measure, thousands(p.shortage_records),
                      thousands(p.patients_needed), thousands(p.patients_covered),
                      percent(p.share_patients_covered)) for p in ov.products])
        self.ln(3)
        self.font(8)
        self.cell(0, 5, EXCEL_NOTE, new_x="LMARGIN", new_y="NEXT")

    # ----------------------------------------------------------------- pieces

    def _heading(self, text: str) -> None:
        if self.get_y() + 20 > self.page_break_trigger:
            self.add_page()
        self.ln(3)
        self.font(10, bold=True)
        self.set_text_color(*VERDE)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)

    def _header_row(self) -> None:
        self.font(HEADER_PT, bold=True)
        self.set_fill_color(HEADER_GRAY)
        for col in self._columns:
            self.cell(col.width, ROW_H + 1, self.fit(col.title, col.width), border=1,
                      align="C", fill=True)
        self.ln(ROW_H + 1)
        self.font(BODY_PT)

    def _table(self, columns: Sequence[_Col], rows: Sequence[Sequence[str]],
               bars: Sequence[float | None] | None = None, bar_column: int | None = None
               ) -> None:
        """A plain ``cell()`` table with its header repeated after a page break; an optional
        bar (a share 0..1) drawn inside ``bar_column``."""
        self._columns = columns
        self._header_row()
        if not rows:
            self.cell(sum(c.width for c in columns), ROW_H, "Sin registros.", border=1)
            self.ln(ROW_H)
            return
        for i, values in enumerate(rows):
            if self.get_y() + ROW_H > self.page_break_trigger:
                self.add_page()
                self._header_row()
            y = self.get_y()
            for col, value in zip(columns, values):
                self.cell(col.width, ROW_H, self.fit(str(value), col.width), border=1,
                          align=col.align)
            if bars is not None and bar_column is not None and bars[i] is not None:
                x = self.l_margin + sum(c.width for c in columns[:bar_column])
                width = columns[bar_column].width - 2
                self.set_fill_color(*DORADO)
                self.rect(x + 1, y + 1.2, max(0.0, min(1.0, bars[i])) * width, ROW_H - 2.4,
                          style="F")
            self.ln(ROW_H)

    def _potential_table(self, first: str, rows: Sequence[tuple[str, PotentialRow]]) -> None:
        self._table(
            (_Col(first, 50), _Col("Faltantes", 18, "R"), _Col("% reg. voraz", 20, "R"),
             _Col("% reg. óptima", 20, "R"), _Col("% pac. voraz", 20, "R"),
             _Col("% pac. óptima", 20, "R"), _Col("Pacientes óptima", 23.9, "R"),
             _Col("", 20)),
            [(label, thousands(r.optimal.shortage_records), percent(r.greedy.share_records_covered),
              percent(r.optimal.share_records_covered),
              percent(r.greedy.share_patients_covered),
              percent(r.optimal.share_patients_covered), thousands(r.optimal.patients_covered),
              "") for label, r in rows],
            bars=[r.optimal.share_records_covered for _, r in rows], bar_column=7)

    def _state_table(self) -> None:
        states = self.report.overview.states
        self._table(
            (_Col("Estado", 44), _Col("Faltantes", 18, "R"), _Col("Excedentes", 18, "R"),
             _Col("Pac. faltantes", 22, "R"), _Col("Pac. excedentes", 22, "R"),
             _Col("% reg. óptima", 20, "R"), _Col("% pac. óptima", 20, "R"), _Col("", 27.9)),
            [(s.name, thousands(s.shortage_records), thousands(s.surplus_records),
              thousands(s.shortage_patients), thousands(s.surplus_patients),
              percent(s.optimal.share_records_covered),
              percent(s.optimal.share_patients_covered), "") for s in states],
            bars=[s.optimal.share_records_covered if s.shortage_records else None
                  for s in states], bar_column=7)
