// Small behaviours of the workspace; everything works without them.
(function () {
  "use strict";
  // Close an open dropdown (<details class="menu">) on a click elsewhere or on Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) { menu.removeAttribute("open"); });
  });
  // A form with errors comes back as the whole section: the first field in error gets the focus.
  document.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.detail.target.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  });
  // On a phone the area bar and the tab strip scroll sideways: bring the current one into view.
  function revealCurrent() {
    document.querySelectorAll(".areas [aria-current=page], .tabs [aria-current=page]").forEach(function (link) {
      var strip = link.parentElement;
      if (strip.scrollWidth > strip.clientWidth) strip.scrollLeft = link.offsetLeft - (strip.clientWidth - link.offsetWidth) / 2;
    });
  }
  document.addEventListener("DOMContentLoaded", revealCurrent);
  document.addEventListener("htmx:afterSettle", revealCurrent);
  // htmx swaps only 2xx answers by default; a 400 carrying a form with its errors is content too.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
})();
