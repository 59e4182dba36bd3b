"""Errors of the excedentes domain.

They refine the shared kernel's errors so that the HTTP layer maps them without knowing this
context: ``Conflict`` (409) for "the state of the entity forbids it" (finalized, window closed),
``ValidationError`` (422) for bad input. Every message is Spanish and complete: it says what
happened and what to do, never a bare "bloqueado".
"""

from __future__ import annotations

from shared.kernel.errors import Conflict, ValidationError


class EntityLocked(Conflict):
    """The entity finalized its capture: nothing changes until a coordinator reopens it."""

    code = "entity_locked"


class CaptureClosed(Conflict):
    """The period's capture window is closed (flag or dates): the tool is read-only."""

    code = "capture_closed"


class GridInvalid(ValidationError):
    """A Paso 6 save was refused; ``details`` holds every ``FieldError`` of every row."""

    code = "grid_invalid"


class SpecialtyRequired(ValidationError):
    """A Paso 6 grid of an institution with the especialidad troncal level was asked for
    without its specialty (the pages send the user to Paso 5 instead)."""

    code = "specialty_required"


class SignedReportTooLarge(ValidationError):
    code = "file_too_large"
    status = 413


class SignedReportNotPdf(ValidationError):
    code = "file_type_not_allowed"



class StaleVersion(Conflict):
    """Optimistic concurrency: the page (or API client) saved from a version that another
    person already replaced; nothing was changed. ``details`` is the current ``VersionStamp``
    as a dict (version, updated_by, updated_at)."""

    code = "stale_version"


class VersionRequired(ValidationError):
    """A save that must say which version it was drawn from did not."""

    code = "version_required"
    status = 428
