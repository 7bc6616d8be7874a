// Long filter menus (apps/core/ui.py, "LONG_MENU"): a menu of 20,000 vendors is not drawn whole. The server
// draws the select with only what is chosen and marks it data-choices-url; here a search box goes in front
// of it, and what is typed fills the select with the records it finds (?choices=<filter>&term=, JSON of at
// most 20), the first one chosen. The filter bar's Apply then filters as before. Without JavaScript the
// select offers what is chosen and the list's text search still finds by name. No inline script or style.
(function () {
  "use strict";
  var DEBOUNCE_MS = 150;

  function ready(callback) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  }

  function enhance(select) {
    var url = select.getAttribute("data-choices-url");
    var label = select.getAttribute("data-choices-label") || "records";
    var search = document.createElement("input");
    search.type = "search";
    search.className = "choices-search";
    search.placeholder = "Find " + label.toLowerCase() + "…";
    search.setAttribute("aria-label", "Find " + label.toLowerCase());
    search.setAttribute("autocomplete", "off");
    select.parentNode.insertBefore(search, select);
    var emptyOption = select.querySelector("option[value='']");
    var timer = null;
    var sequence = 0; // answers that arrive after a newer request was sent are dropped

    function fill(results) {
      var chosen = select.value;
      while (select.options.length) select.remove(0);
      if (emptyOption) select.add(emptyOption);
      results.forEach(function (result) {
        var option = document.createElement("option");
        option.value = result.value;
        option.textContent = result.label;
        select.add(option);
      });
      var keep = results.some(function (result) { return result.value === chosen; });
      select.value = keep ? chosen : (results.length ? results[0].value : "");
      select.setAttribute("data-choices-found", String(results.length));
    }

    function find() {
      var asked = ++sequence;
      var term = search.value.trim();
      var address = url + "&term=" + encodeURIComponent(term);
      fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (asked === sequence) fill(body.results || []); })
        .catch(function () { /* the select keeps what it had */ });
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(find, DEBOUNCE_MS);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { // Enter searches at once rather than submitting a half-typed name
        event.preventDefault();
        clearTimeout(timer);
        find();
      }
    });
  }

  ready(function () {
    document.querySelectorAll("select[data-choices-url]").forEach(enhance);
  });
})();
