"""``create_app(container)``: the Litestar application, wired from the composition root."""

from __future__ import annotations

import gc

from pathlib import Path
from typing import Any, Sequence

from litestar import Litestar, Router
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from entrypoints.container import Container, build_container
from entrypoints.http import admin, identity, jobs, notifications
from entrypoints.http.dependencies import PLATFORM_DEPENDENCIES, bound, dependency_map
from entrypoints.http.errors import EXCEPTION_HANDLERS
from entrypoints.http.headers import SecurityHeadersMiddleware
from entrypoints.http.observability import configure_logging
from entrypoints.http.openapi import ProblemJsonRenderPlugin
from shared.storage.domain import format_size
from entrypoints.http.rendering import HttpModule
from entrypoints.http.security import RequestMiddleware
from entrypoints.modules import http_modules
from shared.kernel.scope import Role

HERE = Path(__file__).parent


def create_app(container: Container | None = None, modules: Sequence[HttpModule] | None = None) -> Litestar:
    container = container or build_container()
    settings = container.settings()
    configure_logging(settings.log_level, settings.log_json)
    modules = list(http_modules(container) if modules is None else modules)

    platform = HttpModule(
        name="platform",
        route_handlers=[bound([identity.AuthPages, identity.AuthApi, identity.health, admin.AdminPages,
                               admin.AdminApi], dependency_map(container, PLATFORM_DEPENDENCIES))],
        template_dir=HERE / "templates",
        menu=admin.ADMIN_MENU,
    )
    all_modules = [platform, *modules, jobs.module(container), notifications.module(container)]
    template_dirs = [m.template_dir for m in all_modules if m.template_dir is not None]

    def _engine_callback(engine: Any) -> None:
        env = engine.engine
        env.filters["miles"] = lambda n: "" if n is None else f"{int(n):,}"
        env.filters["tamano"] = format_size
        env.globals["static_version"] = "1"
        # Templates ship with the code: no stat() of every template file on every render.
        env.auto_reload = False

    from litestar.plugins.jinja import JinjaTemplateEngine as Engine

    static = create_static_files_router(path="/static", directories=[HERE / "static"],
                                        opt={"public": True})
    schema_router = Router(path="/schema", route_handlers=[], opt={"public": True},
                           include_in_schema=False)  # the document describes the API only
    app = Litestar(
        route_handlers=[static, *[h for m in all_modules for h in m.route_handlers]],
        # One layer per routed request: its read session (one per request), its session, and
        # the session's user and the CSRF check before every handler (``RequestMiddleware``).
        middleware=[
            DefineMiddleware(RequestMiddleware, store_factory=container.session_store,
                             idle_seconds=settings.session_idle_minutes * 60,
                             secure=settings.cookie_secure, now=lambda: container.clock().now(),
                             secret=settings.secret_key, max_seconds=settings.session_max_hours * 3600),
        ],
        template_config=TemplateConfig(directory=template_dirs, engine=Engine,
                                       engine_callback=_engine_callback),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="SAnECE y Excedentes y Faltantes — API", version="1.0.0",
            path="/schema", render_plugins=[ProblemJsonRenderPlugin()], openapi_router=schema_router),
        request_max_body_size=2 * 1024 * 1024,
        logging_config=None,  # our JSON logging is configured above
        debug=False,
        on_shutdown=[_close_version_reader],
    )
    # Outside the router: unrouted 404s and error answers get the security headers, the request
    # id and their log line too; a fresh healthy /health is answered there.
    app.asgi_handler = SecurityHeadersMiddleware(app.asgi_handler, hsts=settings.cookie_secure,
                                                 request_ids=True,
                                                 shortcut=identity.health_shortcut(app))
    app.state.container = container
    app.state.menu = [item for m in all_modules for item in m.menu]
    app.state.menu_by_role = {role: tuple(item for item in app.state.menu if role in item.roles)
                              for role in Role}
    app.state.home_by_role = {role: path for m in all_modules for role, path in m.home_by_role.items()}
    return app


async def _close_version_reader(app: Litestar) -> None:
    reader = app.state.container.version_reader()
    if reader is not None:
        await reader.close()


def app_from_env() -> Litestar:
    """Entry point for ``uvicorn --factory entrypoints.http.app:app_from_env`` (``serve``)."""
    app = create_app()
    app.on_startup.append(settle_heap)
    return app


def settle_heap(app: Litestar) -> None:
    """Compile every template, then move the whole start-up heap (modules, routes, compiled
    templates: ~200,000 objects) out of the cyclic collector's reach with ``gc.freeze()``.

    Why: a full collection walked that heap in ~100 ms, pausing every request in flight; under
    16 clients that pause was the p99. Frozen objects are still freed by reference counting;
    only cycles among them would stay, and start-up objects live as long as the process.
    Only the served process does this (tests build many apps and must collect them)."""
    env = app.template_engine.engine  # type: ignore[union-attr]
    for name in env.list_templates(extensions=["html", "txt", "xml", "svg"]):
        env.get_template(name)
    gc.collect()
    gc.freeze()
