""""Instituciones": the administrator's page of the institutions (E1): the list, registering
one (from an edition kept as data, or complete), and the form of each one's settings.

Admins only (the guard answers 403 to every other role, as the other admin pages do). An
edit names the settings' version it was drawn from: a stale form changes nothing and is
shown again (409) with who saved and when, the values the user typed kept beside the ones
stored now, and the current version, so that saving again is a deliberate choice.
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from litestar import Controller, Request, get, post
from litestar.params import FromPath

from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.capture import URL_FORM
from entrypoints.http.excedentes.common import actor_of, scope_of
from entrypoints.http.excedentes.pages import render_page
from entrypoints.http.forms import parse_int
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.security import require_roles
from excedentes.application.queries import InstitutionQueries
from excedentes.application.use_cases.institutions import (
    CreateInstitution,
    CreateInstitutionCommand,
    UpdateInstitution,
    UpdateInstitutionCommand,
)
from excedentes.domain.errors import StaleVersion, VersionRequired
from excedentes.domain.institution import STORAGE_BACKENDS, InstitutionSettings
from excedentes.domain.versions import require_version
from shared.adapters.sql.queries import end_read_snapshot
from shared.kernel.errors import Conflict, ValidationError
from shared.kernel.scope import Role

BASE = "/excedentes/instituciones"
STORAGE_LABELS = {"local": "Local (disco del servidor)", "s3": "S3 (almacenamiento de objetos)"}
assert set(STORAGE_LABELS) == set(STORAGE_BACKENDS)


@attrs.define
class InstitutionForm:
    """The settings form; an empty field is "not given" (the edition's value on create)."""

    edicion: str = ""
    codigo: str = ""
    nombre: str = ""
    entidades: str = ""
    firma1: str = ""
    firma2: str = ""
    nombre_firma: str = ""  # "si" / "no" / "" (the edition's)
    encabezado: str = ""  # one line per row
    pdf_mb: str = ""
    especialidad: str = ""  # "si" / "no" / ""
    almacenamiento: str = ""
    lista_entidades: str = ""  # registration: "CÓDIGO, Nombre" per row; empty: the edition's
    version: str = ""
    csrf_token: str = ""

    def settings(self, complete: bool = False) -> InstitutionSettings:
        """``complete``: the edit form, where an emptied field means empty (a required one is
        refused, no header lines print the name); on create an empty field is not given."""
        def given(text: str) -> str | None:
            return text if complete or text.strip() else None

        labels: tuple[str, str] | None = None
        if complete or self.firma1.strip() or self.firma2.strip():
            labels = (self.firma1, self.firma2)  # both or the domain refuses the pair
        lines = tuple(line for line in self.encabezado.splitlines() if line.strip())
        return InstitutionSettings(
            name=given(self.nombre), entity_word=given(self.entidades),
            signature_labels=labels,
            header_lines=lines if complete or self.encabezado.strip() else None,
            signature_name_line=_yes_no(self.nombre_firma, "«Nombre:» bajo cada firma"),
            signed_pdf_max_mb=parse_int(self.pdf_mb, "Tamaño máximo del reporte firmado (MB)",
                                        minimum=1),
            has_specialty_level=_yes_no(self.especialidad, "Nivel de especialidad troncal"),
            storage_backend=self.almacenamiento.strip() or None)

    def entities(self) -> tuple[tuple[str, str], ...] | None:
        """The typed entities (None when the field is empty: the edition's); a row without
        its comma is refused naming the row."""
        pairs = []
        for n, line in enumerate(self.lista_entidades.splitlines(), 1):
            if not line.strip():
                continue
            code, sep, name = line.partition(",")
            if not sep or not code.strip() or not name.strip():
                raise ValidationError(f"Entidades, renglón {n}: escriba «CÓDIGO, Nombre» (por "
                                      "ejemplo «BC, BAJA CALIFORNIA»).")
            pairs.append((code.strip(), name.strip()))
        return tuple(pairs) or None

    @classmethod
    def of(cls, view: Any) -> "InstitutionForm":
        """The form filled with an institution's stored settings."""
        return cls(codigo=view.code, nombre=view.name, entidades=view.entity_word,
                   firma1=view.signature_labels[0], firma2=view.signature_labels[1],
                   nombre_firma="si" if view.signature_name_line else "no",
                   encabezado="\n".join(view.header_lines), pdf_mb=str(view.signed_pdf_max_mb),
                   especialidad="si" if view.has_specialty_level else "no",
                   almacenamiento=view.storage_backend, version=str(view.version.version))


def _yes_no(raw: str, what: str) -> bool | None:
    value = (raw or "").strip().lower()
    if not value:
        return None
    if value not in ("si", "no"):
        raise ValidationError(f"«{what}»: elija Sí o No.")
    return value == "si"


class InstitutionPages(Controller):
    path = BASE
    guards = [require_roles(Role.ADMIN)]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def list_page(self, request: Request[Any, Any, Any],
                  institution_queries: Injected[InstitutionQueries]) -> Any:
        return self._list(request, institution_queries)

    def _list(self, request: Request[Any, Any, Any], queries: InstitutionQueries,
              form: InstitutionForm | None = None, error: str | None = None,
              status_code: int = 200) -> Any:
        scope = scope_of(request)
        return render_page(request, "excedentes/instituciones.html", status_code=status_code,
                           institutions=queries.list(scope),
                           editions=queries.edition_list(scope),
                           form=form or InstitutionForm(), error=error,
                           storages=STORAGE_LABELS)

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any],
               create_institution: Injected[CreateInstitution],
               institution_queries: Injected[InstitutionQueries],
               data: Annotated[InstitutionForm, URL_FORM]) -> Any:
        try:
            view = create_institution(actor_of(request), CreateInstitutionCommand(
                data.codigo.strip() or None, data.edicion.strip() or None, data.settings(),
                data.entities()))
        except (ValidationError, Conflict) as refused:
            return self._list(request, institution_queries, form=data, error=refused.message,
                              status_code=refused.status)
        flash(request, f"Institución {view.code} registrada: {view.name}, con "
                       f"{view.entity_count} entidades. Siga con sus periodos, su catálogo y sus "
                       "unidades médicas.", "success")
        return redirect(f"{BASE}/{view.code}")

    @get("/{code:str}", sync_to_thread=True)
    def edit_page(self, request: Request[Any, Any, Any],
                  institution_queries: Injected[InstitutionQueries],
                  code: FromPath[str]) -> Any:
        return self._edit(request, institution_queries, code)

    def _edit(self, request: Request[Any, Any, Any], institution_queries: InstitutionQueries,
              code: str, typed: InstitutionForm | None = None, error: str | None = None,
              status_code: int = 200, stale: bool = False) -> Any:
        """The form of the stored settings; after a refusal, the values typed. A stale form
        carries the current version and shows the stored value beside each typed one."""
        current = institution_queries.get(scope_of(request), code)
        stored = InstitutionForm.of(current)
        form = stored
        if typed is not None:
            form = attrs.evolve(typed, codigo=current.code,
                                version=stored.version if stale else typed.version)
        return render_page(request, "excedentes/institucion.html", status_code=status_code,
                           institution=current, form=form, error=error,
                           stored=stored if stale else None, storages=STORAGE_LABELS)

    @post("/{code:str}", sync_to_thread=True)
    def update(self, request: Request[Any, Any, Any],
               update_institution: Injected[UpdateInstitution],
               institution_queries: Injected[InstitutionQueries], code: FromPath[str],
               data: Annotated[InstitutionForm, URL_FORM]) -> Any:
        try:
            change = update_institution(actor_of(request), UpdateInstitutionCommand(
                code, data.settings(complete=True),
                require_version(data.version, "esta institución")))
        except (StaleVersion, VersionRequired) as refused:
            end_read_snapshot()  # show what the other person saved: read after their commit
            return self._edit(request, institution_queries, code, typed=data,
                              error=refused.message, status_code=refused.status, stale=True)
        except (ValidationError, Conflict) as refused:
            return self._edit(request, institution_queries, code, typed=data,
                              error=refused.message, status_code=refused.status)
        view = change.institution
        flash(request, f"Institución {view.code}: "
                       + ("datos guardados." if change.changed else "sin cambios."), "success")
        return redirect(BASE)
