// The SLA term form (templates/contracts/includes/sla_term_form.html): when the KPI changes, the unit
// next to the target and the warning target follows it, and the comparator turns to the one the KPI's
// direction calls for (the server refuses the other). The form is swapped in by htmx, which runs this
// script again each time: the listener is installed once.
(function () {
  "use strict";
  if (window.slaTermFormReady) return;
  window.slaTermFormReady = true;
  function lookup(select, attribute) {
    try { return JSON.parse(select.getAttribute(attribute) || "{}")[select.value]; } catch (error) { return undefined; }
  }
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.hasAttribute || !select.hasAttribute("data-kpi-units")) return;
    var form = select.closest("form");
    if (!form) return;
    var unit = lookup(select, "data-kpi-units");
    form.querySelectorAll("[data-kpi-unit]").forEach(function (span) { span.textContent = unit || ""; });
    var comparator = lookup(select, "data-kpi-comparators");
    var choice = form.querySelector("select[name=comparator]");
    if (comparator && choice) choice.value = comparator;
  });
})();
