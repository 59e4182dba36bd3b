"""The bounded contexts' plug-ins: HTTP modules and CLI groups.

This is the bridge where the contexts meet the platform; each context exposes
``entrypoints.http.<context>.modules(container)`` and ``entrypoints.cli.<context>.group``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from entrypoints.container import Container
    from entrypoints.http.rendering import HttpModule


def http_modules(container: "Container") -> list["HttpModule"]:
    from entrypoints.http import exchange, excedentes, sanece

    return [*excedentes.modules(container), *exchange.modules(container),
            *sanece.modules(container)]


# Each context's CLI group: the modules that define it (imported when the group is run, so that
# ``sanece-admin --help`` starts fast) and the one-line help that ``--help`` shows meanwhile.
CLI_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "excedentes": (("entrypoints.cli.excedentes",),
                   "Excedentes y Faltantes: periodos, aperturas, reportes, catálogos, exportaciones."),
    "exchange": (("entrypoints.cli.exchange",),
                 "Oportunidades de intercambio: análisis de faltantes y excedentes entre unidades."),
    "sanece": (("entrypoints.cli.sanece",),
               "SAnECE: solicitudes de cambio, evaluaciones, importaciones, extracciones y PDF."),
}


# Commands that also answer under a group of another context, by their former name:
# group -> ((name in that group, "module:command"), ...). The same command object, so the
# alias cannot drift from the original.
CLI_ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    "excedentes": (("exchange", "entrypoints.cli.exchange:analyze"),),
}


def cli_group(name: str) -> Any:
    import importlib

    modules, _ = CLI_GROUPS[name]
    for module in modules:
        importlib.import_module(module)
    group = importlib.import_module(modules[0]).group
    for alias, path in CLI_ALIASES.get(name, ()):
        if alias not in group.commands:
            module, _, attr = path.partition(":")
            group.add_command(getattr(importlib.import_module(module), attr), alias)
    return group
