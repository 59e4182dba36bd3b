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

  // The phone menu: one "Menú" button discloses the list (without JavaScript it stays open).
  function menu(nav) {
    var button = nav.querySelector(".menu-toggle");
    if (!button) { return; }
    nav.classList.add("menu-js");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
  }

  // A table box that scrolls sideways says so, and takes the keyboard focus so that it can be
  // scrolled with the arrow keys (a region named by the table's caption or the heading above).
  function tableName(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el.textContent.trim(); }
    }
    var h1 = document.querySelector("main h1");
    return "Tabla" + (h1 ? ": " + h1.textContent.trim() : "");
  }

  function scrollable(wraps) {
    wraps.forEach(function (wrap) {
      var wide = wrap.scrollWidth > wrap.clientWidth + 1;
      var tall = wrap.scrollHeight > wrap.clientHeight + 1;
      var hint = wrap.previousElementSibling;
      var hasHint = hint && hint.classList.contains("scroll-hint");
      if (wide && !hasHint) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "Desplace la tabla hacia los lados para ver todas las columnas.";
        wrap.parentNode.insertBefore(hint, wrap);
      } else if (!wide && hasHint) {
        hint.parentNode.removeChild(hint);
      }
      if ((wide || tall) && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("data-js-tabindex", "");
        if (!wrap.getAttribute("role")) { wrap.setAttribute("role", "region"); }
        if (!wrap.getAttribute("aria-label")) { wrap.setAttribute("aria-label", tableName(wrap)); }
      } else if (!wide && !tall && wrap.hasAttribute("data-js-tabindex")) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("data-js-tabindex");
      }
    });
  }

  // After a save or an error the focus goes to the message: the error summary first (or the
  // first field in error), else the result of the save.
  function focusMessage() {
    var main = document.getElementById("contenido");
    if (!main) { return; }
    var target = main.querySelector(".flash-error, .san-refused") ||
      main.querySelector("[aria-invalid='true']") || main.querySelector(".flash-success");
    if (!target) { return; }
    if (!/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(target.tagName) && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  // A link of an error summary to a row moves the focus to the row's first field in error.
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-error-link]");
    if (!link) { return; }
    var anchor = document.getElementById(link.getAttribute("href").slice(1));
    var row = anchor && anchor.closest("tr");
    var field = row && (row.querySelector("[aria-invalid='true']") || row.querySelector("input, select, textarea"));
    if (field) { ev.preventDefault(); field.focus(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("nav.menu").forEach(menu);
    function refresh() {
      scrollable(Array.prototype.slice.call(document.querySelectorAll(".table-wrap, .chart-wrap")));
    }
    refresh();
    var timer = null;
    function later() { window.clearTimeout(timer); timer = window.setTimeout(refresh, 150); }
    window.addEventListener("resize", later);
    // lists that a live search redraws (sanece.js) get their hint and focusable box again
    document.querySelectorAll("[data-results]").forEach(function (box) {
      if (window.MutationObserver) { new MutationObserver(later).observe(box, { childList: true }); }
    });
    focusMessage();
  });
})();
