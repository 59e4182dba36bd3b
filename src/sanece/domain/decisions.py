"""The parts of a decision beyond Validado / No Validado, as prior-authorization systems have
them (certified, modified, pended for more information, cancelled): the catalog of coded
reasons and the rounds of "Requiere información" (what the reviewer asked, what the director
answered). Pure values; the state machine that uses them is ``ChangeRequest``'s."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable, Mapping

import attrs

from shared.kernel.rules import BusinessRule, check_rule

from sanece.domain.values import Attachment, clean_text

REASON_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")
SYSTEM_USER = "sistema"  # who expires an unanswered request
EXPIRY_REASON = "SIN-RESPUESTA"  # the reason code an expiry records (kept in the catalog)
EXPIRY_REASON_TEXT = "La unidad no respondió a la solicitud de información en el plazo."


class ReasonCodeMustBeWellFormed(BusinessRule):
    def __init__(self, code: str) -> None:
        self.code = code

    def is_broken(self) -> bool:
        return REASON_CODE_PATTERN.match(self.code) is None

    def get_message(self) -> str:
        return (f"La clave de motivo «{self.code}» no es válida: de 2 a 16 caracteres, "
                "mayúsculas, dígitos o guiones, empezando con una letra.")


class ReasonTextRequired(BusinessRule):
    message = "Escribe el texto del motivo."

    def __init__(self, text: str) -> None:
        self.text = text

    def is_broken(self) -> bool:
        return not self.text


def parse_reason_code(raw: Any) -> str:
    code = str(raw or "").strip().upper()
    check_rule(ReasonCodeMustBeWellFormed(code))
    return code


@attrs.define(kw_only=True)
class DecisionReason:
    """One coded reason of the catalog (No Validado, Requiere información, Cancelada,
    Vencida): its code, the text the director reads, and whether reviewers may still pick it
    (a disabled code stays for the decisions that used it)."""

    code: str = attrs.field(converter=parse_reason_code)
    text: str = attrs.field(converter=lambda v: clean_text(v, "texto del motivo", 300))
    active: bool = True

    def __attrs_post_init__(self) -> None:
        check_rule(ReasonTextRequired(self.text))

    @property
    def label(self) -> str:
        return f"{self.code} — {self.text}"


OTHER_REASON = "OTRO"  # the code of a reason told only in the free text (then required)

# The catalog every installation starts with; the admin adds codes and disables any (a stored
# row overrides the default of the same code), so nothing has to be seeded.
DEFAULT_REASONS: tuple[tuple[str, str], ...] = (
    ("DOC-INCOMPLETA", "Documentación incompleta o ilegible"),
    ("DOC-AJENO", "El documento adjunto no corresponde al paciente o al folio"),
    ("FUERA-DE-REGLA", "Lo solicitado no cumple las reglas del catálogo"),
    ("DATOS-NO-COINC", "Los datos solicitados no coinciden con los documentos"),
    ("YA-NO-APLICA", "La solicitud ya no es necesaria"),
    (EXPIRY_REASON, EXPIRY_REASON_TEXT),
    (OTHER_REASON, "Otro motivo (ver el texto)"),
)


def reason_catalog(stored: Iterable[DecisionReason]) -> list[DecisionReason]:
    """The defaults overridden by the stored reasons, then the stored codes of their own, in
    code order within each group."""
    by_code = {code: DecisionReason(code=code, text=text) for code, text in DEFAULT_REASONS}
    for reason in stored:
        by_code[reason.code] = reason
    defaults = [by_code.pop(code) for code, _ in DEFAULT_REASONS]
    return defaults + sorted(by_code.values(), key=lambda r: r.code)


class OtherReasonNeedsText(BusinessRule):
    message = "Escribe el motivo: con la clave «OTRO» el texto es obligatorio."

    def __init__(self, code: str, text: str | None) -> None:
        self.code = code
        self.text = text

    def is_broken(self) -> bool:
        return self.code == OTHER_REASON and not (self.text or "").strip()


@attrs.frozen(kw_only=True)
class InfoRound:
    """One "Requiere información": the coded reason and what is missing (the reviewer), and,
    once answered, the director's note and new attachments."""

    reason_code: str
    missing: str
    requested_by: str
    requested_at: datetime
    note: str | None = None
    attachments: tuple[Attachment, ...] = attrs.field(converter=tuple, default=())
    answered_by: str | None = None
    answered_at: datetime | None = None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {"reason_code": self.reason_code, "missing": self.missing,
                "requested_by": self.requested_by,
                "requested_at": self.requested_at.isoformat(), "note": self.note,
                "attachments": [a.to_dict() for a in self.attachments],
                "answered_by": self.answered_by,
                "answered_at": self.answered_at.isoformat() if self.answered_at else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "InfoRound":
        answered = data.get("answered_at")
        return cls(reason_code=str(data["reason_code"]), missing=str(data["missing"]),
                   requested_by=str(data["requested_by"]),
                   requested_at=datetime.fromisoformat(str(data["requested_at"])),
                   note=data.get("note"),
                   attachments=tuple(Attachment.from_dict(a)
                                     for a in data.get("attachments") or ()),
                   answered_by=data.get("answered_by"),
                   answered_at=datetime.fromisoformat(str(answered)) if answered else None)


__all__ = ["DEFAULT_REASONS", "OTHER_REASON", "OtherReasonNeedsText", "reason_catalog",
           "EXPIRY_REASON", "EXPIRY_REASON_TEXT", "SYSTEM_USER", "DecisionReason",
           "InfoRound", "ReasonCodeMustBeWellFormed", "parse_reason_code"]
