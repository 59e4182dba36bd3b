"""Exchange opportunities (E15): the third bounded context.

It matches the faltantes of one medical unit with the excedentes of another, saves each
analysis as a snapshot and shows it inside the caller's scope. It reads the collection's
records through a port of its own (``application.ports.ExchangeSource``, implemented by
``adapters.sql.source`` over the excedentes tables by name) and never imports ``excedentes``.
"""
