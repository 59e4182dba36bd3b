"""Homologaciones validadas (admin): every approved merge with the folios it moved, and
"Deshacer homologación" for a wrong one (S8: the merged record is kept with a snapshot of what
moved precisely so that an admin can undo it).

Undoing needs a reason (required by the use case, audited) and a confirmation: the box
"Confirmo…" works without JavaScript, and the script's ``data-confirm`` dialog adds a second
look. A refusal (no reason, no confirmation, already undone) shows the page again with what was
typed and the message.
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from entrypoints.http.dependencies import Injected
from entrypoints.http.forms import page_link
from entrypoints.http.rendering import flash, redirect
from entrypoints.http.sanece.common import (
    HOMOLOGACIONES,
    actor_of,
    admin_guard,
    render_san,
    scope_of,
    search_page,
)
from sanece.application.queries import SaneceQueries
from sanece.application.use_cases.review import ONLY_APPROVED_MERGE, UndoMerge
from sanece.domain.values import RequestStatus
from sanece.domain.request_types import RequestType
from shared.kernel.errors import Conflict, ValidationError

URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
PAGE_SIZE = 25
CONFIRM_FIRST = ("Marca la casilla de confirmación para deshacer la homologación (los folios "
                 "regresarán al registro homologado).")


@attrs.define
class UndoMergeForm:
    reason: str = ""
    confirm: str = ""  # the "Confirmo…" box: "1" when ticked
    csrf_token: str = ""


class MergePages(Controller):
    path = HOMOLOGACIONES
    guards = [admin_guard]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries]) -> Any:
        page = queries.merges(scope_of(request), search_page(request, PAGE_SIZE))
        return render_san(request, "sanece/homologaciones.html", page=page,
                          page_url=page_link(request))

    @get("/{request_id:int}", sync_to_thread=True)
    def confirm(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
                request_id: FromPath[int]) -> Any:
        return self._page(request, queries, request_id, UndoMergeForm())

    def _page(self, request: Request[Any, Any, Any], queries: SaneceQueries, request_id: int,
              form: UndoMergeForm, error: str | None = None, status_code: int = 200) -> Any:
        detail = queries.request(scope_of(request), request_id)
        r = detail.row
        undoable = (r.type is RequestType.MERGE and r.status is RequestStatus.APPROVED
                    and not r.undone)
        return render_san(request, "sanece/deshacer.html", status_code=status_code, d=detail,
                          r=r, form=form, error=error, undoable=undoable,
                          only_approved=ONLY_APPROVED_MERGE)

    @post("/{request_id:int}/deshacer", sync_to_thread=True)
    def undo(self, request: Request[Any, Any, Any], queries: Injected[SaneceQueries],
             undo_merge: Injected[UndoMerge], request_id: FromPath[int],
             data: Annotated[UndoMergeForm, URL_FORM]) -> Any:
        try:
            if not data.confirm:
                raise ValidationError(CONFIRM_FIRST, log_message="undo not confirmed")
            undone = undo_merge(actor_of(request), request_id, data.reason)
        except (ValidationError, Conflict) as refused:
            return self._page(request, queries, request_id, data, refused.message, refused.status)
        moved = ", ".join(undone.moved_back) or "ninguno"
        flash(request, f"Homologación de la solicitud {undone.request_id} deshecha: el registro "
                       f"ya no está homologado; folios devueltos: {moved}.", "success")
        return redirect(HOMOLOGACIONES)


__all__ = ["MergePages"]
