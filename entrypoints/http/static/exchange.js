// Small enhancement only (the form works without JavaScript): a running analysis shows
// progress instead of a frozen page, and the button cannot be pressed twice.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var text = form.getAttribute && form.getAttribute("data-progress");
    if (!text || ev.defaultPrevented) { return; }
    var box = form.querySelector(".xch-progress");
    if (box) {
      box.querySelector("span").textContent = text;
      box.hidden = false;
    }
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      // after the submit has been taken: disabling first would drop the button's value
      window.setTimeout(function () { b.disabled = true; }, 0);
    });
  });
})();
