"""Demo data: each context registers a loader; the platform creates the demo users."""

from __future__ import annotations

from typing import Protocol, Sequence

from shared.identity.domain import DemoUser
from shared.kernel.progress import Progress
from shared.kernel.scope import Role


class DemoLoader(Protocol):
    name: str

    def users(self, scale: str) -> Sequence[DemoUser]: ...

    def load(self, scale: str, progress: Progress) -> None: ...


def demo_password(role: Role) -> str:
    """Demo-only passwords, printed by ``make run``; real accounts get personal ones."""
    return f"Demo-2026-{role.value[:3].upper()}"


class PlatformDemo:
    name = "plataforma"

    def users(self, scale: str) -> Sequence[DemoUser]:
        return [
            DemoUser("admin", "Administración del Sistema", Role.ADMIN, None, demo_password(Role.ADMIN),
                     "usuarios, bitácora"),
            DemoUser("revisor", "Jefatura de Área de Catálogo II", Role.REVISOR, None,
                     demo_password(Role.REVISOR), "valida o rechaza solicitudes de cambio"),
            DemoUser("evaluador", "Evaluación de Casos SAnECE", Role.EVALUADOR, None,
                     demo_password(Role.EVALUADOR), "registra evaluaciones de folios"),
        ]

    def load(self, scale: str, progress: Progress) -> None:
        progress("plataforma", 1, 1)
