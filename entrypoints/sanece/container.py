"""The sanece context's own container; the root container supplies its outside needs."""

from __future__ import annotations

from dependency_injector import containers, providers

from entrypoints.plugins import NoDemo, NoScopes


class SaneceContainer(containers.DeclarativeContainer):
    settings = providers.Dependency()
    sessions = providers.Dependency()
    clock = providers.Dependency()
    storage = providers.Dependency()

    # What the platform asks of every context.
    scope_directory = providers.Singleton(NoScopes)
    demo_loader = providers.Singleton(NoDemo, "sanece")
