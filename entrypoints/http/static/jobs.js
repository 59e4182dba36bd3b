// The job page's progress bar: polls GET /api/jobs/{id} (same origin, the session's cookie)
// and updates the bar, stage, time left, error and download link without reloading.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-poll]");
  if (!box) { return; }
  var url = box.getAttribute("data-job-url");
  var download = box.getAttribute("data-job-download");
  var bar = document.getElementById("job-bar");
  function part(name) { return box.querySelector("[data-job-" + name + "]"); }
  function eta(seconds) {
    if (seconds === null || seconds === undefined) { return "calculando…"; }
    if (seconds < 60) { return "menos de un minuto"; }
    var minutes = Math.ceil(seconds / 60);
    if (minutes < 60) { return minutes + " min"; }
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }
  function show(el, visible) { if (el) { el.hidden = !visible; } }
  function update(job) {
    bar.value = job.progress;
    bar.textContent = job.progress + " %";
    part("progress").textContent = job.progress;
    part("stage").textContent = job.stage;
    part("status").textContent = job.status_label;
    part("eta").textContent = eta(job.eta_seconds);
    show(part("eta-wrap"), job.status === "running");
    var error = part("error");
    error.textContent = job.status === "failed" ? (job.error || "") : "";
    show(error, job.status === "failed");
    var done = part("done");
    if (job.result_url) {
      var link = done.querySelector("a");
      link.href = download;
      link.textContent = "Descargar " + (job.filename || "el archivo");
    }
    show(done, !!job.result_url);
    var finished = job.status === "done" || job.status === "failed" || job.status === "expired";
    var cancel = box.querySelector("[data-job-cancel]");
    if (finished && cancel) { cancel.remove(); }  // a finished job cannot be cancelled
    // an import's summary is written on the page by the server: show it once done
    if (job.status === "done" && box.hasAttribute("data-job-reload")) { window.location.reload(); }
    return finished;
  }
  var delay = 1000;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (job) { if (!update(job)) { window.setTimeout(poll, delay); } })
      .catch(function () { delay = Math.min(delay * 2, 15000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, 500);
}());
