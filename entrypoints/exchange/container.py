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
from exchange.adapters.demo import ExchangeDemoLoader
from exchange.adapters.sql.agreements import SqlAgreementReadModel, SqlAgreementUnitOfWork
from exchange.adapters.sql.analyses import SqlExchangeReadModel, SqlExchangeUnitOfWork
from exchange.adapters.sql.source import SqlExchangeSource
from exchange.application.agreements import (
    AcceptAgreement,
    AdvanceAgreements,
    AgreementQueries,
    CancelAgreement,
    DeclineAgreement,
    ExportLoop,
    ManageReasons,
    OpenAgreementScan,
    PrintAgreement,
    ProposeAgreement,
    RecordDelivery,
    SeedAgreementReasons,
    UploadAgreementScan,
)
from exchange.application.use_cases import (
    ExchangeQueries,
    ExportExchange,
    PrintExchangeSummary,
    RunExchangeAnalysis,
)
from shared.audit.adapters.sql import SqlAuditLog

# Adapters with heavy imports, by import path (built on first use).
DOCUMENTS = "exchange.adapters.documents:ExchangeDocumentsAdapter"
AGREEMENT_DOCUMENTS = "exchange.adapters.agreement_documents:AgreementDocumentsAdapter"
SOLVER = "exchange.adapters.solver_ortools:OrToolsFlowSolver"


class ExchangeContainer(containers.DeclarativeContainer):
    sessions = providers.Dependency()
    clock = providers.Dependency()
    storage = providers.Dependency()  # the installation's StorageSelector (signed scans)

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

    # Agreements (issue 17): from a proposed exchange to the patients actually served.
    agreement_read_model = providers.Singleton(SqlAgreementReadModel, sessions)
    agreement_uow = providers.Factory(SqlAgreementUnitOfWork, sessions, audit=SqlAuditLog)
    agreement_documents = providers.Singleton(by_path, AGREEMENT_DOCUMENTS)
    agreement_queries = providers.Singleton(AgreementQueries, read_model=agreement_read_model,
                                            analyses=read_model, source=source, clock=clock)
    propose_agreement = providers.Factory(ProposeAgreement, uow_factory=agreement_uow.provider,
                                          clock=clock, source=source, analyses=read_model)
    accept_agreement = providers.Factory(AcceptAgreement, uow_factory=agreement_uow.provider,
                                         clock=clock)
    decline_agreement = providers.Factory(DeclineAgreement, uow_factory=agreement_uow.provider,
                                          clock=clock)
    cancel_agreement = providers.Factory(CancelAgreement, uow_factory=agreement_uow.provider,
                                         clock=clock)
    record_delivery = providers.Factory(RecordDelivery, uow_factory=agreement_uow.provider,
                                        clock=clock)
    advance_agreements = providers.Factory(AdvanceAgreements,
                                           uow_factory=agreement_uow.provider, clock=clock)
    upload_agreement_scan = providers.Factory(UploadAgreementScan,
                                              uow_factory=agreement_uow.provider, clock=clock,
                                              storage=storage)
    open_agreement_scan = providers.Factory(OpenAgreementScan, queries=agreement_queries,
                                            storage=storage)
    print_agreement = providers.Factory(PrintAgreement, queries=agreement_queries,
                                        documents=agreement_documents, clock=clock)
    manage_reasons = providers.Factory(ManageReasons, uow_factory=agreement_uow.provider,
                                       clock=clock)
    seed_reasons = providers.Factory(SeedAgreementReasons, uow_factory=agreement_uow.provider)
    demo_loader = providers.Singleton(ExchangeDemoLoader, uow_factory=agreement_uow.provider,
                                      clock=clock, source=source, analyses=read_model,
                                      run_analysis=run_analysis.provider)
    export_loop = providers.Factory(ExportLoop, queries=agreement_queries,
                                    documents=agreement_documents)
