"""Counts and sizes as users read them: the noun agrees with the number, thousands are
separated, and a file's size is said in the unit of the limit beside it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from excedentes.application.results import ImportSummary
from excedentes.application.use_cases.capture import _saved_summary
from excedentes.domain.grid import GridField, GridRow, GridValidation, FieldError
from shared.kernel.text import count_text
from shared.storage.domain import format_size


def test_count_text_agrees_and_groups_thousands():
    assert count_text(1, "registro") == "1 registro"
    assert count_text(0, "registro") == "0 registros"
    assert count_text(5714, "registro") == "5,714 registros"
    assert count_text(2986, "línea") == "2,986 líneas"
    assert count_text(1, "error señalado", "errores señalados") == "1 error señalado"


@given(st.integers(0, 10**9))
def test_count_text_is_singular_only_for_one(n):
    text = count_text(n, "fila")
    assert text.endswith("fila") == (n == 1)
    assert text.split()[0].replace(",", "") == str(n)


def test_grid_summary_agrees_with_one_error_and_one_row():
    one = GridValidation("BCSSA001152", (GridRow(product_id=1),), (),
                         (FieldError(0, 1, GridField.CAUSE, "x"),))
    assert one.summary == ("No se guardó ningún dato: corrija 1 error señalado en la tabla "
                           "(fila 1).")
    many = GridValidation("BCSSA001152", (), (), tuple(
        FieldError(i, i, GridField.CAUSE, "x") for i in (0, 1233)))
    assert many.summary == ("No se guardó ningún dato: corrija 2 errores señalados en la tabla "
                            "(filas 1, 1,234).")


def test_saved_and_import_summaries_agree():
    assert _saved_summary(1, 0) == ("Información guardada: 1 registro nuevo o modificado, "
                                    "0 eliminados.")
    assert _saved_summary(5714, 1) == ("Información guardada: 5,714 registros nuevos o "
                                       "modificados, 1 eliminado.")
    assert ImportSummary(1, 0, 2985).message == ("2,986 líneas: 1 nueva, 0 actualizadas, "
                                                 "2,985 sin cambios.")


def test_sizes_are_said_in_mb_beside_limits_in_mb():
    assert format_size(150 * 1024 * 1024) == "150.0 MB"
    assert format_size(153_600 * 1024) == "150.0 MB"
    assert format_size(1_536 * 1024) == "1.5 MB"
    assert format_size(820 * 1024) == "820 KB"
    assert format_size(10) == "1 KB"
