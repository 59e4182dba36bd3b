// Excedentes y Faltantes, Paso 6: filter the product rows as you type (the same filter works
// without JavaScript through "?q="), warn before leaving a grid with unsaved changes, and post
// only the rows changed.
// Confirmations ("data-confirm") are handled by app.js.
(function () {
  "use strict";

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function liveFilter(form) {
    // The grid is a header table plus chunks of rows (".grid-chunk", each laid out only when
    // it scrolls into view): a chunk left without matching rows is hidden too, so that the
    // rows found stay together instead of behind the space of empty chunks.
    var grid = document.querySelector(form.getAttribute("data-live-filter"));
    var input = form.querySelector("input[type=search]");
    if (!grid || !input) { return; }
    var rows = Array.prototype.slice.call(grid.querySelectorAll("tbody tr"));
    var chunks = Array.prototype.slice.call(grid.querySelectorAll(".grid-chunk"));
    var keys = null; // folded product names, computed once on first use
    var count = document.getElementById("grid-count");
    var total = count ? count.getAttribute("data-total") : null;
    var pending = false;

    function apply() {
      pending = false;
      if (keys === null) {
        keys = rows.map(function (row) { return row.cells.length > 1 ? fold(row.cells[1].textContent) : ""; });
      }
      var needle = fold(input.value);
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var hide = needle !== "" && keys[i].indexOf(needle) === -1;
        if (rows[i].hidden !== hide) { rows[i].hidden = hide; }
        if (!hide) { shown++; }
      }
      chunks.forEach(function (chunk) {
        var empty = chunk.querySelector("tbody tr:not([hidden])") === null;
        if (chunk.hidden !== empty) { chunk.hidden = empty; }
      });
      if (count) {
        count.textContent = shown.toLocaleString("es-MX") + " de " +
          Number(total || rows.length).toLocaleString("es-MX") + " productos";
      }
    }

    input.addEventListener("input", function () {
      if (!pending) { pending = true; window.requestAnimationFrame(apply); }
    });
    // With JavaScript the filter is already applied: submitting would reload the page and
    // lose what was typed in the grid.
    form.addEventListener("submit", function (ev) { ev.preventDefault(); apply(); });
  }

  function unsavedGuard(form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    document.addEventListener("submit", function (ev) {
      if (ev.target === form && !ev.defaultPrevented) { dirty = false; }
    });
    window.addEventListener("beforeunload", function (ev) {
      if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
    });
  }

  // Send only the rows the user changed (the server keeps only those anyway, comparing each
  // row with the starting values the page carries in hidden "o…" inputs): the 2,857-row
  // Cirugía form posts a few fields instead of 20,000. The DOM is not touched, so a
  // cancelled confirmation leaves the form as it was.
  var GRID_PREFIXES = ["fa", "fh", "c", "ea", "eh", "pm", "nt"];  // "nt": the row's comment

  function changedRowsOnly(form) {
    form.addEventListener("formdata", function (ev) {
      var fd = ev.formData;
      var ids = String(fd.get("p") || "").split(/[\s,]+/).filter(Boolean);
      var kept = [];
      ids.forEach(function (pid) {
        var changed = GRID_PREFIXES.some(function (prefix) {
          var now = String(fd.get(prefix + pid) || "").trim();
          var start = String(fd.get("o" + prefix + pid) || "").trim();
          return now !== start;
        });
        if (changed) {
          kept.push(pid);
        } else {
          GRID_PREFIXES.forEach(function (prefix) {
            fd.delete(prefix + pid);
            fd.delete("o" + prefix + pid);
          });
        }
      });
      fd.set("p", kept.join(" "));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-live-filter]").forEach(liveFilter);
    document.querySelectorAll("form[data-grid]").forEach(unsavedGuard);
    document.querySelectorAll("form[data-grid]").forEach(changedRowsOnly);
  });
})();
