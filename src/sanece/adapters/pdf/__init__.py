"""PDF adapters of the sanece context (fpdf2)."""

from sanece.adapters.pdf.response import FpdfFolioResponseRenderer

__all__ = ["FpdfFolioResponseRenderer"]
