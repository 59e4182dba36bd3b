"""Rendering helpers of the excedentes pages: the common context every step page needs."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from entrypoints.http.excedentes.common import (
    SYSTEM_TITLE,
    dashboard_url,
    step_number,
    urls_for,
)
from entrypoints.http.rendering import render


def render_entity(request: Request[Any, Any, Any], template: str, overview: Any,
                  status_code: int = 200, **context: Any) -> Template:
    """A step page of one entity: its URLs, the guide's step numbers for its institution, the
    "Inicio" link back to its tablero."""
    has_level = overview.institution.has_specialty_level
    return render(request, template, status_code=status_code, ov=overview,
                  u=urls_for(overview), system_title=SYSTEM_TITLE,
                  home=dashboard_url(overview.institution.code, overview.period.year),
                  paso=lambda n: step_number(n, has_level), **context)


def render_page(request: Request[Any, Any, Any], template: str, status_code: int = 200,
                **context: Any) -> Template:
    """A page not bound to one entity (tablero, periods, requests, catalogs, help)."""
    context.setdefault("home", dashboard_url())
    return render(request, template, status_code=status_code, system_title=SYSTEM_TITLE,
                  **context)
