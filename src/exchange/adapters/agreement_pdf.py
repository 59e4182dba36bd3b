"""The PDF "Acuerdo de intercambio de servicios" of an accepted agreement (fpdf2 on the shared
``BaseDocument``, Letter portrait): folio, both parties (institution, entity, unit, CLUES),
the service, patients per month, the dates, both signature blocks with the institutions'
labels, and on every page the folio and the content fingerprint (as the collection's final
report does), so that a printed or scanned page is traced to what was agreed."""

from __future__ import annotations

from typing import BinaryIO

from exchange.application.agreements import AgreementDocument
from exchange.application.model import UnitInfo
from shared.adapters.rendering.pdf import BaseDocument, thousands

TITLE = "Acuerdo de intercambio de servicios"


def _date(d: object) -> str:
    return d.strftime("%d/%m/%Y") if hasattr(d, "strftime") else str(d)


class _AgreementPdf(BaseDocument):
    def __init__(self, doc: AgreementDocument) -> None:
        super().__init__("P", title=TITLE, author="Coordinación de intercambio de servicios")
        self.doc = doc
        self.set_auto_page_break(True, margin=26)
        self.on_footer = _trace

    def build(self) -> None:
        doc, s = self.doc, self.doc.stored
        a = s.agreement
        t = a.terms
        self.add_page()
        self.font(14, bold=True)
        self.cell(0, 8, TITLE, new_x="LMARGIN", new_y="NEXT", align="C")
        self.font(9)
        self.cell(0, 5, f"Folio {s.folio} · Estado: {doc.status.label} · Impreso el "
                        f"{doc.printed_at.strftime('%d/%m/%Y %H:%M')}",
                  new_x="LMARGIN", new_y="NEXT", align="C")
        self.ln(4)
        self._party("Parte solicitante (recibe pacientes)", s.requesting)
        self._party("Parte proveedora (atiende pacientes)", s.providing)
        self._heading("Servicio convenido")
        rows = [("Producto o servicio", a.product),
                ("Unidad de medida", s.unit_of_measure or "—"),
                ("Grupo de servicio", s.service_group or "—"),
                ("Modalidad", a.modality.value),
                ("Pacientes por mes", thousands(t.patients)),
                ("Vigencia", f"del {_date(t.start)} al {_date(t.end)} "
                             f"({len(a.months())} meses)")]
        if a.agreed is not None and a.agreed != a.proposed:
            p = a.proposed
            rows.append(("Propuesta original", f"{thousands(p.patients)} pacientes por mes, del "
                                               f"{_date(p.start)} al {_date(p.end)}"))
        if s.analysis_id:
            rows.append(("Origen", f"Intercambio propuesto del análisis {s.analysis_id}"))
        if a.notes:
            rows.append(("Observaciones", a.notes))
        self._rows(rows)
        self.ln(3)
        self.font(9)
        self.multi_cell(0, 5, (
            f"La parte proveedora atenderá hasta {thousands(t.patients)} pacientes por mes de "
            f"la parte solicitante durante la vigencia, y registrará cada mes los pacientes "
            "efectivamente atendidos. Cualquiera de las partes puede cancelar el acuerdo "
            "indicando el motivo."), new_x="LMARGIN", new_y="NEXT")
        self._signatures()

    def _heading(self, text: str) -> None:
        self.ln(2)
        self.font(10, bold=True)
        self.set_fill_color(230, 236, 242)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT", fill=True)
        self.font(9)

    def _rows(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.font(9, bold=True)
            self.cell(48, 5.5, label)
            self.font(9)
            self.multi_cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")

    def _party(self, title: str, u: UnitInfo) -> None:
        self._heading(title)
        self._rows([("Institución", f"{u.institution_name} ({u.institution})"),
                    ("Entidad", f"{u.entity_name} ({u.entity})"),
                    ("Unidad médica", u.name), ("CLUES", u.clues),
                    ("Estado", u.state_name)])

    def _signatures(self) -> None:
        s = self.doc.stored
        if self.get_y() > self.h - 26 - 45:
            self.add_page()
        self.ln(10)
        top = self.get_y()
        half = self.epw / 2
        for i, (side, u) in enumerate((("Por la parte solicitante", s.requesting),
                                       ("Por la parte proveedora", s.providing))):
            x = self.l_margin + i * half + 4
            width = half - 8
            self.set_xy(x, top)
            self.font(8, bold=True)
            self.cell(width, 4, self.fit(side, width))
            self.set_xy(x, top + 4)
            self.font(8)
            self.cell(width, 4, self.fit(f"{u.institution_name} ({u.institution})", width))
            self.line(x, top + 24, x + width, top + 24)
            self.set_xy(x, top + 25)
            self.cell(width, 4, "Nombre, cargo y firma")


def _trace(pdf: BaseDocument) -> None:
    doc = pdf.doc  # type: ignore[attr-defined]
    pdf.set_xy(pdf.l_margin, -12)
    pdf.font(7)
    pdf.cell(pdf.epw * 0.75, 5, f"Folio: {doc.stored.folio}    Huella: {doc.fingerprint}")


class AgreementPdf:
    """``AgreementDocuments`` on fpdf2."""

    def render_agreement(self, doc: AgreementDocument, out: BinaryIO) -> int:
        pdf = _AgreementPdf(doc)
        pdf.build()
        pdf.save(out)
        return pdf.page_no()
