"""The signed final report (Paso 8/9): upload policy and the kept versions.

Flow: the HTTP adapter first asks ``EntityReport.ensure_can_upload_signed(clock)`` (finalized,
window open), then streams the upload into the storage port while calling
``SignedReportPolicy.check_head`` on the first bytes and ``check_size`` as bytes arrive (so a
file over the limit is cut short, never held whole), and finally hands the stored file as a
``SignedReportFile`` to ``EntityReport.attach_signed_report``, which checks the policy again
and records a new ``SignedReport`` version.

Versions are never deleted: replacing a signed report, or reopening the entity, marks the
previous current version superseded (``superseded_at`` and ``superseded_reason``). At most one
version is current, and only while the entity is finalized.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from excedentes.domain.rules import (
    MB,
    SignedReportMustBePdf,
    SignedReportNotEmpty,
    SignedReportWithinLimit,
)
from shared.kernel.rules import check_rule

PDF_CONTENT_TYPE = "application/pdf"
PDF_MAGIC = b"%PDF-"
DEFAULT_SIGNED_PDF_MAX_BYTES = 100 * MB  # IMSS 2020, ISSSTE 2023; the SS 2021 edition: 150 MB


@attrs.frozen
class SignedReportPolicy:
    """PDF only (by content), at most ``max_bytes``: the institution's limit."""

    max_bytes: int = DEFAULT_SIGNED_PDF_MAX_BYTES

    def __attrs_post_init__(self) -> None:
        if self.max_bytes <= 0:
            raise ValueError("the signed-report limit must be positive")

    @property
    def description(self) -> str:
        """The guides' note under the upload field."""
        return (f"Solo se aceptan archivos PDF con un peso máximo de "
                f"{self.max_bytes // MB if self.max_bytes >= MB else 1} Megabytes.")

    def check_head(self, head: bytes) -> None:
        """The first bytes of the upload must be a PDF signature (the name is never trusted)."""
        check_rule(SignedReportMustBePdf(head.startswith(PDF_MAGIC)))

    def check_size(self, seen: int) -> None:
        """Call while streaming with the bytes read so far."""
        check_rule(SignedReportWithinLimit(seen, self.max_bytes))

    def check_file(self, file: "SignedReportFile") -> None:
        check_rule(SignedReportMustBePdf(file.content_type == PDF_CONTENT_TYPE))
        check_rule(SignedReportNotEmpty(file.size))
        check_rule(SignedReportWithinLimit(file.size, self.max_bytes))


@attrs.frozen
class SignedReportFile:
    """An upload already written by the storage port (its content type sniffed from bytes)."""

    storage_key: str
    original_name: str
    size: int
    sha256: str
    content_type: str
    storage_backend: str = "local"  # where the bytes are (read back from there, always)


class SupersededReason(str, enum.Enum):
    REPLACED = "replaced"  # the entity uploaded a newer signed copy
    REOPENED = "reopened"  # a coordinator reopened the entity: the signed data may change
    RETURNED = "returned"  # the coordinador returned the report for correction

    @property
    def label(self) -> str:
        return {SupersededReason.REPLACED: "Reemplazado por una versión posterior",
                SupersededReason.REOPENED: "Sustituido por la apertura del registro",
                SupersededReason.RETURNED: "Devuelto para corrección"}[self]


@attrs.frozen
class SignedReport:
    """One uploaded version; ``final_version`` is the finalization it signs (its folio)."""

    version: int
    storage_key: str
    original_name: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    final_version: int
    superseded_at: datetime | None = None
    superseded_reason: SupersededReason | None = attrs.field(
        default=None, converter=attrs.converters.optional(SupersededReason))
    storage_backend: str = "local"  # the storage the file was written to

    def __attrs_post_init__(self) -> None:
        if (self.superseded_at is None) != (self.superseded_reason is None):
            raise ValueError("superseded_at and superseded_reason go together")

    @property
    def superseded(self) -> bool:
        return self.superseded_at is not None

    def supersede(self, reason: SupersededReason, at: datetime) -> "SignedReport":
        return self if self.superseded else attrs.evolve(
            self, superseded_at=at, superseded_reason=reason)
