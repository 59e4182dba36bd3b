"""The capturista's steps as pages: Paso 2 (question), 3 (units), 4 (service groups),
5 (especialidades troncales), 6 (the grid) and 7 (finalize), plus "solicitar producto".

Every handler derives the caller from the session; an entity outside the caller's scope
answers exactly like a missing one (the queries raise the same ``NotFound``). Refusals of the
use cases (locked, window closed, NO with records, wrong password) re-show the page with the
message and what the user typed.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Mapping

import attrs
from litestar import Controller, Request, get, post
from litestar.config.compression import CompressionConfig
from litestar.enums import RequestEncodingType
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.params import Body, FromPath, RawBody
from markupsafe import Markup, escape

from entrypoints.http.dependencies import Injected
from entrypoints.http.excedentes.common import (
    actor_of,
    entity_ref,
    exc_guard,
    path_urls,
    reauthenticate,
    scope_of,
    urls_for,
)
from entrypoints.http.fragments import Fragments
from entrypoints.http.excedentes.grid_html import editable_rows, history_prefix, readonly_rows
from entrypoints.http.excedentes.pages import render_entity
from entrypoints.http.forms import (
    all_values,
    field_values,
    form_fields,
    page_request,
    parse_int,
    same_page,
    search_term,
    with_query,
)
from entrypoints.http.read_scope import memory_first
from entrypoints.http.rendering import flash, redirect
from excedentes.application.quality import QualityQueries
from excedentes.application.queries import ExcedentesQueries
from excedentes.application.use_cases.capture import (
    AnswerStep2,
    AnswerStep2Command,
    FinalizeCommand,
    FinalizeReport,
    SaveGrid,
    SaveGridCommand,
)
from excedentes.application.use_cases.product_requests import (
    FileProductRequest,
    FileProductRequestCommand,
)
from shared.identity.application import IdentityService
from excedentes.domain.catalog import normalize_clues
from excedentes.domain.errors import SpecialtyRequired, StaleVersion, VersionRequired
from excedentes.domain.grid import (
    INPUT_FIELDS,
    GridField,
    GridRow,
    differing_fields,
    inputs_changed,
)
from excedentes.domain.model import Answer
from excedentes.domain.versions import require_version
from shared.adapters.sql.queries import end_read_snapshot
from shared.adapters.sql.read_scope import needs_database
from shared.kernel.errors import Conflict, ValidationError
from shared.kernel.text import count_text

URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
ENTITY = "/entidades/{inst:str}/{entity:str}/{year:int}"
UNIT = ENTITY + "/unidades/{clues:str}"
GROUP = UNIT + "/grupos/{group_id:int}"

# Short input names keep the 2,857-row Cirugía form light: "fa123" = Faltante Ambulatoria
# of product 123; "p" lists the product ids in the order shown, in one hidden field
# (space-separated; repeated "p" fields are read too).
FIELD_PREFIX = {
    GridField.SHORTAGE_OUTPATIENT: "fa",
    GridField.SHORTAGE_INPATIENT: "fh",
    GridField.CAUSE: "c",
    GridField.SURPLUS_OUTPATIENT: "ea",
    GridField.SURPLUS_INPATIENT: "eh",
    GridField.MONTHLY_PATIENTS: "pm",
}
# The Cirugía grid (2,857 rows x 7 inputs) is 2.4-3.2 MB of repetitive HTML. gzip's fastest
# level sends ~11 % of it in ~20 ms; level 6 sent ~9 % but took ~90 ms (on this page the
# slowest part of the answer after the rows were written in Python).
GRID_GZIP_LEVEL = 1
GZIP = [DefineMiddleware(CompressionMiddleware, config=CompressionConfig(
    backend="gzip", minimum_size=16 * 1024, gzip_compress_level=GRID_GZIP_LEVEL))]


@attrs.define
class AnswerForm:
    respuesta: str = ""
    version: str = ""  # the report version the page was drawn from
    csrf_token: str = ""


@attrs.define
class FinalizeForm:
    desea: str = ""
    contrasena: str = ""
    version: str = ""
    csrf_token: str = ""


@attrs.define
class ProductRequestForm:
    producto: str = ""
    unidad_medida: str = ""
    justificacion: str = ""
    especialidad: str = ""  # chosen in the form when the page's address has none
    csrf_token: str = ""


# Rows per chunk of the Paso 6 grid: each chunk is its own table in a block that the browser
# lays out only when it comes into view (CSS content-visibility), so a 2,857-row grid is
# usable in about a second instead of eight.
GRID_CHUNK = 100

# The content of a plain Paso 6 GET (everything inside the layout: header, notes, filter, the
# rows) kept per value of what it shows: the ``GridView`` (overview, unit, lines, version),
# the notes beside the rows. Equal views draw the same HTML, so a save (new values, a new
# version) or any change of state draws a new one. The caller's CSRF token is not kept: the
# HTML holds a per-process slot that each request replaces with its own token. Grids above
# GRID_CONTENT_MAX_ROWS (Cirugía's 2.4 MB) are rendered every time, to keep memory small.
GRID_CONTENT = Fragments("excedentes/_paso6_contenido.html", kept=128)
GRID_CONTENT_MAX_ROWS = 400
_CSRF_SLOT = "csrf-" + secrets.token_hex(16)


def _is_yes(raw: str) -> bool:
    try:
        return Answer.parse(raw) is Answer.YES
    except ValidationError:
        return False


def grid_rows_from_form(data: Mapping[str, Any], prefix: str = "", *,
                        fields: Mapping[str, str] | None = None) -> list[GridRow]:
    """The rows of a submitted Paso 6 form, in the order shown (``p`` lists the products).

    ``prefix="o"`` reads instead the values each row started from: the page sends them in
    hidden inputs ("ofa123"), only where not blank, so a missing one means blank. ``fields``:
    ``field_values(data)`` when the caller has it already."""
    fields = field_values(data) if fields is None else fields
    keys = [prefix + short for short in _INPUT_KEYS]
    get = fields.get
    rows = []
    for pid in grid_product_ids(data):
        s = str(pid)
        rows.append(GridRow(pid, *[get(k + s, "") for k in keys]))
    return rows


# the six inputs of a row in ``GridRow``'s positional order (after the product)
_INPUT_KEYS = tuple(FIELD_PREFIX[f] for f in INPUT_FIELDS)
_ORIGIN_KEYS = tuple("o" + k for k in _INPUT_KEYS)


def grid_product_ids(data: Any) -> list[int]:
    """The products of a submitted Paso 6 form, in the order shown (``p``: space- or
    comma-separated ids, repeated fields read too); ``ValidationError`` for a bad id."""
    ids = []
    for raw in (pid for value in all_values(data, "p") for pid in value.replace(",", " ").split()):
        pid = parse_int(raw, "producto")
        if pid is None:
            raise ValidationError("Producto no válido.")
        ids.append(pid)
    return ids


def grid_comments_from_form(data: Mapping[str, Any], product_ids: list[int],
                            prefix: str = "", *,
                            fields: Mapping[str, str] | None = None) -> dict[int, str]:
    """The comment typed in each row ("nt123", nota), or with ``prefix="o"`` the one it
    started from ("ont123", sent only where not blank)."""
    fields = field_values(data) if fields is None else fields
    return {pid: fields.get(f"{prefix}nt{pid}", "") for pid in product_ids}


@attrs.frozen
class SubmittedGrid:
    """A posted Paso 6 form: the rows to save (``changed``: those whose values or comment the
    user changed from what the page showed, in the order shown) with their comments; the
    whole form's rows, starting values and comments only when a page shows them back."""

    fields: Mapping[str, str]
    ids: list[int]
    changed: list[GridRow]
    sent_comments: dict[int, str]

    @classmethod
    def read(cls, fields: Mapping[str, str]) -> "SubmittedGrid":
        ids = grid_product_ids(fields)
        get = fields.get
        k0, k1, k2, k3, k4, k5 = _INPUT_KEYS
        o0, o1, o2, o3, o4, o5 = _ORIGIN_KEYS
        changed: list[GridRow] = []
        sent: dict[int, str] = {}
        for pid in ids:
            s = str(pid)
            # spelled out: a comprehension is a call per row (2,857 on the Cirugía grid)
            typed = [get(k0 + s, ""), get(k1 + s, ""), get(k2 + s, ""), get(k3 + s, ""),
                     get(k4 + s, ""), get(k5 + s, "")]
            start = [get(o0 + s, ""), get(o1 + s, ""), get(o2 + s, ""), get(o3 + s, ""),
                     get(o4 + s, ""), get(o5 + s, "")]
            comment = get("nt" + s, "")
            # the same texts as the page sent: unchanged (most rows of a big grid); differing
            # texts are compared as values ("1,200" is 1200); a row object only to save
            if (typed != start and inputs_changed(typed, start)
                    or comment.strip() != get("ont" + s, "").strip()):  # or its comment
                changed.append(GridRow.of_texts(pid, *typed))
                sent[pid] = comment
        return cls(fields, ids, changed, sent)

    def rows(self) -> list[GridRow]:
        return grid_rows_from_form(self.fields, fields=self.fields)

    def originals(self) -> dict[int, GridRow]:
        return {r.product_id: r for r in grid_rows_from_form(self.fields, "o",
                                                             fields=self.fields)}

    def comments(self) -> dict[int, str]:
        return grid_comments_from_form(self.fields, self.ids, fields=self.fields)

    def comment_starts(self) -> dict[int, str]:
        return grid_comments_from_form(self.fields, self.ids, "o", fields=self.fields)


def current_beside(typed: list[GridRow], view: Any) -> dict[int, dict[str, str]]:
    """For a stale save: ``{product: {field: current value}}`` where what the user typed
    differs from what is stored now ("" = nothing stored)."""
    now = {line.product_id: line.row for line in view.lines}
    out: dict[int, dict[str, str]] = {}
    for row in typed:
        current = now.get(row.product_id)
        fields = differing_fields(row, current)
        if fields:
            out[row.product_id] = {f.value: current.raw(f) if current else "" for f in fields}
    return out


class CapturePages(Controller):
    path = "/excedentes"
    guards = [exc_guard]
    include_in_schema = False

    # ------------------------------------------------------------------ Paso 2

    @get(ENTITY, sync_to_thread=True)
    def step2(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
              inst: FromPath[str], entity: FromPath[str],
              year: FromPath[int]) -> Any:
        ov = queries.overview(scope_of(request), entity_ref(inst, entity), year)
        return render_entity(request, "excedentes/paso2.html", ov,
                             chosen=ov.answer.value if ov.answer else "", error=None)

    @post(ENTITY + "/respuesta", sync_to_thread=True)
    def answer(self, request: Request[Any, Any, Any], answer_step2: Injected[AnswerStep2],
               queries: Injected[ExcedentesQueries], inst: FromPath[str],
               entity: FromPath[str], year: FromPath[int],
               data: Annotated[AnswerForm, URL_FORM]) -> Any:
        ref = entity_ref(inst, entity)
        try:
            result = answer_step2(actor_of(request), AnswerStep2Command(
                ref, year, data.respuesta, expected_version=require_version(data.version)))
        except (ValidationError, Conflict) as refused:
            is_stale = isinstance(refused, StaleVersion)
            if is_stale:  # show what the other person saved: read after their commit
                end_read_snapshot()
            ov = queries.overview(scope_of(request), ref, year)
            # a stale page comes back at the current version, with the current answer shown
            # beside the one typed; any other refusal keeps the version it was drawn from
            return render_entity(request, "excedentes/paso2.html", ov,
                                 status_code=refused.status, chosen=data.respuesta,
                                 error=refused.message, stale=is_stale,
                                 version=None if is_stale else data.version)
        u = path_urls(ref, year)
        flash(request, f"Respuesta guardada: {result.after.value}.", "success")
        return redirect(u.units if result.after is Answer.YES else u.finalize)

    # ------------------------------------------------------------------ Paso 3

    @get(ENTITY + "/unidades", sync_to_thread=True)
    def units(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
              inst: FromPath[str], entity: FromPath[str],
              year: FromPath[int]) -> Any:
        page = page_request(request, 25)
        listing = queries.units(scope_of(request), entity_ref(inst, entity), year,
                                page)
        base = urls_for(listing.overview).units
        return render_entity(request, "excedentes/paso3.html", listing.overview,
                             listing=listing,
                             page_url=lambda n: with_query(base, q=page.search or None,
                                                           pagina=n))

    # ------------------------------------------------------------------ Paso 4

    @get(UNIT, sync_to_thread=True)
    def groups(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
               inst: FromPath[str], entity: FromPath[str],
               year: FromPath[int], clues: FromPath[str]) -> Any:
        listing = queries.service_groups(scope_of(request),
                                         entity_ref(inst, entity), year, clues)
        return render_entity(request, "excedentes/paso4.html", listing.overview,
                             listing=listing, unit=listing.unit)

    # ------------------------------------------------------------------ Paso 5

    @get(GROUP, sync_to_thread=True)
    def specialties(self, request: Request[Any, Any, Any],
                    queries: Injected[ExcedentesQueries],
                    inst: FromPath[str],
                    entity: FromPath[str], year: FromPath[int], clues: FromPath[str],
                    group_id: FromPath[int]) -> Any:
        listing = queries.specialties(scope_of(request), entity_ref(inst, entity),
                                      year, clues, group_id)
        if listing.skip:  # IMSS: no especialidad troncal level, the group opens its grid
            return redirect(urls_for(listing.overview).grid(listing.unit.clues, group_id))
        return render_entity(request, "excedentes/paso5.html", listing.overview,
                             listing=listing, unit=listing.unit)

    # ------------------------------------------------------------------ Paso 6

    @get(GROUP + "/productos", middleware=GZIP)
    @memory_first
    def grid(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
             quality_queries: Injected[QualityQueries],
             inst: FromPath[str],
             entity: FromPath[str],
             year: FromPath[int], clues: FromPath[str], group_id: FromPath[int]) -> Any:
        q = request.query_params
        specialty_id = parse_int(q.get("especialidad"), "especialidad")
        ref = entity_ref(inst, entity)
        try:
            view = queries.grid(scope_of(request), ref, year, clues, group_id,
                                specialty_id, search_term(q.get("q")))
        except SpecialtyRequired:
            # the guides' grid is per especialidad troncal: choose it first (Paso 5); the
            # query checked the scope, the unit and the group before this rule
            return redirect(path_urls(ref, year).group(normalize_clues(clues), group_id))
        if q.get("copiar") and view.editable:
            return self._copied_page(request, quality_queries, view)
        return self._grid_page(request, quality_queries, view)

    def _copied_page(self, request: Request[Any, Any, Any], quality: QualityQueries,
                     view: Any) -> Any:
        """"Copiar los valores del periodo anterior": last period's values typed into the rows
        that are blank now (a value already captured is never overwritten); the page's
        starting values stay the stored ones, so Guardar saves the copies like typed values."""
        previous = quality.previous_values(view)
        rows = [previous[line.product_id] for line in view.lines
                if line.row.is_blank and line.product_id in previous]
        year = view.overview.period.year - 1
        if rows:
            notice = (f"Se copiaron los valores de {count_text(len(rows), 'producto')} del "
                      f"periodo {year} en las filas vacías. Revíselos y pulse Guardar: no se "
                      f"guarda nada hasta entonces.")
        else:
            notice = (f"El periodo {year} no tiene valores de esta unidad en las filas vacías "
                      f"de esta tabla; no se copió nada.")
        return self._grid_page(request, quality, view, rows=rows, notice=notice)

    @post(GROUP + "/productos", sync_to_thread=True, middleware=GZIP)
    def save_grid(self, request: Request[Any, Any, Any],
                  queries: Injected[ExcedentesQueries],
                  quality_queries: Injected[QualityQueries],
                  save_grid: Injected[SaveGrid], inst: FromPath[str],
                  entity: FromPath[str], year: FromPath[int], clues: FromPath[str],
                  group_id: FromPath[int], body: RawBody) -> Any:
        q = request.query_params
        specialty_id = parse_int(q.get("especialidad"), "especialidad")
        search = search_term(q.get("q"))
        ref = entity_ref(inst, entity)
        # ~17,000 fields of the Cirugía grid: the body parsed once (the CSRF check did), and
        # only what the user changed is saved: an untouched row (even the blank copy of a
        # record someone saved after this page was drawn) is never sent; a row whose comment
        # alone changed is sent too
        fields = form_fields(request.scope, body)
        sent = SubmittedGrid.read(fields)
        changed, sent_comments = sent.changed, sent.sent_comments

        def page(**kw: Any) -> Any:
            view = queries.grid(scope_of(request), ref, year, clues, group_id,
                                specialty_id, search)
            # a grid that became read-only (finalized, window closed) shows what is stored:
            # typed values there would look saved
            return self._grid_page(request, quality_queries, view,
                                   rows=sent.rows() if view.editable else None,
                                   comments=sent.comments() if view.editable else None, **kw)

        try:
            expected = require_version(fields.get("version", ""))
            result = save_grid(actor_of(request), SaveGridCommand(
                ref, year, clues, group_id, specialty_id, changed, expected_version=expected,
                comments=sent_comments))
        except StaleVersion as refused:
            # re-read after the other person's commit; the page now carries the current
            # version and values, the user's changes typed in, the current ones beside them
            end_read_snapshot()
            view = queries.grid(scope_of(request), ref, year, clues, group_id,
                                specialty_id, search)
            if not view.editable:
                return self._grid_page(request, quality_queries, view, status_code=409,
                                       error=refused.message)
            return self._grid_page(request, quality_queries, view, rows=changed,
                                   status_code=409, error=refused.message,
                                   current=current_beside(changed, view),
                                   comments=sent_comments)
        except Conflict as refused:  # locked, window closed, Paso 2 not answered SI
            return page(status_code=refused.status, error=refused.message)
        except VersionRequired as refused:
            return page(status_code=refused.status, error=refused.message)
        if not result.saved:
            errors = {result.rows[i].product_id: {f.value: msgs for f, msgs in fields.items()}
                      for i, fields in result.errors_by_row().items()}
            # the page keeps the version and starting values it was drawn from
            return page(errors=errors, status_code=422, error=result.summary,
                        version=expected, originals=sent.originals(),
                        comment_starts=sent.comment_starts())
        flash(request, result.summary, "success")
        return redirect(same_page(request))

    def _grid_page(self, request: Request[Any, Any, Any], quality: QualityQueries, view: Any,
                   rows: list[GridRow] | None = None,
                   errors: dict[int, dict[str, tuple[str, ...]]] | None = None,
                   status_code: int = 200, error: str | None = None,
                   version: int | None = None, originals: dict[int, GridRow] | None = None,
                   current: dict[int, dict[str, str]] | None = None,
                   comments: dict[int, str] | None = None,
                   comment_starts: dict[int, str] | None = None,
                   notice: str | None = None) -> Any:
        """``version`` / ``originals`` / ``comment_starts``: what the form says it started
        from (default: the view's, i.e. what is stored now); ``current``: a stale save's values
        shown beside; ``comments``: the comments typed (default: the stored ones)."""
        notes = quality.grid_notes(view)
        plain = (rows is None and errors is None and status_code == 200 and error is None
                 and version is None and originals is None and current is None
                 and comments is None and comment_starts is None and notice is None)
        if plain and len(view.lines) <= GRID_CONTENT_MAX_ROWS:
            return self._kept_grid_page(request, view, notes)
        # A page drawn anew (a large grid, an answer to a save) is drawn in a worker thread:
        # under ``memory_first`` only kept pages are served in the event loop.
        needs_database()
        stored_comments = {pid: n.comment for pid, n in notes.items()}
        typed = {r.product_id: r for r in rows or ()}
        starts = originals or {}
        errors, current = errors or {}, current or {}
        lines = [(line, typed.get(line.product_id, line.row), errors.get(line.product_id, {}),
                  starts.get(line.product_id, line.row), current.get(line.product_id))
                 for line in view.lines]
        history = history_prefix(urls_for(view.overview).root, view.unit.clues)
        if view.editable:
            shown = {**stored_comments, **(comments or {})}
            starts = stored_comments if comment_starts is None else comment_starts
            chunks = [editable_rows(lines[i:i + GRID_CHUNK], notes, shown, starts, history)
                      for i in range(0, len(lines), GRID_CHUNK)]
        else:
            chunks = [readonly_rows(lines[i:i + GRID_CHUNK], notes, history)
                      for i in range(0, len(lines), GRID_CHUNK)]
        return render_entity(request, "excedentes/paso6.html", view.overview,
                             status_code=status_code, view=view, unit=view.unit, chunks=chunks,
                             lines=lines if errors else (),
                             product_ids=" ".join(str(line.product_id) for line in view.lines),
                             version=view.version.version if version is None else version,
                             error=error, notice=notice)

    def _kept_grid_page(self, request: Request[Any, Any, Any], view: Any,
                        notes: Mapping[int, Any]) -> Any:
        """A plain GET's page: its content from ``GRID_CONTENT`` (rendered once per view)."""
        page = render_entity(request, "excedentes/paso6.html", view.overview, view=view,
                             unit=view.unit)
        ctx = page.context

        def context() -> dict[str, Any]:
            lines = [(line, line.row, {}, line.row, None) for line in view.lines]
            stored = {pid: n.comment for pid, n in notes.items()}
            history = history_prefix(urls_for(view.overview).root, view.unit.clues)
            if view.editable:
                chunks = [editable_rows(lines[i:i + GRID_CHUNK], notes, stored, stored, history)
                          for i in range(0, len(lines), GRID_CHUNK)]
            else:
                chunks = [readonly_rows(lines[i:i + GRID_CHUNK], notes, history)
                          for i in range(0, len(lines), GRID_CHUNK)]
            # only what the view decides (the step's URLs and numbers come from its overview)
            return {"ov": view.overview, "u": ctx["u"], "home": ctx["home"],
                    "paso": ctx["paso"], "view": view, "unit": view.unit, "chunks": chunks,
                    "lines": (), "error": None, "notice": None,
                    "product_ids": " ".join(str(line.product_id) for line in view.lines),
                    "version": view.version.version, "csrf_token": _CSRF_SLOT}

        key = (view, tuple(notes.items()))
        try:
            hash(key)
        except TypeError:  # a view holding an unhashable value: drawn without keeping it
            kept = Markup(request.app.template_engine.engine.get_template(  # type: ignore
                GRID_CONTENT.template).render(**context()))
        else:
            kept = GRID_CONTENT.render(request, (), key, context)
        token = str(escape(ctx["csrf_token"]))
        ctx["content"] = Markup(str(kept).replace(_CSRF_SLOT, token))
        return page

    # ------------------------------------------------------------------ solicitar producto

    @get(GROUP + "/solicitar-producto", sync_to_thread=True)
    def request_product_page(self, request: Request[Any, Any, Any],
                             queries: Injected[ExcedentesQueries],
                             inst: FromPath[str], entity: FromPath[str], year: FromPath[int],
                             clues: FromPath[str], group_id: FromPath[int]) -> Any:
        specialty_id = parse_int(request.query_params.get("especialidad"), "especialidad")
        return self._request_page(request, queries, inst, entity, year, clues, group_id,
                                  specialty_id, ProductRequestForm())

    @post(GROUP + "/solicitar-producto", sync_to_thread=True)
    def request_product(self, request: Request[Any, Any, Any],
                        file_product_request: Injected[FileProductRequest],
                        queries: Injected[ExcedentesQueries],
                        inst: FromPath[str],
                        entity: FromPath[str], year: FromPath[int], clues: FromPath[str],
                        group_id: FromPath[int],
                        data: Annotated[ProductRequestForm, URL_FORM]) -> Any:
        ref = entity_ref(inst, entity)
        # the especialidad comes with the page's address, or is chosen in the form (Paso 5
        # institutions asking from a grid without one)
        specialty_id = parse_int(request.query_params.get("especialidad") or data.especialidad,
                                 "especialidad")
        try:
            outcome = file_product_request(actor_of(request), FileProductRequestCommand(
                ref, group_id, specialty_id, data.producto, data.unidad_medida,
                data.justificacion))
        except ValidationError as refused:
            return self._request_page(request, queries, inst, entity, year, clues, group_id,
                                      specialty_id, data, error=refused.message,
                                      status_code=refused.status)
        flash(request, f"Solicitud de producto enviada al coordinador (número {outcome.id}, "
                       f"{outcome.status_label}): «{outcome.product_name}» para "
                       f"{outcome.grid_path}.", "success")
        return redirect(path_urls(ref, year).grid(clues, group_id, specialty_id))

    def _request_page(self, request: Request[Any, Any, Any], queries: ExcedentesQueries, inst: str,
                      entity: str, year: int,
                      clues: str, group_id: int, specialty_id: int | None,
                      form: ProductRequestForm, error: str | None = None,
                      status_code: int = 200) -> Any:
        # a specialty that is not of the group answers like a missing one, before any typing
        target = queries.request_target(
            scope_of(request), entity_ref(inst, entity), year, clues, group_id, specialty_id)
        listing = target.listing
        return render_entity(request, "excedentes/solicitar_producto.html", listing.overview,
                             status_code=status_code, listing=listing, unit=listing.unit,
                             specialty=target.specialty,
                             specialty_id=target.specialty.specialty_id
                             if target.specialty else None,
                             choose_specialty=target.specialty is None
                             and listing.overview.institution.has_specialty_level,
                             form=form, error=error)

    # ------------------------------------------------------------------ Paso 7

    @get(ENTITY + "/finalizar", sync_to_thread=True)
    def finalize_page(self, request: Request[Any, Any, Any],
                      queries: Injected[ExcedentesQueries],
                      inst: FromPath[str],
                      entity: FromPath[str], year: FromPath[int]) -> Any:
        ov = queries.overview(scope_of(request), entity_ref(inst, entity), year)
        return render_entity(request, "excedentes/paso7.html", ov, error=None, desea="")

    @post(ENTITY + "/finalizar", sync_to_thread=True)
    def finalize(self, request: Request[Any, Any, Any], queries: Injected[ExcedentesQueries],
                 finalize: Injected[FinalizeReport],
                 identity: Injected[IdentityService], inst: FromPath[str],
                 entity: FromPath[str], year: FromPath[int],
                 data: Annotated[FinalizeForm, URL_FORM]) -> Any:
        ref = entity_ref(inst, entity)
        ov = queries.overview(scope_of(request), ref, year)  # NotFound before anything else
        if not _is_yes(data.desea):
            return render_entity(request, "excedentes/paso7.html", ov, status_code=422,
                                 desea=data.desea,
                                 error="Seleccione SI en «¿Desea finalizar el registro?» para "
                                       "finalizar; el registro no se finalizó.")
        confirmed = reauthenticate(request, identity, data.contrasena)
        try:
            result = finalize(actor_of(request), FinalizeCommand(
                ref, year, confirmed, expected_version=require_version(data.version)))
        except (ValidationError, Conflict) as refused:
            is_stale = isinstance(refused, StaleVersion)
            if is_stale:  # the page shows the state the other person left
                end_read_snapshot()
                ov = queries.overview(scope_of(request), ref, year)
            return render_entity(request, "excedentes/paso7.html", ov,
                                 status_code=refused.status, desea=data.desea,
                                 error=refused.message,
                                 version=None if is_stale else data.version)
        note = f" {result.note}" if result.note else ""
        flash(request, f"Registro finalizado. Folio {result.folio}, huella "
                       f"{result.fingerprint}.{note}", "success")
        return redirect(urls_for(ov).reports)
