// The job page refreshes its own progress every two seconds until the job is finished (the page
// works without this script: "Stand bijwerken" reloads it). No inline script: the CSP allows
// scripts from this site only.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box || box.getAttribute("data-job-finished") === "1") { return; }
  var url = box.getAttribute("data-job-status");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-job-percent]");
  var label = box.querySelector("[data-job-label]");
  var error = box.querySelector("[data-job-error]");
  var download = box.querySelector("[data-job-download]");
  var refresh = box.querySelector("[data-job-refresh]");
  var cancel = document.querySelector("[data-job-cancel]");
  function show(state) {
    bar.value = state.percent;
    bar.textContent = state.percent + " %";
    percent.textContent = state.percent + " %";
    var text = state.label + (state.step && !state.finished ? ": " + state.step : "");
    if (label.textContent !== text) { label.textContent = text; }
    if (state.error) { error.textContent = state.error; error.hidden = false; }
    if (state.download) {
      download.querySelector("a").setAttribute("href", state.download);
      download.hidden = false;
    }
    if (state.finished) {
      if (refresh) { refresh.hidden = true; }
      if (cancel) { cancel.hidden = true; }
      if (state.status !== "done") { window.location.reload(); }
    }
    return state.finished;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && show(state)) { return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
