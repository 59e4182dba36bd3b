// Small enhancements only: every flow works without JavaScript.
(function () {
  "use strict";
  // Confirmation before submitting forms that ask for it (e.g. "Guardar", "Finalizar").
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var msg = form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  // Filter table rows as you type (the same filter also works server-side through ?q=).
  document.addEventListener("input", function (ev) {
    var input = ev.target;
    var target = input.getAttribute && input.getAttribute("data-filter-rows");
    if (!target) { return; }
    var needle = input.value.trim().toLowerCase();
    document.querySelectorAll(target).forEach(function (row) {
      var text = (row.getAttribute("data-text") || row.textContent).toLowerCase();
      row.hidden = needle !== "" && text.indexOf(needle) === -1;
    });
  });
})();
