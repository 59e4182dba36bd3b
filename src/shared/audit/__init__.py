"""Audit trail: port and entry type; the SQL adapter lives in ``shared.audit.adapters``."""
