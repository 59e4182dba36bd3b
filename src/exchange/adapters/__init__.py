"""Adapters of the exchange context: SQL (``sql/``), the Excel/PDF documents and the
min-cost flow solver."""
