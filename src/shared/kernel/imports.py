"""Line-numbered import errors, shared by the contexts' file imports (all-or-nothing)."""

from __future__ import annotations

from typing import Sequence

import attrs

from shared.kernel.errors import ValidationError
from shared.kernel.text import count_text

MAX_ERRORS_IN_MESSAGE = 10
MB = 1024 * 1024


@attrs.frozen
class ImportLimits:
    """What one CSV/XLSX import may hold (settings ``IMPORT_MAX_*``): its size as uploaded, its
    data lines, an .xlsx's decompressed contents (its shared-strings table, loaded whole into
    memory, may use a tenth of it) and a CSV line's length. A file past any of them is refused
    before it can exhaust memory or time."""

    max_bytes: int = 50 * MB
    max_rows: int = 500_000
    max_unzipped_bytes: int = 300 * MB
    max_line_chars: int = 20_000

    @property
    def max_shared_strings_bytes(self) -> int:
        return max(1, self.max_unzipped_bytes // 10)


@attrs.frozen
class LineError:
    line: int  # 1-based, as the user sees it (header = line 1)
    message: str

    def describe(self) -> str:
        return f"Línea {self.line}: {self.message}"


class ImportInvalid(ValidationError):
    """An import was refused whole; ``details`` holds every ``LineError``."""

    code = "import_invalid"


def raise_if_errors(errors: Sequence[LineError]) -> None:
    """Refuse the whole file when any line is wrong ("No se importó ninguna línea: …")."""
    if not errors:
        return
    # Each message is a sentence of its own ("…dígitos."): joined with "; " and closed with
    # one period, their own final periods would double the punctuation ("dígitos.; Línea").
    shown = "; ".join(_without_final_period(e.describe())
                      for e in errors[:MAX_ERRORS_IN_MESSAGE])
    more = len(errors) - MAX_ERRORS_IN_MESSAGE
    tail = f"; y {count_text(more, 'error más', 'errores más')}" if more > 0 else ""
    raise ImportInvalid(f"No se importó ninguna línea: {shown}{tail}.",
                        log_message=f"import refused: {len(errors)} errors",
                        details=tuple(errors))


def _without_final_period(text: str) -> str:
    return text.rstrip().rstrip(".").rstrip()
