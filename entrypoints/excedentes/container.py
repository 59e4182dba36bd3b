"""The excedentes context's own container; the root container supplies its outside needs
(``settings``, ``sessions``, ``clock``, ``storage``).

Providers (all lazy; nothing is built at import time):

- ``uow`` (factory of ``SqlExcedentesUnitOfWork``), ``read_model``, ``queries``
  (``ExcedentesQueries``: every page's data, scoped);
- ports of the documents: ``renderer`` (fpdf2), ``exporter`` (XlsxWriter), ``catalog_files``
  (CSV/XLSX);
- data quality at capture: ``thresholds`` (the outlier thresholds, data in
  ``outlier_thresholds.json`` or ``OUTLIER_THRESHOLDS_FILE``), ``quality_read_model``,
  ``quality_queries`` (grid notes, copy of the previous period, outliers, a value's history);
- use cases: ``answer_step2``, ``save_grid``, ``finalize``, ``reopen``, ``review``,
  ``bulk_accept``, ``add_return_reason``, ``set_return_reason_active``, ``create_period``,
  ``open_period``, ``close_period``, ``set_capture_window``, ``print_report``,
  ``upload_signed``, ``open_signed``, ``file_product_request``, ``acknowledge_decisions``,
  ``accept_product_request``,
  ``reject_product_request``, ``import_catalog``, ``export_catalog``, ``import_units``,
  ``export_units``, ``export_records``;
- institutions (E1, admin): ``editions`` (the editions' settings, data in
  ``editions.json``), ``institution_queries``, ``create_institution``, ``update_institution``;
- what the platform asks of every context: ``scope_directory``, ``demo_loader``.

The root container declares it as ``excedentes`` (``providers.Container``).
"""

from __future__ import annotations

from dependency_injector import containers, providers

from entrypoints.demo import demo_password
from entrypoints.lazy import by_path
from excedentes.adapters.demo import ExcedentesDemoLoader
from excedentes.adapters.editions import JsonInstitutionEditions
from excedentes.adapters.sql.quality import SqlQualityReadModel
from excedentes.adapters.sql.read_model import SqlExcedentesReadModel
from excedentes.adapters.thresholds import JsonOutlierThresholds
from excedentes.adapters.sql.uow import SqlExcedentesUnitOfWork
from excedentes.application.directory import ExcedentesScopeDirectory
from excedentes.application.quality import QualityQueries
from excedentes.application.queries import ExcedentesQueries, InstitutionQueries
from excedentes.application.use_cases.capture import AnswerStep2, FinalizeReport, SaveGrid
from excedentes.application.use_cases.catalog import (
    ExportCatalog,
    ExportUnits,
    ImportCatalog,
    ImportUnits,
)
from excedentes.application.use_cases.coordination import (
    ClosePeriod,
    CreatePeriod,
    OpenPeriod,
    ReopenEntity,
    SetCaptureWindow,
)
from excedentes.application.use_cases.exports import ExportRecords
from excedentes.application.use_cases.review import (
    AddReturnReason,
    BulkAccept,
    ReviewEntity,
    SetReturnReasonActive,
)
from excedentes.application.use_cases.institutions import CreateInstitution, UpdateInstitution
from excedentes.application.use_cases.product_requests import (
    AcceptProductRequest,
    AcknowledgeDecisions,
    FileProductRequest,
    RejectProductRequest,
)
from excedentes.application.use_cases.reports import (
    OpenSignedReport,
    PrintReport,
    UploadSignedReport,
)
from shared.audit.adapters.sql import SqlAuditLog, SqlAuditQuery

# The document adapters, by import path (built on first use).
RENDERER = "excedentes.adapters.pdf.report:FpdfReportRenderer"
EXPORTER = "excedentes.adapters.xlsx.export:XlsxRecordsExporter"
CATALOG_FILES = "excedentes.adapters.files:TabularCatalogFiles"


class ExcedentesContainer(containers.DeclarativeContainer):
    settings = providers.Dependency()
    sessions = providers.Dependency()
    clock = providers.Dependency()
    storage = providers.Dependency()

    uow = providers.Factory(SqlExcedentesUnitOfWork, sessions, audit=SqlAuditLog)
    read_model = providers.Singleton(SqlExcedentesReadModel, sessions)
    audit_query = providers.Singleton(SqlAuditQuery, sessions)
    queries = providers.Singleton(ExcedentesQueries, read_model=read_model, clock=clock,
                                  audit_query=audit_query)

    renderer = providers.Singleton(by_path, RENDERER)
    exporter = providers.Singleton(by_path, EXPORTER)
    catalog_files = providers.Singleton(by_path, CATALOG_FILES)

    # Capturista (Pasos 2, 6, 7, 9)
    answer_step2 = providers.Factory(AnswerStep2, uow_factory=uow.provider, clock=clock)
    # data quality at capture: the outlier thresholds as data, the notes, the value history
    thresholds = providers.Singleton(JsonOutlierThresholds,
                                     settings.provided.outlier_thresholds_file)
    quality_read_model = providers.Singleton(SqlQualityReadModel, sessions)
    audit_query = providers.Singleton(SqlAuditQuery, sessions)
    quality_queries = providers.Singleton(QualityQueries, queries=queries,
                                          read_model=quality_read_model, audit=audit_query)
    save_grid = providers.Factory(SaveGrid, uow_factory=uow.provider, clock=clock,
                                  thresholds=thresholds)
    finalize = providers.Factory(FinalizeReport, uow_factory=uow.provider, clock=clock)
    upload_signed = providers.Factory(UploadSignedReport, uow_factory=uow.provider, clock=clock,
                                      storage=storage)
    file_product_request = providers.Factory(FileProductRequest, uow_factory=uow.provider,
                                             clock=clock)
    acknowledge_decisions = providers.Factory(AcknowledgeDecisions, uow_factory=uow.provider,
                                              clock=clock)
    # Readers of an entity (Paso 8, downloads)
    print_report = providers.Factory(PrintReport, uow_factory=uow.provider, clock=clock,
                                     renderer=renderer)
    open_signed = providers.Factory(OpenSignedReport, uow_factory=uow.provider, clock=clock,
                                    storage=storage)
    # Coordinador
    reopen = providers.Factory(ReopenEntity, uow_factory=uow.provider, clock=clock)
    review = providers.Factory(ReviewEntity, uow_factory=uow.provider, clock=clock)
    bulk_accept = providers.Factory(BulkAccept, uow_factory=uow.provider, clock=clock)
    add_return_reason = providers.Factory(AddReturnReason, uow_factory=uow.provider,
                                          clock=clock)
    set_return_reason_active = providers.Factory(SetReturnReasonActive,
                                                 uow_factory=uow.provider, clock=clock)
    create_period = providers.Factory(CreatePeriod, uow_factory=uow.provider, clock=clock)
    open_period = providers.Factory(OpenPeriod, uow_factory=uow.provider, clock=clock)
    close_period = providers.Factory(ClosePeriod, uow_factory=uow.provider, clock=clock)
    set_capture_window = providers.Factory(SetCaptureWindow, uow_factory=uow.provider,
                                           clock=clock)
    accept_product_request = providers.Factory(AcceptProductRequest, uow_factory=uow.provider,
                                               clock=clock)
    reject_product_request = providers.Factory(RejectProductRequest, uow_factory=uow.provider,
                                               clock=clock)
    import_catalog = providers.Factory(ImportCatalog, uow_factory=uow.provider, clock=clock,
                                       files=catalog_files)
    import_units = providers.Factory(ImportUnits, uow_factory=uow.provider, clock=clock,
                                     files=catalog_files)
    export_catalog = providers.Factory(ExportCatalog, read_model=read_model, files=catalog_files)
    export_units = providers.Factory(ExportUnits, read_model=read_model, files=catalog_files)
    export_records = providers.Factory(ExportRecords, read_model=read_model, exporter=exporter)

    # Administrador: the institutions and their settings (E1), the editions as data.
    editions = providers.Singleton(JsonInstitutionEditions)
    institution_queries = providers.Singleton(InstitutionQueries, read_model=read_model,
                                              editions=editions)
    create_institution = providers.Factory(CreateInstitution, uow_factory=uow.provider,
                                           clock=clock, editions=editions,
                                           storage_backends=storage.provided.backends)
    update_institution = providers.Factory(UpdateInstitution, uow_factory=uow.provider,
                                           clock=clock, storage_backends=storage.provided.backends)

    # What the platform asks of every context.
    scope_directory = providers.Singleton(ExcedentesScopeDirectory, read_model)
    demo_loader = providers.Singleton(ExcedentesDemoLoader, uow_factory=uow.provider,
                                      clock=clock, storage=storage, password=demo_password,
                                      editions=editions)
