"""What the exchange pages and API share: the names of their dependencies, who is calling,
the guards, the URLs, and the two downloads (written to a temporary file under var/tmp,
streamed as an attachment, then deleted).

Handlers stay thin: parse, call one query or use case (typed parameters the module's router
injects, see ``DEPENDENCIES``), render or return JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.response import Stream

from entrypoints.http.exchange.forms import filter_query
from entrypoints.http.forms import with_query
from entrypoints.http.security import require_roles, session_actor
from entrypoints.http.streams import PDF, XLSX, into_temp_file, into_temp_path, stream_temp_file
from exchange.application.model import ViewFilter
from shared.kernel.scope import Actor, Role

if TYPE_CHECKING:
    from exchange.application.use_cases import ExportExchange, PrintExchangeSummary

BASE = "/intercambios"
API = "/api/excedentes/intercambios"


# Who may open the exchange pages at all; the scope rules (``Viewer``) do the rest.
exchange_guard = require_roles(Role.CAPTURISTA, Role.COORDINADOR, Role.ADMIN)
manager_guard = require_roles(Role.COORDINADOR, Role.ADMIN)


# What the exchange handlers receive by parameter name: providers of the exchange container.
DEPENDENCIES = ("queries", "run_analysis", "export_workbook", "print_summary",
                # agreements (issue 17)
                "agreement_queries", "propose_agreement", "accept_agreement",
                "decline_agreement", "cancel_agreement", "record_delivery",
                "upload_agreement_scan", "open_agreement_scan", "print_agreement",
                "manage_reasons", "export_loop")


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    """The session user as the exchange use cases see them: username (audit) and scope."""
    return session_actor(request, Actor)


def analysis_url(analysis_id: int, flt: ViewFilter | None = None, page: str = "",
                 **extra: Any) -> str:
    path = f"{BASE}/{analysis_id}" + (f"/{page}" if page else "")
    return with_query(path, **(filter_query(flt, **extra) if flt is not None else extra))


def download_workbook(request: Request[Any, Any, Any], use_case: ExportExchange,
                      analysis_id: int, flt: ViewFilter) -> Stream:
    actor = actor_of(request)
    path, _ = into_temp_path(request, ".xlsx", lambda p: use_case(actor, analysis_id, flt, p))
    return stream_temp_file(path, XLSX, f"oportunidades-intercambio-analisis-{analysis_id}.xlsx")


def download_summary(request: Request[Any, Any, Any], use_case: PrintExchangeSummary,
                     analysis_id: int, flt: ViewFilter) -> Stream:
    actor = actor_of(request)

    path, _ = into_temp_file(request, ".pdf", lambda out: use_case(actor, analysis_id, flt, out))
    return stream_temp_file(path, PDF, f"oportunidades-intercambio-analisis-{analysis_id}.pdf")
