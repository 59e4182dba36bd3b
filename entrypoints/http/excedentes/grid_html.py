"""The rows of the Paso 6 grid as HTML, written in Python.

The Cirugía grid has 2,857 rows of 7 inputs, a comment and hidden starting values: through a
Jinja loop of macros that was ~75,000 escaped values and as many attribute look-ups, most of
the page's time. These functions write exactly what that loop wrote (the reference template
is kept beside the tests, ``tests/unit/excedentes/paso6_rows_reference.html``, and a property
test checks both give the same HTML), one f-string per row, escaping with ``markupsafe`` each
value that comes from the data: what the user typed, names, causes, comments, messages.

A row is ``(line, row, errs, o, cur)``, as the page builds them: ``line`` the ``GridLine``
(number, product, unit of measure, stored ``row``), ``row`` the values shown (typed or stored),
``errs`` ``{field: messages}``, ``o`` the values the row started from, ``cur`` for a stale
save ``{field: value stored now}`` (or None).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from markupsafe import Markup, escape

# (GridRow attribute, input prefix, extra attributes between name/value and aria) in column
# order; "aria" is the headings the input is labelled by besides its product.
_INPUTS = (
    ("shortage_outpatient", "fa", "h-f h-fa", True),
    ("shortage_inpatient", "fh", "h-f h-fh", True),
    ("cause", "c", "h-c", False),
    ("surplus_outpatient", "ea", "h-e h-ea", True),
    ("surplus_inpatient", "eh", "h-e h-eh", True),
    ("monthly_patients", "pm", "h-pm", True),
)


def history_prefix(root: str, clues: str) -> str:
    """``EntityUrls.history(clues, pid)`` is this prefix + pid + ``/historial``."""
    return f"{root}/unidades/{clues}/productos/"


def _messages(errs: Mapping[str, Any], field: str, prefix: str, pid: int) -> str:
    msgs = errs.get(field)
    if not msgs:
        return ""
    # Jinja's ``join`` then its escape: the same as escaping each message (" " is plain)
    return f'<span class="err" id="e-{prefix}{pid}">{escape(" ".join(map(str, msgs)))}</span>'


def _input_cell(row: Any, errs: Mapping[str, Any], cur: Mapping[str, Any] | None, pid: int,
                field: str, prefix: str, aria: str, numeric: bool) -> str:
    value = getattr(row, field)
    shown = f' value="{escape(value)}"' if value else ""
    if numeric:
        html = (f'<td class="num"><input name="{prefix}{pid}"{shown} inputmode="numeric" '
                f'aria-labelledby="{aria} p{pid}"')
    else:
        html = f'<td><input name="{prefix}{pid}" list="causas"{shown} aria-labelledby="{aria} p{pid}"'
    if errs:
        if errs.get(field):
            html += f' aria-invalid="true" aria-describedby="e-{prefix}{pid}"'
        html += ">" + _messages(errs, field, prefix, pid)
    else:
        html += ">"
    if cur and field in cur:
        html += f'<span class="cur">Actual: {escape(cur[field] or "vacío")}</span>'
    return html + "</td>"


def _plain_input(value: str, prefix: str, pid: int, aria: str) -> str:
    """The usual case (no error, no stale value) of a numeric input, inlined."""
    if value:
        return (f'<td class="num"><input name="{prefix}{pid}" value="{escape(value)}" '
                f'inputmode="numeric" aria-labelledby="{aria} p{pid}"></td>')
    return (f'<td class="num"><input name="{prefix}{pid}" inputmode="numeric" '
            f'aria-labelledby="{aria} p{pid}"></td>')


# The row's values as it was loaded, sent back so that the save can tell what this user changed.
_ORIGIN = (("shortage_outpatient", "ofa"), ("shortage_inpatient", "ofh"), ("cause", "oc"),
           ("surplus_outpatient", "oea"), ("surplus_inpatient", "oeh"),
           ("monthly_patients", "opm"))


def _origin(o: Any, pid: int) -> str:
    return "".join(f'<input type="hidden" name="{prefix}{pid}" value="{escape(value)}">'
                   for field, prefix in _ORIGIN if (value := getattr(o, field)))


def editable_rows(lines: Iterable[tuple[Any, Any, Any, Any, Any]], notes: Mapping[int, Any],
                  comments: Mapping[int, Any], comment_starts: Mapping[int, Any],
                  history: str) -> Markup:
    """The ``<tr>`` of each row of an editable grid (each preceded by a newline);
    ``history``: ``history_prefix(...)`` of the unit."""
    history = escape(history)
    out = []
    for line, row, errs, o, cur in lines:
        pid = line.product_id
        if errs:
            tr = '<tr class="row-error">'
        elif cur:
            tr = '<tr class="row-conflict">'
        else:
            tr = "<tr>"
        head = (f'{tr}<td class="num">{line.number}</td><th scope="row" id="p{pid}">'
                f'{escape(line.product)}')
        if errs:
            head += _messages(errs, "product_id", "p", pid)
        if errs or cur:
            cells = "".join(_input_cell(row, errs, cur, pid, *spec) for spec in _INPUTS)
        else:
            cause = row.cause
            cells = (_plain_input(row.shortage_outpatient, "fa", pid, "h-f h-fa")
                     + _plain_input(row.shortage_inpatient, "fh", pid, "h-f h-fh")
                     + (f'<td><input name="c{pid}" list="causas" value="{escape(cause)}" '
                        f'aria-labelledby="h-c p{pid}"></td>' if cause else
                        f'<td><input name="c{pid}" list="causas" aria-labelledby="h-c p{pid}">'
                        f'</td>')
                     + _plain_input(row.surplus_outpatient, "ea", pid, "h-e h-ea")
                     + _plain_input(row.surplus_inpatient, "eh", pid, "h-e h-eh")
                     + _plain_input(row.monthly_patients, "pm", pid, "h-pm"))
        note = notes.get(pid)
        outlier = note.outlier if note else None
        cm, start = comments.get(pid), comment_starts.get(pid)
        typed = f' value="{escape(cm)}"' if cm else ""
        described = f' aria-describedby="w-{pid}"' if outlier else ""
        note_html = (f'<input name="nt{pid}"{typed} maxlength="500" class="comment" '
                     f'aria-labelledby="h-cm p{pid}"{described}>')
        if start:
            note_html += f'<input type="hidden" name="ont{pid}" value="{escape(start)}">'
        if outlier:
            note_html += (f'<span class="warn" id="w-{pid}">Valor atípico: '
                          f'{escape(outlier)}</span>')
        if note or not line.row.is_blank:
            note_html += (f'<a class="hist" href="{history}{pid}/historial" '
                          f'aria-describedby="p{pid}">Historial</a>')
        out.append(f'\n{head}</th>{cells}<td>{escape(line.unit_of_measure)}{_origin(o, pid)}'
                   f'</td><td class="note-cell">{note_html}</td></tr>')
    return Markup("".join(out))


def readonly_rows(lines: Iterable[tuple[Any, Any, Any, Any, Any]], notes: Mapping[int, Any],
                  history: str) -> Markup:
    """The ``<tr>`` of each row of a grid that may not change (finalized, window closed)."""
    history = escape(history)
    out = []
    for line, row, _errs, _o, _cur in lines:
        pid = line.product_id
        note = notes.get(pid)
        tail = ""
        if note:
            tail = str(escape(note.comment))
            if note.outlier:
                tail += f'<span class="warn">Valor atípico: {escape(note.outlier)}</span>'
        if note or not line.row.is_blank:
            tail += f'<a class="hist" href="{history}{pid}/historial">Historial</a>'
        out.append(
            f'\n<tr><td class="num">{line.number}</td><th scope="row">{escape(line.product)}'
            f'</th><td class="num">{escape(row.shortage_outpatient)}</td><td class="num">'
            f'{escape(row.shortage_inpatient)}</td><td>{escape(row.cause)}</td><td class="num">'
            f'{escape(row.surplus_outpatient)}</td><td class="num">{escape(row.surplus_inpatient)}'
            f'</td><td class="num">{escape(row.monthly_patients)}</td><td>'
            f'{escape(line.unit_of_measure)}</td><td class="note-cell">{tail}</td></tr>')
    return Markup("".join(out))
