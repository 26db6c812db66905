/* Printing (issue 14 item 14). Served from InBeeld itself: the CSP allows no inline script.
   - The print header (base.html) names the page (the document title without " – InBeeld") and
     shows the moment of printing, not of loading.
   - A button with data-print (hidden until this script runs, so it is never a dead button)
     opens the browser's print dialog. */
(function () {
  "use strict";
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
    "september", "oktober", "november", "december"];

  function stamp() {
    var now = new Date();
    var text = now.getDate() + " " + months[now.getMonth()] + " " + now.getFullYear() + ", " +
      pad(now.getHours()) + ":" + pad(now.getMinutes());
    document.querySelectorAll("[data-print-date]").forEach(function (el) { el.textContent = text; });
  }

  function ready() {
    var title = document.title.replace(/\s+–\s+InBeeld$/, "");
    document.querySelectorAll("[data-print-title]").forEach(function (el) { el.textContent = title; });
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  window.addEventListener("beforeprint", stamp);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
