"""fpdf2 base document: embedded Unicode font (accents render), per-page header/footer
callbacks and "Página N de M".

Rows are drawn with a plain ``cell()`` loop at a fixed height: fpdf2's ``table()`` API is an
order of magnitude slower on reports of thousands of rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Callable

from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"


class BaseDocument(FPDF):
    def __init__(self, orientation: str = "P", *, title: str = "", author: str = "") -> None:
        super().__init__(orientation=orientation, unit="mm", format="Letter")
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_font(FONT, size=9)
        self.set_auto_page_break(True, margin=22)
        self.set_margins(12, 12, 12)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("SAnECE / Excedentes y Faltantes")
        self.on_header: Callable[["BaseDocument"], None] | None = None
        self.on_footer: Callable[["BaseDocument"], None] | None = None
        self.page_label = "Página {n} de {nb}"

    def header(self) -> None:
        if self.on_header:
            self.on_header(self)

    def footer(self) -> None:
        if self.on_footer:
            self.on_footer(self)
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, self.page_label.format(n=self.page_no(), nb="{nb}"), align="R")

    def font(self, size: float = 9, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", size)

    def save(self, out: BinaryIO) -> None:
        out.write(bytes(self.output()))

    def fit(self, text: str, width: float) -> str:
        """Shorten ``text`` so that it fits in ``width`` mm in the current font (one line)."""
        if self.get_string_width(text) <= width - 1.5:
            return text
        while text and self.get_string_width(text + "…") > width - 1.5:
            text = text[:-1]
        return text + "…"


def thousands(n: int | None) -> str:
    return "" if n is None else f"{int(n):,}"
