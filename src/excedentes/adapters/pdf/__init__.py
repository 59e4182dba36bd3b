"""PDF adapters of the excedentes context (fpdf2)."""

from excedentes.adapters.pdf.report import FpdfReportRenderer

__all__ = ["FpdfReportRenderer"]
