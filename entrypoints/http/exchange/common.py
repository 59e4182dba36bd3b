"""What the exchange pages and API share: the queries, the URLs, and the two downloads
(written to a temporary file under var/tmp, streamed as an attachment, then deleted)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Stream

from entrypoints.http.excedentes.common import actor_of, exc
from entrypoints.http.exchange.forms import filter_query
from entrypoints.http.forms import with_query
from entrypoints.http.streams import PDF, XLSX, into_temp_file, into_temp_path, stream_temp_file
from excedentes.application.exchange import ViewFilter

BASE = "/intercambios"
API = "/api/excedentes/intercambios"


def queries(request: Request[Any, Any, Any]) -> Any:
    """``ExchangeQueries`` of the excedentes container."""
    return exc(request).exchange_queries()


def analysis_url(analysis_id: int, flt: ViewFilter | None = None, page: str = "",
                 **extra: Any) -> str:
    path = f"{BASE}/{analysis_id}" + (f"/{page}" if page else "")
    return with_query(path, **(filter_query(flt, **extra) if flt is not None else extra))


def download_workbook(request: Request[Any, Any, Any], analysis_id: int,
                      flt: ViewFilter) -> Stream:
    use_case = exc(request).export_exchange()
    actor = actor_of(request)
    path, _ = into_temp_path(request, ".xlsx", lambda p: use_case(actor, analysis_id, flt, p))
    return stream_temp_file(path, XLSX, f"oportunidades-intercambio-analisis-{analysis_id}.xlsx")


def download_summary(request: Request[Any, Any, Any], analysis_id: int,
                     flt: ViewFilter) -> Stream:
    use_case = exc(request).print_exchange()
    actor = actor_of(request)

    path, _ = into_temp_file(request, ".pdf", lambda out: use_case(actor, analysis_id, flt, out))
    return stream_temp_file(path, PDF, f"oportunidades-intercambio-analisis-{analysis_id}.pdf")
