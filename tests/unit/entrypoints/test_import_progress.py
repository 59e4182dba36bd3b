"""The import jobs' progress: the rows a use case reads are counted as it consumes them
(against a CSV's line count, known beforehand; an XLSX's is not), throttled by time, and the
last report says the file is being validated and saved."""

from __future__ import annotations

from pathlib import Path

from entrypoints.job_kinds import _counted_lines, _CountedReads


class _Files:
    def read_catalog(self, path: Path, name: str):
        return iter(range(5000))

    def write_catalog(self) -> str:
        return "untouched"


def _reads(total, ticks):
    reports: list[tuple[int, str]] = []
    clock = iter(ticks)
    files = _CountedReads(_Files(), lambda p, s: reports.append((p, s)), total,
                          lambda: next(clock))
    return files, reports


def test_rows_are_counted_against_a_csvs_lines_and_throttled():
    files, reports = _reads(5000, [float(t) for t in range(100)])
    assert len(list(files.read_catalog(Path("x.csv"), "x.csv"))) == 5000
    assert reports[0] == (14, "Leyendo el archivo: 1,000 de 5,000 líneas")
    assert reports[-1] == (50, "Validando y guardando 5,000 líneas (todo o nada)")
    assert [p for p, _ in reports] == sorted(p for p, _ in reports)  # never goes back
    assert files.write_catalog() == "untouched"  # only the reads are wrapped


def test_an_xlsx_creeps_up_and_a_busy_second_reports_once():
    files, reports = _reads(None, [0.0] + [0.1] * 100)  # all within one second
    list(files.read_catalog(Path("x.xlsx"), "x.xlsx"))
    assert reports == [(50, "Validando y guardando 5,000 líneas (todo o nada)")]
    files, reports = _reads(None, [float(t) for t in range(100)])
    list(files.read_catalog(Path("x.xlsx"), "x.xlsx"))
    assert reports[0] == (5, "Leyendo el archivo: 1,000 líneas")
    assert all(p <= 45 for p, _ in reports[:-1])


def test_a_csvs_data_lines(tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_bytes(b"h1,h2\n1,2\n3,4")  # no final newline
    assert _counted_lines(csv) == 2
    csv.write_bytes(b"h1,h2\n1,2\n3,4\n")
    assert _counted_lines(csv) == 2
    xlsx = tmp_path / "a.xlsx"
    xlsx.write_bytes(b"PK\x03\x04rest")
    assert _counted_lines(xlsx) is None
