// The auction form redraws its price curve while it is being filled in (no inline script: CSP).
// #curve-preview names the endpoint; the form posts itself there, nothing is saved.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var preview = document.getElementById("curve-preview");
    var form = preview && preview.closest("form");
    if (!form) { return; }
    var timer = null;
    var sent = 0;

    function redraw() {
      var body = new FormData(form);
      body.append("_object_id", preview.dataset.objectId || "");
      var request = ++sent;
      fetch(preview.dataset.previewUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": body.get("csrfmiddlewaretoken"), Accept: "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          // An older answer arriving late must not replace a newer curve.
          if (answer && request === sent) {
            preview.innerHTML = answer.html;
            preview.dataset.complete = answer.complete ? "yes" : "no";
          }
        })
        .catch(function () { /* the next keystroke tries again */ });
    }

    function soon() {
      window.clearTimeout(timer);
      timer = window.setTimeout(redraw, 350);
    }

    // The admin's calendar and clock pickers set values without an input event: notice them too.
    var last = "";
    function changed() {
      var now = new URLSearchParams(new FormData(form)).toString();
      if (now !== last) { last = now; soon(); }
    }

    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    window.setInterval(changed, 1000);
    changed();
  });
})();
