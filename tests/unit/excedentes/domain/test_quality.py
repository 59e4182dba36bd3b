"""Outlier rules of the Paso 6 grid: properties with hypothesis, and the wording."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.domain.grid import GridField, GridRow
from excedentes.domain.quality import (
    COMMENT_MAX_CHARS,
    OutlierRequiresComment,
    OutlierThresholds,
    RowContext,
    clean_comment,
    far_from_previous,
    peer_range,
    row_outliers,
    value_outlier,
)
from shared.kernel.errors import ValidationError

SETTINGS = settings(max_examples=150, deadline=None)
T = OutlierThresholds()
peers_st = st.lists(st.integers(1, 100_000), min_size=0, max_size=30)
thresholds_st = st.builds(
    OutlierThresholds,
    mad_multiplier=st.fractions(Fraction(1, 2), Fraction(6)),
    relative_floor=st.fractions(Fraction(0), Fraction(1)),
    min_peers=st.integers(1, 8),
)
PM = GridField.MONTHLY_PATIENTS


@SETTINGS
@given(peers=peers_st, thresholds=thresholds_st, data=st.data())
def test_a_value_inside_the_quoted_peer_range_is_never_flagged(peers, thresholds, data):
    band = peer_range(peers, thresholds)
    if band is None:
        return
    value = data.draw(st.integers(band.typical_low, band.typical_high))
    assert value_outlier(PM, value, RowContext("SEGUNDO NIVEL", peers={PM: peers}),
                         thresholds) is None


@SETTINGS
@given(peers=peers_st, value=st.integers(1, 100_000), factor=st.integers(2, 50),
       thresholds=thresholds_st)
def test_scaling_every_value_keeps_the_peer_verdict(peers, value, factor, thresholds):
    band = peer_range(peers, thresholds)
    scaled = peer_range([p * factor for p in peers], thresholds)
    if band is None:
        assert scaled is None
        return
    assert band.contains(value) == scaled.contains(value * factor)


@SETTINGS
@given(value=st.integers(1, 10_000_000), thresholds=thresholds_st)
def test_without_peers_there_is_no_peer_flag(value, thresholds):
    assert peer_range([], thresholds) is None
    assert value_outlier(PM, value, RowContext("PRIMER NIVEL"), thresholds) is None


@SETTINGS
@given(peers=st.lists(st.integers(1, 1000), min_size=1, max_size=3), value=st.integers(1, 10**7))
def test_fewer_peers_than_the_minimum_never_flag(peers, value):
    thresholds = OutlierThresholds(min_peers=len(peers) + 1)
    assert value_outlier(PM, value, RowContext("PRIMER NIVEL", peers={PM: peers}),
                         thresholds) is None


@SETTINGS
@given(peers=st.lists(st.integers(1, 1000), min_size=4, max_size=30))
def test_the_peers_median_is_never_flagged_and_one_absurd_peer_does_not_widen_the_band(peers):
    band = peer_range(peers, T)
    assert band.contains(int(band.median))
    with_absurd = peer_range([*peers, 9_999_999], T)
    # the robust band moves by at most one position's worth; the absurd value stays outside
    assert not with_absurd.contains(9_999_999) or max(peers) * 50 >= 9_999_999


@SETTINGS
@given(previous=st.integers(1, 10_000), value=st.integers(1, 10_000))
def test_previous_period_is_symmetric_and_small_changes_pass(previous, value):
    assert far_from_previous(value, previous, T) == far_from_previous(previous, value, T)
    if abs(value - previous) < T.previous_min_change or value == previous:
        assert not far_from_previous(value, previous, T)


def test_the_explanation_quotes_the_peers_range_in_spanish():
    peers = [5, 8, 12, 20, 40, 15, 10]
    found = value_outlier(PM, 12_000, RowContext("SEGUNDO NIVEL", peers={PM: peers}), T)
    assert found is not None
    assert found.explanation.startswith("12,000 pacientes mensuales; unidades de segundo nivel "
                                        "reportan entre 5 y ")
    assert value_outlier(PM, 14, RowContext("SEGUNDO NIVEL", peers={PM: peers}), T) is None


def test_the_explanation_quotes_the_previous_period():
    context = RowContext("PRIMER NIVEL", previous_year=2025,
                         previous=GridRow(product_id=1, surplus_outpatient="40",
                                          monthly_patients="30"))
    found = row_outliers(GridRow(product_id=1, surplus_outpatient="12000",
                                 monthly_patients="35"), context, T)
    assert [(o.field, o.explanation) for o in found] == [
        (GridField.SURPLUS_OUTPATIENT,
         "12,000 eventos mensuales de excedente ambulatorio; en 2025 esta unidad reportó 40")]


def test_unparseable_and_blank_values_are_left_to_the_grid_errors():
    context = RowContext("PRIMER NIVEL", peers={PM: [1, 1, 1, 1, 1]})
    assert row_outliers(GridRow(product_id=1, monthly_patients="abc"), context, T) == ()
    assert row_outliers(GridRow(product_id=1), context, T) == ()


@given(st.lists(st.integers(min_value=1, max_value=10**6), min_size=5, max_size=5))
def test_nothing_to_compare_with_means_no_outlier(values):
    # row_outliers skips such rows without parsing them: the same answer as judging each value
    so, si, xo, xi, pm = (str(v) for v in values)
    row = GridRow(1, shortage_outpatient=so, shortage_inpatient=si, surplus_outpatient=xo,
                  surplus_inpatient=xi, monthly_patients=pm)
    empty = RowContext("PRIMER NIVEL", previous_year=2025)
    assert row_outliers(row, empty, T) == ()
    assert all(value_outlier(f, v, empty, T) is None for f, v in zip(
        (GridField.SHORTAGE_OUTPATIENT, GridField.SHORTAGE_INPATIENT,
         GridField.SURPLUS_OUTPATIENT, GridField.SURPLUS_INPATIENT, PM), values))


def test_an_outlier_needs_a_comment():
    found = value_outlier(PM, 12_000, RowContext("SEGUNDO NIVEL",
                                                 peers={PM: [5, 8, 12, 20, 40]}), T)
    assert OutlierRequiresComment(found, "  ").is_broken()
    assert not OutlierRequiresComment(found, "Campaña de cataratas").is_broken()
    assert "Valor atípico: 12,000 pacientes mensuales" in OutlierRequiresComment(
        found, "").get_message()


def test_thresholds_are_data_and_nonsense_is_refused():
    t = OutlierThresholds.from_mapping({"mad_multiplier": "3", "min_peers": 6})
    assert (t.mad_multiplier, t.min_peers, t.previous_ratio) == (3, 6, Fraction(5))
    for bad in ({"mad_multiplier": "x"}, {"min_peers": 0}, {"typo": 1},
                {"previous_ratio": "0.5"}):
        with pytest.raises(ValidationError):
            OutlierThresholds.from_mapping(bad)


def test_comments_are_trimmed_and_bounded():
    assert clean_comment("  hola ") == "hola"
    assert clean_comment(None) == ""
    with pytest.raises(ValidationError):
        clean_comment("x" * (COMMENT_MAX_CHARS + 1))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 10**7), max_size=30),
       st.fractions(min_value=Fraction(1, 10), max_value=10, max_denominator=20),
       st.fractions(min_value=0, max_value=2, max_denominator=20),
       st.integers(1, 6))
def test_the_whole_number_band_is_the_fraction_band(peers, k, floor, min_peers):
    """Peers' values are whole numbers: the band is then worked out mostly in whole numbers,
    to the same exact result as with a ``Fraction`` per value."""
    from excedentes.domain.quality import _peer_range

    thresholds = OutlierThresholds(mad_multiplier=k, relative_floor=floor, min_peers=min_peers)
    assert peer_range(peers, thresholds) == _peer_range(peers, thresholds)
