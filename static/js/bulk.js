// Row selection on lists with bulk actions (templates/includes/bulk_bar.html, apps/core/bulk.py):
// "select all on this page" and the count of selected rows. The checkboxes work without this script.
(function () {
  "use strict";

  function setUp(bar) {
    var formId = bar.id;
    var rows = function () {
      return Array.prototype.slice.call(
        document.querySelectorAll('input[data-bulk-row][form="' + formId + '"]')
      );
    };
    var all = document.querySelector("input[data-bulk-all]");
    var count = bar.querySelector("[data-bulk-count]");
    var idle = count ? count.textContent : "";

    function refresh() {
      var boxes = rows();
      var chosen = boxes.filter(function (box) { return box.checked; }).length;
      if (count) {
        count.textContent = chosen ? chosen + " selected" : idle;
      }
      bar.classList.toggle("has-selection", chosen > 0);
      if (all) {
        all.checked = chosen > 0 && chosen === boxes.length;
        all.indeterminate = chosen > 0 && chosen < boxes.length;
      }
    }

    if (all) {
      all.addEventListener("change", function () {
        rows().forEach(function (box) { box.checked = all.checked; });
        refresh();
      });
    }
    rows().forEach(function (box) { box.addEventListener("change", refresh); });
    refresh();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-bulk-bar]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
