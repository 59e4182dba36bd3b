// SAnECE: small enhancements only; every flow works without JavaScript.
// - "Buscar:" filters a table as you type (the same search works server-side on submit);
// - the data fields of "Solicitar cambio de datos" are enabled by their check box;
// - "Elige la OOAD de destino" refreshes the unidad médica list without reloading the page;
// - "Exportar a Excel" says the file is being generated.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function liveSearch(form) {
    var target = document.querySelector(form.getAttribute("data-live-search"));
    if (!target || !window.fetch || !window.DOMParser) { return; }
    var timer = null;
    var last = null;
    // The search is POSTed (an NSS or a name never goes in a URL); the server answers with a
    // redirect to the list under an opaque token, which fetch follows.
    function refresh() {
      var params = new URLSearchParams(new FormData(form));
      params.delete("pagina");
      var body = params.toString();
      if (body === last) { return; }
      last = body;
      fetch(form.action, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded" }
      })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null || body !== last) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(target.id);
          if (fresh) { target.innerHTML = fresh.innerHTML; }
        })
        .catch(function () { /* the submit button still works */ });
    }
    form.addEventListener("input", function (ev) {
      if (ev.target.type !== "search") { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 350);
    });
    form.addEventListener("change", function (ev) {
      if (ev.target.tagName === "SELECT") { refresh(); }
    });
  }

  function toggleFields(form) {
    form.querySelectorAll("[data-toggled-by]").forEach(function (input) {
      var box = document.getElementById(input.getAttribute("data-toggled-by"));
      if (!box) { return; }
      function sync() { input.disabled = !box.checked; }
      box.addEventListener("change", function () { sync(); if (box.checked) { input.focus(); } });
      sync();
    });
  }

  function dependentUnits(select) {
    var target = document.querySelector(select.getAttribute("data-units-target"));
    var source = select.getAttribute("data-units-source");
    if (!target || !source || !window.fetch) { return; }
    select.addEventListener("change", function () {
      var id = select.value;
      target.innerHTML = "";
      var first = document.createElement("option");
      first.value = "";
      first.textContent = id ? "Cargando…" : "Elige primero la OOAD de destino";
      target.appendChild(first);
      if (!id) { return; }
      fetch(source.replace("{id}", encodeURIComponent(id)), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (units) {
          first.textContent = units.length ? "Selecciona" : "La OOAD no tiene unidades médicas";
          units.forEach(function (u) {
            var opt = document.createElement("option");
            opt.value = String(u.id);
            opt.textContent = u.name;
            target.appendChild(opt);
          });
        })
        .catch(function () { first.textContent = "No se pudo cargar la lista: usa «Ver unidades de la OOAD»"; select.form.querySelectorAll(".js-hide").forEach(function (b) { b.classList.remove("js-hide"); }); });
    });
  }

  function downloadNote(form) {
    var note = form.querySelector("[data-download-note]");
    if (!note) { return; }
    form.addEventListener("submit", function () { note.hidden = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-live-search]").forEach(liveSearch);
    document.querySelectorAll("form[data-toggle-fields]").forEach(toggleFields);
    document.querySelectorAll("select[data-units-source]").forEach(dependentUnits);
    document.querySelectorAll("form[data-download]").forEach(downloadNote);
  });
})();
