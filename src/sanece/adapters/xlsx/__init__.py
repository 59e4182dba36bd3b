"""XLSX adapters of the sanece context (XlsxWriter, constant memory)."""

from sanece.adapters.xlsx.extraction import XlsxExtractionWriter

__all__ = ["XlsxExtractionWriter"]
