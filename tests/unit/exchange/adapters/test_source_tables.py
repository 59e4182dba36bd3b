"""The source adapter reads the collection's tables by name, through its own lightweight
``sa.table()`` constructs: each must name a real table of the product's MetaData, and each
of its columns a real column of a compatible type (a rename in excedentes fails here first)."""

from __future__ import annotations

import sqlalchemy as sa

import exchange.adapters.sql.source as source
from entrypoints.persistence import load_all_tables


def _lightweight_tables() -> list[sa.TableClause]:
    return [v for v in vars(source).values()
            if isinstance(v, sa.TableClause) and not isinstance(v, sa.Table)]


def test_every_table_read_by_name_exists_with_its_columns() -> None:
    metadata = load_all_tables()
    tables = _lightweight_tables()
    assert {t.name for t in tables} == {
        "exc_institutions", "exc_entities", "exc_units", "exc_service_groups", "exc_products",
        "exc_periods", "exc_reports", "exc_records", "exc_signed_reports"}
    for light in tables:
        real = metadata.tables[light.name]
        for column in light.columns:
            assert column.name in real.columns, f"{light.name}.{column.name}"
            declared = real.columns[column.name].type
            assert isinstance(declared, type(column.type)) or \
                declared._type_affinity is column.type._type_affinity, \
                f"{light.name}.{column.name}: {declared!r} vs {column.type!r}"


def test_the_adapter_defines_no_table_of_its_own() -> None:
    # The migrations test compares that MetaData with the migrations: a second Table of the
    # same name would be a duplicate definition, not a read.
    assert not any(isinstance(v, sa.Table) for v in vars(source).values())
