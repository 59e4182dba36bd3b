"""The exchange context's own container; the root container supplies its outside needs
(``sessions``, ``clock``).

Providers (all lazy; nothing is built at import time):

- ``source`` (the collection's records, read from the excedentes tables by name),
  ``read_model`` and ``uow`` (saved analyses), ``documents`` (Excel/PDF), ``solver`` (the
  min-cost flow library behind the ``FlowSolver`` port);
- ``queries`` (``ExchangeQueries``: every page's data, scoped) and the use cases
  ``run_analysis``, ``export_workbook``, ``print_summary``.

The root container declares it as ``exchange`` (``providers.Container``).
"""

from __future__ import annotations

from dependency_injector import containers, providers

from entrypoints.lazy import by_path
from exchange.adapters.sql.analyses import SqlExchangeReadModel, SqlExchangeUnitOfWork
from exchange.adapters.sql.source import SqlExchangeSource
from exchange.application.use_cases import (
    ExchangeQueries,
    ExportExchange,
    PrintExchangeSummary,
    RunExchangeAnalysis,
)
from shared.audit.adapters.sql import SqlAuditLog

# Adapters with heavy imports, by import path (built on first use).
DOCUMENTS = "exchange.adapters.documents:ExchangeDocumentsAdapter"
SOLVER = "exchange.adapters.solver_ortools:OrToolsFlowSolver"


class ExchangeContainer(containers.DeclarativeContainer):
    sessions = providers.Dependency()
    clock = providers.Dependency()

    source = providers.Singleton(SqlExchangeSource, sessions)
    read_model = providers.Singleton(SqlExchangeReadModel, sessions)
    uow = providers.Factory(SqlExchangeUnitOfWork, sessions, audit=SqlAuditLog)
    documents = providers.Singleton(by_path, DOCUMENTS)
    solver = providers.Singleton(by_path, SOLVER)

    queries = providers.Singleton(ExchangeQueries, read_model=read_model, source=source)
    run_analysis = providers.Factory(RunExchangeAnalysis, uow_factory=uow.provider, clock=clock,
                                     source=source, solver=solver)
    export_workbook = providers.Factory(ExportExchange, queries=queries, documents=documents,
                                        clock=clock)
    print_summary = providers.Factory(PrintExchangeSummary, queries=queries,
                                      documents=documents, clock=clock)
