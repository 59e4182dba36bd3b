"""Exchange criteria are data: validated, and round-trip through a plain dict / JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.domain.matching import ExchangeCriteria, ReportSelection, Tier
from shared.kernel.errors import ValidationError

criteria_st = st.builds(
    ExchangeCriteria,
    tiers=st.frozensets(st.sampled_from(list(Tier)), min_size=1),
    cross_institution=st.booleans(),
    institutions=st.none() | st.frozensets(st.sampled_from(["IMSS", "SS", "ISSSTE", "PEMEX"]),
                                           min_size=1),
    min_patients=st.integers(1, 50),
    reports=st.sampled_from(list(ReportSelection)),
)


@given(criteria_st)
def test_dict_and_json_round_trip(criteria: ExchangeCriteria) -> None:
    data = criteria.to_dict()
    assert ExchangeCriteria.from_dict(data) == criteria
    assert ExchangeCriteria.from_dict(json.loads(json.dumps(data))) == criteria


def test_defaults_take_everything() -> None:
    c = ExchangeCriteria()
    assert c.tiers == frozenset(Tier)
    assert c.cross_institution is True
    assert c.institutions is None
    assert c.min_patients == 1
    assert c.reports is ReportSelection.ALL  # every record of the period, as before
    assert c.to_dict() == {"tiers": [1, 2, 3], "cross_institution": True,
                           "institutions": None, "min_patients": 1, "reports": "all"}
    assert ExchangeCriteria.from_dict({}) == c
    # Criteria saved before the selection existed read as "every record" (what they used).
    assert ExchangeCriteria.from_dict({"tiers": [1, 2, 3], "cross_institution": True,
                                       "institutions": None, "min_patients": 1}) == c


def test_which_records_an_analysis_reads() -> None:
    assert ExchangeCriteria.from_dict({"reports": "finalized"}).reports is \
        ReportSelection.FINALIZED
    assert ExchangeCriteria(reports=" SIGNED ").reports is ReportSelection.SIGNED
    assert ReportSelection.SIGNED.label == "Solo entidades con el reporte firmado subido"
    with pytest.raises(ValidationError, match="Registros del análisis desconocidos"):
        ExchangeCriteria.from_dict({"reports": "closed"})


def test_to_dict_is_sorted_for_stable_files() -> None:
    c = ExchangeCriteria(tiers=[3, 1], institutions=["SS", "IMSS"])
    assert c.to_dict()["tiers"] == [1, 3]
    assert c.to_dict()["institutions"] == ["IMSS", "SS"]


def test_tiers_accept_names_and_numbers() -> None:
    c = ExchangeCriteria.from_dict({"tiers": ["same_entity", "2", 3]})
    assert c.tiers == frozenset(Tier)


@pytest.mark.parametrize(
    "data",
    [
        {"tiers": []},
        {"tiers": [4]},
        {"tiers": [True]},
        {"tiers": "123"},
        {"cross_institution": "yes"},
        {"cross_institution": 1},
        {"institutions": []},
        {"institutions": "IMSS"},
        {"institutions": [""]},
        {"min_patients": 0},
        {"min_patients": True},
        {"min_patients": 2.5},
        {"min_pacients": 2},  # a typo must not be ignored
        {"reports": "closed"},
        {"reports": 1},
    ],
)
def test_invalid_criteria_are_refused_in_spanish(data: dict) -> None:
    with pytest.raises(ValidationError) as info:
        ExchangeCriteria.from_dict(data)
    assert info.value.message  # Spanish text for the user
    assert info.value.log_message


def test_from_dict_refuses_non_mappings() -> None:
    with pytest.raises(ValidationError):
        ExchangeCriteria.from_dict([("tiers", [1])])  # type: ignore[arg-type]
