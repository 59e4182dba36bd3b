"""Excel adapters of the excedentes context (XlsxWriter)."""

from excedentes.adapters.xlsx.export import XlsxRecordsExporter

__all__ = ["XlsxRecordsExporter"]
