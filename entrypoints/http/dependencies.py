"""Handlers receive their use cases and queries as typed parameters, through Litestar's
dependency injection: ``def save(self, ..., save_grid: SaveGrid)``.

Each HTTP module binds its handlers to the container once, when the app is built: a
``Router`` whose ``dependencies`` map a parameter name to a ``Provide`` that calls that
container provider on every request. A ``Factory`` therefore still gives each request its own
use case, a ``Singleton`` the shared one, and ``container.<x>.override(...)`` in tests is seen
by the next request. The values are not request parameters, so the OpenAPI document does not
list them.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from litestar import Router
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

T = TypeVar("T")

# A handler parameter filled by name from the module's dependencies: ``queries:
# Injected[ExcedentesQueries]`` is an ``ExcedentesQueries`` to editors and type checkers.
# The value comes from the container, not from the request, so the signature model does not
# validate it: msgspec would rebuild an attrs use case of a subclass (a test's override)
# field by field instead of passing it through.
Injected = NamedDependency[SkipValidation[T]]


def provided(provider: Callable[[], Any]) -> Provide:
    """A dependency whose value is ``provider()``, evaluated per request. Building a use case
    is cheap and never blocks, so it runs in the event loop (no thread hop)."""

    def dependency() -> Any:
        return provider()

    # the test of the dependency maps follows a key back to its container provider
    dependency.provider = provider  # type: ignore[attr-defined]
    return Provide(dependency, sync_to_thread=False)


def provider_of(provide: Provide) -> Any:
    """The container provider behind a ``Provide`` made by ``provided`` (None otherwise)."""
    return getattr(provide.dependency, "provider", None)


def dependency_map(container: Any, names: Iterable[str]) -> dict[str, Provide]:
    """``{name: provided(container.<name>)}``: a name the container lacks fails when the app is
    built, not on the first request."""
    return {name: provided(getattr(container, name)) for name in names}


# The platform's handlers (login, sessions, admin) take these providers of the root container.
PLATFORM_DEPENDENCIES = ("identity", "audit_query", "clock")


def bound(route_handlers: Sequence[Any], dependencies: Mapping[str, Provide]) -> Router:
    """The handlers of one HTTP module under a router that supplies their dependencies (the
    router adds no path: the handlers keep their own)."""
    return Router(path="/", route_handlers=list(route_handlers), dependencies=dict(dependencies))
