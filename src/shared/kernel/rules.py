"""Business rules as small named objects (one rule, one message, tested alone)."""

from __future__ import annotations

from typing import ClassVar

from shared.kernel.errors import DomainError, ValidationError


class BusinessRule:
    """Subclasses set ``message`` (Spanish) and implement ``is_broken``."""

    message: ClassVar[str] = "Regla de negocio incumplida."
    error: ClassVar[type[DomainError]] = ValidationError

    def is_broken(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_message(self) -> str:
        return self.message


def check_rule(rule: BusinessRule) -> None:
    if rule.is_broken():
        raise rule.error(rule.get_message(), log_message=type(rule).__name__, code=_code(rule))


def _code(rule: BusinessRule) -> str:
    name = type(rule).__name__
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
