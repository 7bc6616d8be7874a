// Small behaviours of the workspace; everything works without them.
(function () {
  "use strict";
  // A form that destroys something asks first: <form data-confirm="Delete …?"> (no inline handler:
  // the Content-Security-Policy allows no inline script).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // A bar's width from its data-bar-percent (the Content-Security-Policy refuses style="" attributes;
  // a width set from script is allowed). Without JavaScript the bar stays empty; the text beside it says
  // the same number.
  function sizeBars(root) {
    (root || document).querySelectorAll("[data-bar-percent]").forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, Number(bar.getAttribute("data-bar-percent")) || 0));
      bar.style.width = percent + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { sizeBars(document); });
  document.addEventListener("htmx:afterSwap", function () { sizeBars(document); });
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
    // A history restore (Back, Forward) swaps too, with no target: nothing to focus then.
    var target = event.detail && event.detail.target;
    if (!target || !target.querySelector) return;
    var invalid = target.querySelector("[aria-invalid=true]");
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
    if (event.detail.xhr && event.detail.xhr.status === 400) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
  // The KPI entry grid (templates/kpis/grid*.html). The period picker shows only the inputs of the
  // chosen kind (without JS all of them show, and the server reads the ones of the kind).
  function showPeriodInputs(picker) {
    var checked = picker.querySelector("input[name=kind]:checked");
    picker.querySelectorAll("[data-period-kind]").forEach(function (group) {
      group.hidden = checked ? group.getAttribute("data-period-kind") !== checked.value : false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-period-picker]").forEach(showPeriodInputs);
  });
  document.addEventListener("change", function (event) {
    var picker = event.target.closest && event.target.closest("[data-period-picker]");
    if (picker && event.target.name === "kind") showPeriodInputs(picker);
  });
  // A ratio KPI's value (numerator ÷ denominator × multiplier) as it is typed; the server computes the
  // stored one the same way. Out of the KPI's range it turns red (the server refuses it on saving).
  function decimal(text) {
    var trimmed = (text || "").trim();
    return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(trimmed) ? Number(trimmed) : NaN;
  }
  document.addEventListener("input", function (event) {
    var row = event.target.closest && event.target.closest("[data-ratio]");
    if (!row || !event.target.hasAttribute("data-part")) return;
    var numerator = decimal(row.querySelector("[data-part=numerator]").value);
    var denominator = decimal(row.querySelector("[data-part=denominator]").value);
    var output = row.querySelector("[data-computed]");
    var value = numerator / denominator * Number(row.getAttribute("data-multiplier") || "1");
    var known = isFinite(value) && denominator > 0 && numerator >= 0;
    var rounded = Math.round(value * 100) / 100;
    var unit = output.parentElement.getAttribute("data-unit");
    var shown = Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(2);
    output.textContent = known ? shown + (unit ? " " + unit : "") : "—";
    var min = row.getAttribute("data-min"), max = row.getAttribute("data-max");
    var outside = known && ((min !== null && value < Number(min)) || (max !== null && value > Number(max)));
    output.parentElement.classList.toggle("text-bad", Boolean(outside));
  });
})();
