// The import page follows the worker's commit (the job's status, jobs:status) and reloads itself
// when it is done, to show the result and the report. Without this script "Stand bijwerken"
// reloads the page. No inline script: the CSP allows scripts from this site only.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-job]");
  var url = box && box.getAttribute("data-import-job");
  if (!url) { return; }
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-job-percent]");
  var label = box.querySelector("[data-job-label]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 3000); return; }
        bar.value = state.percent;
        percent.textContent = state.percent + " %";
        label.textContent = state.label + (state.step && !state.finished ? ": " + state.step : "");
        if (state.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
}());
