"""Small, valid sample files for demo data and tests: a PDF standing for a scanned document
(a signed report, a vigencia de derechos) and a PNG standing for a photographed note. They pass
the upload policies' content sniffing like real ones."""

from __future__ import annotations

import struct
import zlib
from typing import Sequence


def tiny_pdf(title: str, lines: Sequence[str] = ()) -> bytes:
    """A one-page Letter PDF with a title and a few lines (Latin-1 text, core font)."""
    from fpdf import FPDF

    pdf = FPDF(format="Letter")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 10, title.encode("latin-1", "replace").decode("latin-1"))
    pdf.ln(12)
    pdf.set_font("helvetica", size=11)
    for line in lines:
        pdf.cell(0, 8, line.encode("latin-1", "replace").decode("latin-1"))
        pdf.ln(8)
    return bytes(pdf.output())


def tiny_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (105, 28, 50)) -> bytes:
    """A plain RGB PNG of one colour (guinda by default)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
