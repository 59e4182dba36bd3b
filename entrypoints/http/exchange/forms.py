"""Parsing what the exchange pages and API receive: the view filter (query string) and the
"Nuevo análisis" form, kept as typed so that a refused form is shown back unchanged."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import attrs

from entrypoints.http.forms import all_values, parse_int
from exchange.application.model import Side, ViewFilter
from exchange.application.views import AnalysisView
from exchange.application.use_cases import RunExchangeCommand
from exchange.domain.matching import ExchangeCriteria, Tier
from shared.kernel.errors import ValidationError

YEAR_REQUIRED = "Seleccione el periodo del análisis."


def view_filter(institution: Any = None, state: Any = None, group: Any = None,
                side: Any = None) -> ViewFilter:
    """A ``ViewFilter`` from query values; a bad value is a Spanish ``ValidationError``."""
    try:
        return ViewFilter(institution or None, state or None, group or None, side or None)
    except ValueError as exc:  # an unknown side ("lado")
        raise ValidationError(str(exc), code="invalid_filter") from exc


def page_filter(query: Mapping[str, Any]) -> ViewFilter:
    """The pages' Spanish query names: institucion, estado, grupo, lado."""
    return view_filter(query.get("institucion"), query.get("estado"), query.get("grupo"),
                       query.get("lado"))


def filter_query(flt: ViewFilter, **overrides: Any) -> dict[str, Any]:
    """The filter back as the pages' query parameters (for links and downloads)."""
    params: dict[str, Any] = {"institucion": flt.institution, "estado": flt.state,
                              "grupo": flt.service_group}
    if flt.side is not Side.REQUESTING:
        params["lado"] = flt.side.value
    params.update(overrides)
    return {k: v for k, v in params.items() if v not in (None, "")}


@attrs.frozen
class RunForm:
    """The "Nuevo análisis" form exactly as typed."""

    periodo: str = ""
    niveles: tuple[str, ...] = tuple(str(int(t)) for t in Tier)
    entre_instituciones: bool = True
    instituciones: tuple[str, ...] = ()
    minimo: str = "1"
    estado: str = ""
    grupo: str = ""

    @classmethod
    def defaults(cls, years: Sequence[int]) -> "RunForm":
        return cls(periodo=str(years[0]) if years else "")

    @classmethod
    def from_form(cls, form: Any) -> "RunForm":
        """From the submitted form (a multi-dict: checkboxes repeat their name)."""
        return cls(periodo=(form.get("periodo") or "").strip(),
                   niveles=all_values(form, "nivel"),
                   entre_instituciones=form.get("entre_instituciones") == "1",
                   instituciones=all_values(form, "institucion"),
                   minimo=(form.get("minimo") or "").strip(),
                   estado=(form.get("estado") or "").strip(),
                   grupo=(form.get("grupo") or "").strip())

    @classmethod
    def from_analysis(cls, view: AnalysisView) -> "RunForm":
        """The same parameters as a saved analysis ("Repetir análisis")."""
        c = view.criteria
        return cls(periodo=str(view.year), niveles=tuple(str(t) for t in c.tiers),
                   entre_instituciones=c.cross_institution,
                   instituciones=tuple(c.institutions or ()), minimo=str(c.min_patients),
                   estado=view.state or "", grupo=view.service_group or "")

    def command(self) -> RunExchangeCommand:
        year = parse_int(self.periodo, "Periodo", minimum=1)
        if year is None:
            raise ValidationError(YEAR_REQUIRED, code="year_required")
        criteria = ExchangeCriteria.from_dict({
            "tiers": list(self.niveles),
            "cross_institution": self.entre_instituciones,
            "institutions": list(self.instituciones) or None,
            "min_patients": parse_int(self.minimo, "Mínimo de pacientes por intercambio",
                                      minimum=1) or 1,
        })
        return RunExchangeCommand(year, criteria, self.estado or None, self.grupo or None)
