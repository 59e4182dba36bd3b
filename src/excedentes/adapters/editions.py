"""The editions of the collection as data (E1): ``editions.json`` beside this module holds the
settings each legacy edition used (IMSS 2020, SS 2021, IMSS-BIENESTAR 2023, ISSSTE 2023,
PEMEX) and its entities (the 32 states; IMSS splits three of them into two OOADs each). ``JsonInstitutionEditions`` implements the ``InstitutionEditions`` port: the
``institution create --edition`` command and the demo loader read the same file, so a real
installation and the demo register identical institutions.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Sequence

from excedentes.application.ports import Edition
from excedentes.domain.catalog import Entity
from excedentes.domain.institution import InstitutionSettings
from shared.kernel.errors import DomainError

EDITIONS_FILE = Path(__file__).with_name("editions.json")


def _edition(raw: dict[str, Any]) -> Edition:
    settings = InstitutionSettings(
        name=raw["name"], entity_word=raw["entity_word"],
        signature_labels=tuple(raw["signature_labels"]),  # type: ignore[arg-type]
        header_lines=tuple(raw.get("header_lines") or ()),
        signature_name_line=bool(raw.get("signature_name_line", False)),
        signed_pdf_max_mb=int(raw["signed_pdf_max_mb"]),
        has_specialty_level=bool(raw["has_specialty_level"]),
        storage_backend=str(raw.get("storage_backend") or "local"))
    entities = tuple((str(code), str(name)) for code, name in raw.get("entities") or ())
    edition = Edition(str(raw["code"]).upper(), str(raw.get("edition") or raw["code"]), settings,
                      entities)
    # a broken file fails here, naming the edition, not at first use
    institution = edition.institution()
    codes = [Entity(institution.code, code, name).code for code, name in entities]
    if len(set(codes)) != len(codes):
        raise ValueError("entidades repetidas")
    return edition


class JsonInstitutionEditions:
    """``InstitutionEditions`` read from a JSON file (``editions.json`` by default)."""

    def __init__(self, path: Path | str = EDITIONS_FILE) -> None:
        self.path = Path(path)

    @functools.cached_property
    def _editions(self) -> tuple[Edition, ...]:
        data = json.loads(self.path.read_text(encoding="utf-8"))
        editions = []
        for raw in data["editions"]:
            try:
                editions.append(_edition(raw))
            except (KeyError, TypeError, ValueError, DomainError) as exc:
                raise ValueError(f"{self.path.name}: edición {raw.get('code')!r} no válida: "
                                 f"{exc}") from exc
        codes = [e.code for e in editions]
        if len(set(codes)) != len(codes):
            raise ValueError(f"{self.path.name}: códigos de edición repetidos: {codes}")
        return tuple(editions)

    def all(self) -> Sequence[Edition]:
        return self._editions

    def get(self, code: str) -> Edition | None:
        wanted = (code or "").strip().upper()
        return next((e for e in self._editions if e.code == wanted), None)
