"""Registering an institution and changing its settings (E1): the administrator's use cases.

A real installation never loads the demo: after ``db upgrade`` the administrator registers
each institution, usually from one of the editions kept as data (``InstitutionEditions``:
``institution create --edition SS``), with any setting overridden; periods, catalogs and units
then work for it like for any other. Both use cases run in one transaction, are audited
(``excedentes.institution_created`` / ``excedentes.institution_updated``, before → after) and
are for admins only: a coordinador gets ``PermissionDenied`` on their own institution and
``NotFound`` on any other (a foreign code answers like a missing one).

An update names the settings' version it started from (``expected_version``): the adapter
moves it with one ``UPDATE … WHERE version = :expected``, so of two admins saving the same
form one wins and the other is told who saved and when (``StaleVersion``), nothing changed.
"""

from __future__ import annotations

import attrs

from excedentes.application.access import INSTITUTION_NOT_FOUND, Actor, sees_institution
from excedentes.application.ports import Edition, InstitutionEditions
from excedentes.application.use_cases._common import UseCase, audit
from excedentes.application.results import InstitutionSettingsView, institution_settings_view
from excedentes.domain.catalog import Entity
from excedentes.domain.institution import (
    Institution,
    InstitutionSettings,
    check_settings_change,
)
from excedentes.domain.versions import VERSION_MISSING, stale, version_required
from shared.kernel.errors import Conflict, PermissionDenied, ValidationError
from shared.kernel.scope import Role, Scope, ensure_visible

INSTITUTION_TARGET = "institution"
ADMIN_ONLY = "El registro de instituciones corresponde a la administración del sistema."
SETTINGS_WHAT = "los datos de esta institución"


def require_admin(scope: Scope, institution_code: str | None = None) -> None:
    """Admins only. On an existing institution a coordinador or capturista of it is told it is
    not theirs to change; anyone else gets the ``NotFound`` of a missing code."""
    if scope.role is Role.ADMIN:
        return
    if institution_code is not None:
        ensure_visible(True, sees_institution(scope, institution_code), INSTITUTION_NOT_FOUND)
    raise PermissionDenied(ADMIN_ONLY)


def edition_list(editions: InstitutionEditions) -> str:
    """'IMSS, SS, IMSSB, ISSSTE o PEMEX' (for messages)."""
    codes = [e.code for e in editions.all()]
    return ", ".join(codes[:-1]) + (" o " if len(codes) > 1 else "") + codes[-1] if codes \
        else "(ninguna)"


def check_storage(institution: Institution, available: frozenset[str] | None) -> None:
    """An institution can only write to a storage this installation has (S3 needs a bucket)."""
    if available is not None and institution.storage_backend not in available:
        raise ValidationError(
            f"El almacenamiento «{institution.storage_backend}» no está configurado en esta "
            f"instalación (disponibles: {', '.join(sorted(available))}).",
            log_message="storage backend not configured")


@attrs.frozen
class CreateInstitutionCommand:
    """``edition``: start from that edition's settings (its code is the institution's unless
    ``code`` is given); ``settings``: what the administrator set (None fields: the edition's,
    or a bare institution's defaults)."""

    code: str | None = None
    edition: str | None = None
    settings: InstitutionSettings = InstitutionSettings()
    # its entities (code, name) in dashboard order; None: the edition's (none without one)
    entities: tuple[tuple[str, str], ...] | None = None


@attrs.define
class CreateInstitution(UseCase):
    """Register an institution and its entities (``Conflict`` when the code exists;
    ``ValidationError`` for an unknown edition, a broken setting or entity). Audited as
    ``excedentes.institution_created``; units import and periods work for it at once."""

    editions: InstitutionEditions
    storage_backends: frozenset[str] | None = None  # the installation's (None: not checked)

    def __call__(self, actor: Actor, cmd: CreateInstitutionCommand) -> InstitutionSettingsView:
        require_admin(actor.scope)
        institution, edition = self._build(cmd)
        check_storage(institution, self.storage_backends)
        pairs = cmd.entities if cmd.entities is not None else (edition.entities if edition
                                                                 else ())
        entities = [Entity(institution.code, code, name) for code, name in pairs]
        repeated = sorted({e.code for e in entities
                           if [x.code.upper() for x in entities].count(e.code.upper()) > 1})
        if repeated:
            raise ValidationError(f"Entidades repetidas: {', '.join(repeated)}.",
                                  log_message="repeated entity codes")
        with self.uow_factory() as uow:
            if uow.institutions.get(institution.code) is not None:
                raise Conflict(f"La institución {institution.code} ya está registrada; sus "
                               "datos se cambian desde la página Instituciones o con "
                               "«sanece-admin excedentes institution update».",
                               log_message="institution exists")
            uow.institutions.add(institution)
            uow.entities.add_many(entities)
            audit(uow, self.clock, actor, "institution_created", INSTITUTION_TARGET,
                  institution.code, after={"code": institution.code, **institution.snapshot(),
                                           "entities": len(entities)},
                  reason=f"edición {cmd.edition.upper()}" if cmd.edition else None)
            version = uow.institutions.version(institution.code)
            uow.commit()
        return institution_settings_view(institution, version, len(entities))

    def _build(self, cmd: CreateInstitutionCommand) -> tuple[Institution, Edition | None]:
        settings = cmd.settings
        edition: Edition | None = None
        if cmd.edition:
            edition = self.editions.get(cmd.edition)
            if edition is None:
                raise ValidationError(f"No existe la edición «{cmd.edition}» (use "
                                      f"{edition_list(self.editions)}).",
                                      log_message="unknown edition")
            settings = settings.over(edition.settings)
        code = (cmd.code or "").strip() or (edition.code if edition else "")
        if not code:
            raise ValidationError("Indique el código de la institución (por ejemplo SS) o la "
                                  "edición de la que parte.", log_message="no code")
        return settings.build(code), edition


@attrs.frozen
class UpdateInstitutionCommand:
    code: str
    settings: InstitutionSettings  # None fields are kept
    # the settings' version the form / client started from; None only for trusted
    # in-process callers (CLI, tests), VERSION_MISSING: refused
    expected_version: int | None = None


@attrs.frozen
class InstitutionChange:
    institution: InstitutionSettingsView
    changed: bool  # False: every setting already had that value (nothing recorded)


@attrs.define
class UpdateInstitution(UseCase):
    """Change an institution's settings (the code never changes). The especialidad troncal
    level changes only while its catalog is empty (``SpecialtyLevelFixed``, 409). Saving the
    same values changes nothing and records nothing. Audited as
    ``excedentes.institution_updated`` with the settings before and after."""

    storage_backends: frozenset[str] | None = None  # the installation's (None: not checked)

    def __call__(self, actor: Actor, cmd: UpdateInstitutionCommand) -> InstitutionChange:
        with self.uow_factory() as uow:
            before = uow.institutions.get(cmd.code)
            ensure_visible(before, True, INSTITUTION_NOT_FOUND)
            assert before is not None
            require_admin(actor.scope, before.code)
            after = before.with_settings(cmd.settings)  # a broken setting: nothing claimed
            if cmd.expected_version == VERSION_MISSING:
                raise version_required(SETTINGS_WHAT)
            if after == before:  # nothing to write; a stale form is still told so
                current = uow.institutions.version(before.code)
                if cmd.expected_version not in (None, current.version):
                    raise stale(current, SETTINGS_WHAT)
                return InstitutionChange(institution_settings_view(before, current), False)
            if not uow.institutions.bump_version(before.code, cmd.expected_version,
                                                 actor.username, self.clock.now()):
                raise stale(uow.institutions.version(before.code), SETTINGS_WHAT)
            check_settings_change(before, after, uow.institutions.product_count(before.code))
            if after.storage_backend != before.storage_backend:
                check_storage(after, self.storage_backends)
            uow.institutions.update(after)
            audit(uow, self.clock, actor, "institution_updated", INSTITUTION_TARGET,
                  before.code, before=before.snapshot(), after=after.snapshot())
            version = uow.institutions.version(before.code)
            uow.commit()
        return InstitutionChange(institution_settings_view(after, version), True)
