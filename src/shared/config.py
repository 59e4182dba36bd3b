"""Settings: read once from the environment into one frozen attrs object.

Every variable has a safe default so that ``make run`` works with none set.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

import attrs

MB = 1024 * 1024


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _pairs(raw: str) -> dict[str, str]:
    """``"IMSS=s3,SS=local"`` -> ``{"IMSS": "s3", "SS": "local"}``."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"STORAGE_BY_INSTITUTION: expected CODE=backend, got {part!r}")
        out[key.strip().upper()] = value.strip().lower()
    return out


@attrs.frozen
class Settings:
    var_dir: Path
    database_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    redis_url: str | None = None
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_address_max_failures: int = 30
    cookie_secure: bool = False
    timezone: str = "America/Mexico_City"
    storage_default: str = "local"
    storage_by_institution: Mapping[str, str] = attrs.field(factory=dict)
    files_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_prefix: str = ""
    attachment_max_bytes: int = 10 * MB
    review_target_days: int = 5  # SAnECE: business days a request may wait in the queue
    info_expiry_days: int = 10  # SAnECE: days a "Requiere información" waits for its answer
    import_max_bytes: int = 50 * MB
    import_max_rows: int = 500_000  # data lines of one CSV/XLSX import
    import_max_unzipped_bytes: int = 300 * MB  # an .xlsx's contents once decompressed
    import_max_line_chars: int = 20_000  # one line of a CSV
    # the Paso 6 outlier thresholds (JSON); empty: the file shipped with the product
    outlier_thresholds_file: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    jobs_backend: str = "embedded"  # embedded: worker threads on the database; saq: SAQ on Redis
    jobs_queue: str = "sanece-jobs"  # JOBS_BACKEND=saq: the SAQ queue's name in Redis
    jobs_keep_days: int = 7  # a finished job and its file are kept this long
    jobs_concurrency: int = 1  # heavy jobs run at once by one process's worker
    jobs_max_attempts: int = 3  # a job whose worker died is retried up to this many times
    jobs_lease_seconds: int = 60  # a running job not renewed for this long is requeued
    # the Extracción page answers at once up to this many folios, above it starts a job
    jobs_sanece_extraction_rows: int = 20_000
    # Paso 8's PDFs are printed at once up to this many records, above it by a job
    jobs_report_pdf_records: int = 20_000
    # catalog, unit and SAnECE import pages import at once up to this many bytes, above it a job
    jobs_import_bytes: int = 500_000
    smtp_url: str | None = None  # e-mail copies of notifications; off when unset
    smtp_from: str = "SAnECE <no-responder@localhost>"
    public_url: str | None = None  # the product's address, for the links in those e-mails

    @property
    def files_root(self) -> Path:
        return self.files_dir or self.var_dir / "files"

    @property
    def sessions_dir(self) -> Path:
        return self.var_dir / "sessions"

    @property
    def tmp_dir(self) -> Path:
        return self.var_dir / "tmp"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        var_dir = Path(env.get("VAR_DIR") or "var").resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'app.db'}"
        secret_key = env.get("SECRET_KEY") or _load_or_create_secret(var_dir)
        storage_default = (env.get("STORAGE_DEFAULT") or "local").lower()
        s = cls(
            var_dir=var_dir,
            database_url=database_url,
            secret_key=secret_key,
            host=env.get("HOST") or "127.0.0.1",
            port=_int(env, "PORT", 8000),
            workers=_int(env, "WEB_CONCURRENCY", 1),
            redis_url=env.get("REDIS_URL") or None,
            session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 30),
            session_max_hours=_int(env, "SESSION_MAX_HOURS", 12),
            login_address_max_failures=_int(env, "LOGIN_MAX_FAILURES_PER_ADDRESS", 30),
            cookie_secure=_bool(env.get("COOKIE_SECURE"), False),
            timezone=env.get("APP_TIMEZONE") or "America/Mexico_City",
            storage_default=storage_default,
            storage_by_institution=_pairs(env.get("STORAGE_BY_INSTITUTION") or ""),
            files_dir=Path(env["FILES_DIR"]).resolve() if env.get("FILES_DIR") else None,
            s3_bucket=env.get("S3_BUCKET") or None,
            s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
            s3_region=env.get("S3_REGION") or None,
            s3_prefix=env.get("S3_PREFIX") or "",
            attachment_max_bytes=_int(env, "ATTACHMENT_MAX_MB", 10) * MB,
            review_target_days=_int(env, "SANECE_REVIEW_TARGET_DAYS", 5),
            info_expiry_days=_int(env, "SANECE_INFO_EXPIRY_DAYS", 10),
            import_max_bytes=_int(env, "IMPORT_MAX_MB", 50) * MB,
            import_max_rows=_int(env, "IMPORT_MAX_ROWS", 500_000),
            import_max_unzipped_bytes=_int(env, "IMPORT_MAX_UNZIPPED_MB", 300) * MB,
            import_max_line_chars=_int(env, "IMPORT_MAX_LINE_CHARS", 20_000),
            outlier_thresholds_file=(env.get("OUTLIER_THRESHOLDS_FILE") or "").strip(),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            log_json=_bool(env.get("LOG_JSON"), True),
            jobs_backend=(env.get("JOBS_BACKEND") or "embedded").lower(),
            jobs_queue=env.get("JOBS_QUEUE") or "sanece-jobs",
            jobs_keep_days=_int(env, "JOBS_KEEP_DAYS", 7),
            jobs_concurrency=_int(env, "JOBS_CONCURRENCY", 1),
            jobs_max_attempts=_int(env, "JOBS_MAX_ATTEMPTS", 3),
            jobs_lease_seconds=_int(env, "JOBS_LEASE_SECONDS", 60),
            jobs_sanece_extraction_rows=_int(env, "JOBS_SANECE_EXTRACTION_ROWS", 20_000),
            jobs_report_pdf_records=_int(env, "JOBS_REPORT_PDF_RECORDS", 20_000),
            jobs_import_bytes=_int(env, "JOBS_IMPORT_BYTES", 500_000),
            smtp_url=env.get("SMTP_URL") or None,
            smtp_from=env.get("SMTP_FROM") or "SAnECE <no-responder@localhost>",
            public_url=env.get("PUBLIC_URL") or None,
        )
        s.validate()
        return s

    def validate(self) -> None:
        backends = {self.storage_default, *self.storage_by_institution.values()}
        unknown = backends - {"local", "s3"}
        if unknown:
            raise ValueError(f"unknown storage backend(s): {', '.join(sorted(unknown))} (use local or s3)")
        if "s3" in backends and not self.s3_bucket:
            raise ValueError("S3_BUCKET is required when a storage backend is s3")
        if self.session_idle_minutes < 1:
            raise ValueError("SESSION_IDLE_MINUTES must be at least 1")
        if self.session_max_hours < 1:
            raise ValueError("SESSION_MAX_HOURS must be at least 1")
        if self.login_address_max_failures < 1:
            raise ValueError("LOGIN_MAX_FAILURES_PER_ADDRESS must be at least 1")
        if self.jobs_backend not in ("embedded", "saq"):
            raise ValueError(f"unknown JOBS_BACKEND {self.jobs_backend!r} (use embedded or saq)")
        if self.jobs_backend == "saq" and not self.redis_url:
            raise ValueError("REDIS_URL is required when JOBS_BACKEND is saq")
        if self.smtp_url and not self.smtp_url.startswith(("smtp://", "smtps://")):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        for name, value in (("JOBS_KEEP_DAYS", self.jobs_keep_days),
                            ("JOBS_CONCURRENCY", self.jobs_concurrency),
                            ("JOBS_MAX_ATTEMPTS", self.jobs_max_attempts),
                            ("JOBS_LEASE_SECONDS", self.jobs_lease_seconds)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1")


def _load_or_create_secret(var_dir: Path) -> str:
    """A per-installation secret kept in var/secret_key (created with mode 600)."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
