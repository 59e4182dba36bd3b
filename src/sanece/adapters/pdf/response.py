"""The SAnECE formato de respuesta of one folio (S4), drawn with fpdf2 on the platform's base
document (embedded DejaVu font: accents and "Ñ" render; "Página N de M").

Layout (Letter, portrait): the institution's header lines, "Formato de respuesta", the print
date, then the folio's data in the order of the guide's Detalle window — Folio, Genérico,
Estatus (with Vigente / Vencido), Fecha de evaluación, Periodo (meses), Fecha de vencimiento
(or Fecha de baja), Paciente, NSS y agregado, Diagnóstico, OOAD/UMAE, Unidad, Clave 1, Clave 2
with their presentation and cantidad, Requerimiento, Observaciones — as label/value rows; long
texts wrap inside their row.
"""

from __future__ import annotations

from typing import BinaryIO

from sanece.application.documents import DrugLine, FolioResponseDocument
from sanece.domain.model import nss_aggregate
from sanece.domain.values import format_date
from shared.adapters.rendering.pdf import BaseDocument

LABEL_W = 48.0  # mm of the label column
ROW_H = 5.5
TITLE = "Formato de respuesta"
SYSTEM = "Módulo del Sistema de Análisis y Evaluación de Casos Específicos (SAnECE)"


class FpdfFolioResponseRenderer:
    """``FolioPdfRenderer`` port: one PDF per call, written to ``out``; returns the pages."""

    def render(self, document: FolioResponseDocument, out: BinaryIO) -> int:
        pdf = _ResponsePdf(document)
        pdf.build()
        pdf.save(out)
        return pdf.page


def drug_text(line: DrugLine | None) -> str:
    if line is None:
        return ""
    presentation = f" {line.description}" if line.description else ""
    return f"{line.key}{presentation} — Cantidad: {line.quantity}"


class _ResponsePdf(BaseDocument):
    def __init__(self, doc: FolioResponseDocument) -> None:
        super().__init__("P", title=f"{TITLE} - Folio {doc.folio}",
                         author=doc.header_lines[0] if doc.header_lines else "")
        self.doc = doc
        self.content_width = self.w - self.l_margin - self.r_margin
        self.on_footer = _ResponsePdf._footer

    def _footer(self) -> None:
        self.set_y(-17)
        self.font(7)
        self.cell(0, 4, f"Folio {self.doc.folio} · Información vigente a la fecha de impresión; "
                        "los cambios validados se reflejan al volver a descargar el formato.",
                  align="L")

    def build(self) -> None:
        doc = self.doc
        self.add_page()
        for i, line in enumerate(doc.header_lines):
            self.font(11 if i == 0 else 9, bold=i == 0)
            self.multi_cell(0, 5, line, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.font(10, bold=True)
        self.multi_cell(0, 6, f"{TITLE} del SAnECE", align="C", new_x="LMARGIN", new_y="NEXT")
        self.font(8)
        self.cell(0, 5, f"Fecha de impresión: {doc.printed_at:%d/%m/%Y %H:%M:%S}", align="R",
                  new_x="LMARGIN", new_y="NEXT")
        if doc.version_line:
            self.cell(0, 5, doc.version_line, align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        status = doc.status + (f" ({doc.validity})" if doc.validity else "")
        period = str(doc.period_months) if doc.period_months is not None else ""
        drugs = list(doc.drugs) + [None, None]
        self._section("Datos del folio")
        self._row("Folio:", doc.folio, bold=True)
        self._row("Genérico:", doc.generic)
        self._row("Estatus:", status)
        self._row("Fecha de evaluación:", format_date(doc.evaluation_date))
        self._row("Periodo (meses):", period)
        self._row("Fecha de vencimiento:", format_date(doc.expiry_date)
                  + (" (ampliada)" if doc.extended else ""))
        if doc.cancellation_date is not None:
            self._row("Fecha de baja:", format_date(doc.cancellation_date))
        self._section("Paciente")
        self._row("Paciente:", doc.patient_name)
        self._row("NSS y agregado:", nss_aggregate(doc.nss, doc.aggregate))
        self._row("Diagnóstico:", doc.diagnosis)
        self._section("Unidad médica")
        self._row("OOAD/UMAE:", doc.ooad)
        self._row("Unidad:", doc.unit)
        self._section("Tratamiento")
        self._row("Clave 1:", drug_text(drugs[0]))
        self._row("Clave 2:", drug_text(drugs[1]))
        self._row("Requerimiento:", doc.requirement)
        self._row("Observaciones:", doc.observations)

    def _section(self, title: str) -> None:
        self.ln(1.5)
        self.font(9, bold=True)
        self.set_fill_color(35, 91, 78)  # verde gob.mx #235B4E
        self.set_text_color(255, 255, 255)
        self.cell(0, 6, f"  {title}", fill=True, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def _row(self, label: str, value: str, bold: bool = False) -> None:
        value_w = self.content_width - LABEL_W
        self.font(9, bold=bold)
        lines = self.multi_cell(value_w, ROW_H, value or "—", align="L", dry_run=True,
                                output="LINES")
        height = ROW_H * max(1, len(lines))
        if self.y + height > self.page_break_trigger:
            self.add_page()
        top = self.y
        self.font(9, bold=True)
        self.set_draw_color(200, 200, 200)
        self.cell(LABEL_W, ROW_H, label)  # top-aligned beside a value of several lines
        self.line(self.l_margin, top + height, self.l_margin + LABEL_W, top + height)
        self.font(9, bold=bold)
        self.set_xy(self.l_margin + LABEL_W, top)
        self.multi_cell(value_w, ROW_H, value or "—", border="B", align="L", new_x="LMARGIN",
                        new_y="NEXT")
        self.set_y(max(self.y, top + height))
