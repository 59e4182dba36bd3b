"""The outlier thresholds as data: ``outlier_thresholds.json`` beside this module (or the
file named by ``OUTLIER_THRESHOLDS_FILE``), a ``default`` object and optional
``by_institution`` overrides. Read and validated once, at first use: a broken file fails
loudly, naming the key, instead of silently disabling the warnings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from excedentes.domain.quality import OutlierThresholds

THRESHOLDS_FILE = Path(__file__).with_name("outlier_thresholds.json")


class JsonOutlierThresholds:
    """``OutlierThresholdsSource`` over a JSON file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else THRESHOLDS_FILE
        self._by_institution: dict[str, OutlierThresholds] | None = None
        self._default: OutlierThresholds | None = None

    def _load(self) -> None:
        raw: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        base = dict(raw.get("default") or {})
        self._default = OutlierThresholds.from_mapping(base)
        self._by_institution = {
            str(code).upper(): OutlierThresholds.from_mapping({**base, **(over or {})})
            for code, over in (raw.get("by_institution") or {}).items()}

    def for_institution(self, institution_code: str) -> OutlierThresholds:
        if self._default is None:
            self._load()
        assert self._by_institution is not None and self._default is not None
        return self._by_institution.get(institution_code.upper(), self._default)
