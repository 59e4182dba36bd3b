"""The one composition root: settings -> engine -> units of work -> services.

The HTTP app and the CLI both take what they need from here; tests override providers.
Nothing is built at import time: providers are lazy.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dependency_injector import containers, providers

from entrypoints.excedentes.container import ExcedentesContainer
from entrypoints.exchange.container import ExchangeContainer
from entrypoints.sanece.container import SaneceContainer

from shared.adapters.clock import SystemClock
from shared.adapters.sql.database import create_engine, session_factory
from shared.adapters.sql.version_reader import async_version_reader
from shared.adapters.sql.health import ping
from shared.audit.adapters.sql import SqlAuditLog, SqlAuditQuery
from shared.config import Settings
from shared.identity.adapters.hashing import Argon2Hasher
from shared.identity.adapters.sql import SqlIdentityUnitOfWork
from shared.identity.application import IdentityService
from shared.identity.scopes import CompositeScopeDirectory
from shared.jobs import application as jobs_app
from shared.jobs.adapters.owners import IdentityRequesters
from shared.jobs.adapters.sql import SqlJobsUnitOfWork
from shared.jobs.adapters.worker import EmbeddedQueue, EmbeddedWorker
from shared.jobs.uploads import JobUploads
from shared.notifications import application as notifications_app
from shared.notifications.adapters.smtp import SmtpMailer
from shared.notifications.adapters.sql import SqlNotificationsUnitOfWork
from shared.storage.adapters.local import LocalFileStorage
from shared.storage.adapters.s3 import S3FileStorage
from shared.storage.adapters.selector import ConfiguredStorageSelector


def _storage_selector(settings: Settings, clock: SystemClock) -> ConfiguredStorageSelector:
    def local() -> LocalFileStorage:
        return LocalFileStorage(Path(settings.files_root), clock.now)

    def s3() -> S3FileStorage:
        return S3FileStorage.from_settings(bucket=settings.s3_bucket or "", endpoint_url=settings.s3_endpoint_url,
                                           region=settings.s3_region, now=clock.now, prefix=settings.s3_prefix)

    # S3 is a backend of the installation only when a bucket is configured.
    backends = {"local": local, "s3": s3} if settings.s3_bucket else {"local": local}
    return ConfiguredStorageSelector(backends, settings.storage_default,
                                     settings.storage_by_institution)


def _hours(n: int) -> timedelta:
    return timedelta(hours=n)


def _job_policy(settings: Settings) -> jobs_app.JobPolicy:
    return jobs_app.JobPolicy(keep=timedelta(days=settings.jobs_keep_days),
                              max_attempts=settings.jobs_max_attempts,
                              lease=timedelta(seconds=settings.jobs_lease_seconds))


def _job_kinds(read_model, exporter, sanece_extract, run_exchange, exchange_workbook,  # type: ignore[no-untyped-def]
               exchange_pdf, print_report, uploads, import_catalog, import_units,
               sanece_units, sanece_medicines, sanece_patients, sanece_folios):
    from entrypoints.job_kinds import job_kinds

    return job_kinds(read_model, exporter, sanece_extract,
                     (run_exchange, exchange_workbook, exchange_pdf), print_report,
                     uploads, (import_catalog, import_units),
                     {"units": sanece_units, "medicines": sanece_medicines,
                      "patients": sanece_patients, "folios": sanece_folios})


def _job_queue(settings: Settings):  # type: ignore[no-untyped-def]
    if settings.jobs_backend == "saq":
        from shared.jobs.adapters.saq_backend import SaqQueue

        return SaqQueue(settings.redis_url or "", lease_seconds=settings.jobs_lease_seconds,
                        max_attempts=settings.jobs_max_attempts, name=settings.jobs_queue)
    return EmbeddedQueue()


def _saq_worker(settings: Settings, runner, claim, queued):  # type: ignore[no-untyped-def]
    from shared.jobs.adapters.saq_backend import SaqWorker

    return SaqWorker(runner, claim, queued, settings.redis_url or "",
                     concurrency=settings.jobs_concurrency, lease_seconds=settings.jobs_lease_seconds,
                     max_attempts=settings.jobs_max_attempts,
                     housekeeping_seconds=min(30.0, settings.jobs_lease_seconds / 2),
                     name=settings.jobs_queue)


def _log_job(message: str, exc: BaseException | None) -> None:
    import logging

    logging.getLogger("sanece.jobs").error(message, exc_info=exc)


def _mailer(settings: Settings) -> SmtpMailer | None:
    """E-mail copies only when ``SMTP_URL`` is set (off by default)."""
    return SmtpMailer.from_url(settings.smtp_url, settings.smtp_from) if settings.smtp_url else None


def _session_store(settings: Settings):  # -> litestar Store
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=settings.redis_url, namespace="sanece-sessions")
    from entrypoints.http.stores import LocalFileStore

    return LocalFileStore(settings.sessions_dir, create_directories=True)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock, tz=settings.provided.timezone)
    engine = providers.Singleton(create_engine, settings.provided.database_url)
    sessions = providers.Singleton(session_factory, engine)
    db_ping = providers.Callable(ping, engine)
    # each request's data version, read off the event loop's back (PostgreSQL) or on a plain
    # connection of the loop's own (SQLite); see ``version_reader``
    version_reader = providers.Singleton(async_version_reader, engine)

    hasher = providers.Singleton(Argon2Hasher)
    storage = providers.Singleton(_storage_selector, settings, clock)

    # The bounded contexts, each a container of its own fed with the platform's pieces.
    excedentes = providers.Container(ExcedentesContainer, settings=settings, sessions=sessions,
                                     clock=clock, storage=storage)
    sanece = providers.Container(SaneceContainer, settings=settings, sessions=sessions,
                                 clock=clock, storage=storage)
    exchange = providers.Container(ExchangeContainer, sessions=sessions, clock=clock,
                                   storage=storage)

    scope_directories = providers.List(excedentes.scope_directory, sanece.scope_directory)
    scope_directory = providers.Singleton(CompositeScopeDirectory, scope_directories)
    identity_uow = providers.Factory(SqlIdentityUnitOfWork, sessions, audit=SqlAuditLog)
    identity_read_uow = providers.Factory(SqlIdentityUnitOfWork, sessions, audit=SqlAuditLog,
                                          read_only=True)
    identity = providers.Singleton(IdentityService, uow_factory=identity_uow.provider, hasher=hasher,
                                   clock=clock, scopes=scope_directory,
                                   read_uow_factory=identity_read_uow.provider,
                                   session_max=providers.Callable(_hours, settings.provided.session_max_hours),
                                   address_max_failures=settings.provided.login_address_max_failures)
    audit_query = providers.Singleton(SqlAuditQuery, sessions)

    # one store per app instance: a Redis client belongs to the event loop that made it
    session_store = providers.Factory(_session_store, settings)

    demo_loaders = providers.List(excedentes.demo_loader, sanece.demo_loader,
                                  exchange.demo_loader)  # exchange reads the collection's

    # Notifications: each user's inbox, projected from the audit trail by the contexts' sources.
    notification_sources = providers.List(sanece.notification_source)
    notifications_uow = providers.Factory(SqlNotificationsUnitOfWork, sessions)
    notifications_read_uow = providers.Factory(SqlNotificationsUnitOfWork, sessions, read_only=True)
    mailer = providers.Singleton(_mailer, settings)
    project_notifications = providers.Factory(
        notifications_app.ProjectNotifications, uow_factory=notifications_uow.provider,
        read_uow_factory=notifications_read_uow.provider, sources=notification_sources,
        clock=clock, mailer=mailer, base_url=settings.provided.public_url)
    inbox_badge = providers.Factory(notifications_app.InboxBadge,
                                    read_uow_factory=notifications_read_uow.provider,
                                    project=project_notifications, clock=clock)
    list_inbox = providers.Factory(notifications_app.ListInbox,
                                   uow_factory=notifications_read_uow.provider,
                                   project=project_notifications)
    operator_inbox = providers.Factory(notifications_app.OperatorInbox,
                                       uow_factory=notifications_read_uow.provider,
                                       project=project_notifications)
    mark_notification_read = providers.Factory(notifications_app.MarkRead,
                                               uow_factory=notifications_uow.provider, clock=clock)
    mark_all_notifications_read = providers.Factory(notifications_app.MarkAllRead,
                                                    uow_factory=notifications_uow.provider,
                                                    clock=clock)
    set_notification_email = providers.Factory(notifications_app.SetNotificationEmail,
                                               uow_factory=notifications_uow.provider)

    # Jobs (long work with progress): the embedded backend, state in this database.
    jobs_uow = providers.Factory(SqlJobsUnitOfWork, sessions)
    job_policy = providers.Singleton(_job_policy, settings)
    # An import's file, stored first (the storage port) for the job that imports it.
    job_uploads = providers.Factory(JobUploads, storage=storage, clock=clock,
                                    keep=job_policy.provided.keep)
    job_kinds = providers.Singleton(_job_kinds, excedentes.read_model.provider,
                                    excedentes.exporter.provider, sanece.extract.provider,
                                    exchange.run_analysis.provider, exchange.export_workbook.provider,
                                    exchange.print_summary.provider,
                                    excedentes.print_report.provider, job_uploads.provider,
                                    excedentes.import_catalog.provider,
                                    excedentes.import_units.provider,
                                    sanece.import_units.provider, sanece.import_medicines.provider,
                                    sanece.import_patients.provider, sanece.import_folios.provider)
    job_queue = providers.Singleton(_job_queue, settings)  # JOBS_BACKEND: embedded or saq
    start_job = providers.Factory(jobs_app.StartJob, uow_factory=jobs_uow.provider, kinds=job_kinds,
                                  clock=clock, policy=job_policy, queue=job_queue)
    start_if_large = providers.Factory(
        jobs_app.StartIfLarge, start=start_job.provider,
        limits=providers.Dict({"sanece-extraction": settings.provided.jobs_sanece_extraction_rows,
                               "report-pdf": settings.provided.jobs_report_pdf_records,
                               # imports: the uploaded file's size in bytes
                               "catalog-import": settings.provided.jobs_import_bytes,
                               "units-import": settings.provided.jobs_import_bytes,
                               "sanece-import": settings.provided.jobs_import_bytes}))
    get_job = providers.Factory(jobs_app.GetJob, uow_factory=jobs_uow.provider, kinds=job_kinds,
                                clock=clock)
    list_my_jobs = providers.Factory(jobs_app.ListMyJobs, uow_factory=jobs_uow.provider,
                                     kinds=job_kinds, clock=clock)
    cancel_job = providers.Factory(jobs_app.CancelJob, uow_factory=jobs_uow.provider,
                                   kinds=job_kinds, clock=clock, policy=job_policy)
    open_job_result = providers.Factory(jobs_app.OpenJobResult, uow_factory=jobs_uow.provider,
                                        storage=storage)
    operator_jobs = providers.Factory(jobs_app.OperatorJobs, uow_factory=jobs_uow.provider,
                                      kinds=job_kinds, clock=clock)
    claim_job = providers.Factory(jobs_app.ClaimJob, uow_factory=jobs_uow.provider, kinds=job_kinds,
                                  clock=clock, policy=job_policy)
    report_job_progress = providers.Factory(jobs_app.ReportProgress, uow_factory=jobs_uow.provider,
                                            clock=clock, policy=job_policy)
    execute_job = providers.Factory(
        jobs_app.ExecuteJob, uow_factory=jobs_uow.provider, kinds=job_kinds, clock=clock,
        policy=job_policy, storage=storage, requesters=providers.Factory(IdentityRequesters, identity),
        report=report_job_progress, tmp_dir=settings.provided.tmp_dir, log=_log_job)
    recover_job_leases = providers.Factory(jobs_app.RecoverLeases, uow_factory=jobs_uow.provider,
                                           clock=clock, policy=job_policy)
    expire_jobs = providers.Factory(jobs_app.ExpireJobs, uow_factory=jobs_uow.provider, clock=clock,
                                    storage=storage)
    jobs_worker = providers.Factory(EmbeddedWorker, claim_job, execute_job, report_job_progress,
                                    recover_job_leases, expire_jobs,
                                    concurrency=settings.provided.jobs_concurrency,
                                    lease_seconds=settings.provided.jobs_lease_seconds)
    queued_jobs = providers.Factory(jobs_app.QueuedJobs, uow_factory=jobs_uow.provider, kinds=job_kinds)
    # JOBS_BACKEND=saq: `sanece-admin worker` takes the ids from SAQ, runs them with the above.
    saq_worker = providers.Factory(_saq_worker, settings, jobs_worker, claim_job, queued_jobs)


def build_container(settings: Settings | None = None) -> Container:
    settings = settings or Settings.from_env()
    container = Container(settings=settings)
    # Every CSV/XLSX import of this process reads within the configured limits.
    from shared.adapters.tabular import configure_import_limits
    from shared.kernel.imports import ImportLimits

    configure_import_limits(ImportLimits(settings.import_max_bytes, settings.import_max_rows,
                                         settings.import_max_unzipped_bytes,
                                         settings.import_max_line_chars))
    return container
