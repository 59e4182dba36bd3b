"""Wiring of the excedentes context: its sub-container and plug-ins."""
