"""Wiring of the sanece context: its sub-container and plug-ins."""
