"""The sanece context's own container; the root container supplies its outside needs
(``settings``, ``sessions``, ``clock``, ``storage``).

Providers (all lazy; nothing is built at import time):

- ``uow`` (factory of ``SqlSaneceUnitOfWork``), ``read_model``, ``queries`` (``SaneceQueries``:
  every screen's data, scoped);
- ``attachment_storage``: the institution's ``FileStorage`` (SAnECE is IMSS's);
- ports of the documents: ``pdf_renderer`` (fpdf2), ``extraction_writer`` (XlsxWriter),
  ``files`` (CSV/XLSX imports);
- use cases, director: ``file_patient_data_change``, ``file_merge``, ``file_expiry_change``,
  ``file_unit_change``, ``file_requirement_change``, ``file_folio_request`` (any other
  registered folio type), ``check_filing`` (the same rules before
  the form), ``open_attachment``,
  ``print_response``, ``extract``, ``submit_feedback``; revisor: ``approve_request``,
  ``reject_request``; evaluador: ``register_evaluation``; admin: ``undo_merge``,
  ``import_units``, ``import_medicines``, ``import_patients``, ``import_folios``;
- what the platform asks of every context: ``scope_directory``, ``demo_loader``.

The root container declares it as ``sanece`` (``providers.Container``).
"""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from entrypoints.demo import demo_password
from entrypoints.lazy import by_path
from sanece.adapters.sql.notifications import SqlNotificationSubjects
from sanece.application.notifications import SaneceNotificationSource
from sanece.adapters.sql.read_model import SqlSaneceReadModel
from sanece.adapters.sql.uow import SqlSaneceUnitOfWork
from sanece.application.directory import SaneceScopeDirectory
from sanece.application.queries import SaneceQueries
from sanece.application.use_cases.attachments import OpenAttachment
from sanece.application.use_cases.documents import ExtractFolios, PrintFolioResponse
from sanece.application.use_cases.evaluation import RegisterEvaluation
from sanece.application.use_cases.feedback import SubmitFeedback
from sanece.application.use_cases.imports import (
    ImportFolios,
    ImportMedicines,
    ImportPatients,
    ImportUnits,
)
from sanece.application.use_cases.requests import (
    CheckFiling,
    FileExpiryChange,
    FileFolioRequest,
    FileMerge,
    FilePatientDataChange,
    FileRequirementChange,
    FileUnitChange,
)
from sanece.application.use_cases.decisions import (
    AddReason,
    AnswerRequest,
    BulkApprove,
    CancelRequest,
    DisableReason,
    ExpireRequests,
    ListReasons,
    PendRequest,
)
from sanece.application.use_cases.review import ApproveRequest, RejectRequest, UndoMerge
from shared.audit.adapters.sql import SqlAuditLog

SANECE_INSTITUTION = "IMSS"  # the storage of attachments is chosen per institution
# The document and demo adapters, by import path (built on first use).
PDF_RENDERER = "sanece.adapters.pdf.response:FpdfFolioResponseRenderer"
EXTRACTION_WRITER = "sanece.adapters.xlsx.extraction:XlsxExtractionWriter"
FILES = "sanece.adapters.files:TabularSaneceFiles"
DEMO_LOADER = "sanece.adapters.demo:SaneceDemoLoader"


def institution_storage(selector: Any) -> Any:
    return selector.for_institution(SANECE_INSTITUTION)


class SaneceContainer(containers.DeclarativeContainer):
    settings = providers.Dependency()
    sessions = providers.Dependency()
    clock = providers.Dependency()
    storage = providers.Dependency()

    uow = providers.Factory(SqlSaneceUnitOfWork, sessions, audit=SqlAuditLog)
    read_model = providers.Singleton(SqlSaneceReadModel, sessions)
    queries = providers.Singleton(SaneceQueries, read_model=read_model, clock=clock,
                                  review_target_days=settings.provided.review_target_days,
                                  info_expiry_days=settings.provided.info_expiry_days)
    attachment_storage = providers.Singleton(institution_storage, storage)
    max_attachment = providers.Callable(lambda s: s.attachment_max_bytes, settings)

    pdf_renderer = providers.Singleton(by_path, PDF_RENDERER)
    extraction_writer = providers.Singleton(by_path, EXTRACTION_WRITER)
    files = providers.Singleton(by_path, FILES)

    # Director (S3, S4, S7–S11, S13, S15)
    _filing = dict(uow_factory=uow.provider, clock=clock, storage=attachment_storage,
                   max_bytes=max_attachment)
    file_patient_data_change = providers.Factory(FilePatientDataChange, **_filing)
    file_merge = providers.Factory(FileMerge, **_filing)
    file_expiry_change = providers.Factory(FileExpiryChange, **_filing)
    file_unit_change = providers.Factory(FileUnitChange, **_filing)
    file_requirement_change = providers.Factory(FileRequirementChange, **_filing)
    file_folio_request = providers.Factory(FileFolioRequest, **_filing)  # any other folio type
    check_filing = providers.Factory(CheckFiling, uow_factory=uow.provider, clock=clock)
    open_attachment = providers.Factory(OpenAttachment, uow_factory=uow.provider, clock=clock,
                                        storage=attachment_storage)
    print_response = providers.Factory(PrintFolioResponse, uow_factory=uow.provider,
                                       clock=clock, renderer=pdf_renderer,
                                       timezone=settings.provided.timezone, queries=queries)
    extract = providers.Factory(ExtractFolios, uow_factory=uow.provider, clock=clock,
                                read_model=read_model, writer=extraction_writer)
    submit_feedback = providers.Factory(SubmitFeedback, uow_factory=uow.provider, clock=clock)
    # Revisor (S12) and evaluador (S14)
    approve_request = providers.Factory(ApproveRequest, uow_factory=uow.provider, clock=clock)
    reject_request = providers.Factory(RejectRequest, uow_factory=uow.provider, clock=clock)
    # More decisions: Requiere información and its answer, Cancelada, Vencida, in bulk
    pend_request = providers.Factory(PendRequest, uow_factory=uow.provider, clock=clock)
    answer_request = providers.Factory(AnswerRequest, **_filing)
    cancel_request = providers.Factory(CancelRequest, uow_factory=uow.provider, clock=clock)
    expire_requests = providers.Factory(ExpireRequests, uow_factory=uow.provider, clock=clock,
                                        days=settings.provided.info_expiry_days)
    bulk_approve = providers.Factory(BulkApprove, uow_factory=uow.provider, clock=clock)
    list_reasons = providers.Factory(ListReasons, uow_factory=uow.provider, clock=clock)
    add_reason = providers.Factory(AddReason, uow_factory=uow.provider, clock=clock)
    disable_reason = providers.Factory(DisableReason, uow_factory=uow.provider, clock=clock)
    register_evaluation = providers.Factory(RegisterEvaluation, uow_factory=uow.provider,
                                            clock=clock)
    # Admin (S16, undo of a wrong merge)
    undo_merge = providers.Factory(UndoMerge, uow_factory=uow.provider, clock=clock)
    import_units = providers.Factory(ImportUnits, uow_factory=uow.provider, clock=clock,
                                     files=files)
    import_medicines = providers.Factory(ImportMedicines, uow_factory=uow.provider,
                                         clock=clock, files=files)
    import_patients = providers.Factory(ImportPatients, uow_factory=uow.provider, clock=clock,
                                        files=files)
    import_folios = providers.Factory(ImportFolios, uow_factory=uow.provider, clock=clock,
                                      files=files)

    # What the platform asks of every context.
    notification_source = providers.Singleton(
        SaneceNotificationSource, providers.Singleton(SqlNotificationSubjects, sessions), clock,
        target_days=settings.provided.review_target_days)
    scope_directory = providers.Singleton(SaneceScopeDirectory, read_model)
    demo_loader = providers.Singleton(by_path, DEMO_LOADER, uow_factory=uow.provider,
                                      clock=clock, storage=attachment_storage,
                                      password=demo_password, max_bytes=max_attachment)
