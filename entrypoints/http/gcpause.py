"""``gc_paused``: the cyclic garbage collector held off while a request does bulk work.

A save of the 2,857-row Cirugía grid allocates some hundred thousand short-lived objects
(form fields, rows, records, statement parameters) that refcounting frees when the save ends.
While the save runs they are alive, so the collector's young generations keep finding them,
promote them, and every other save paid a full collection of the whole process heap (the
read caches, the templates: ~140 ms beside saves of ~120 ms, measured with ``gc.callbacks``
in ``bench/excedentes_national.py``'s process). Held off for the save, the collector runs
after it on what is left (fewer full collections in all, not the same ones later). Process-wide and reentrant
across threads: the collector comes back when the last pause ends, if it was on before."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
