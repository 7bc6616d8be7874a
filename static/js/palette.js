// The search palette (templates/includes/search_box.html): ⌘K / Ctrl-K anywhere, or typing in the header's
// search box, opens it; what is typed is searched as you type (/search/palette?q=, an HTML partial rendered
// and escaped by the server); ↑ ↓ move through the results, Enter opens one (or, with none chosen, the full
// results page), Esc closes. A combobox with a listbox (aria-activedescendant): focus stays in the input.
// No inline script or style (the Content-Security-Policy allows neither). Without JavaScript the header box
// is a plain form to the results page.
(function () {
  "use strict";
  var DEBOUNCE_MS = 120;
  var isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || "");

  function ready(callback) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  }

  ready(function () {
    var dialog = document.querySelector("[data-palette]");
    if (!dialog || typeof dialog.showModal !== "function") return;
    var input = dialog.querySelector("[data-palette-input]");
    var results = dialog.querySelector("[data-palette-results]");
    var trigger = document.querySelector("[data-palette-trigger]");
    var paletteUrl = dialog.getAttribute("data-palette-url");
    var searchUrl = dialog.getAttribute("data-search-url");
    var timer = null;
    var sequence = 0; // answers that arrive after a newer request was sent are dropped
    var lastQuery = null;
    var opener = null;

    document.querySelectorAll("[data-palette-open]").forEach(function (button) {
      button.hidden = false;
      var shortcut = button.querySelector("[data-palette-shortcut]");
      if (shortcut) shortcut.textContent = isMac ? "⌘K" : "Ctrl K";
      button.addEventListener("click", function () { open(""); });
    });

    function options() {
      return Array.prototype.slice.call(results.querySelectorAll("[role=option]"));
    }

    function active() {
      var id = input.getAttribute("aria-activedescendant");
      return id ? document.getElementById(id) : null;
    }

    function choose(option) {
      options().forEach(function (each) {
        var on = each === option;
        each.setAttribute("aria-selected", on ? "true" : "false");
        each.classList.toggle("active", on);
      });
      if (option) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function move(step) {
      var all = options();
      if (!all.length) return;
      var index = all.indexOf(active());
      var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : (index + step + all.length) % all.length;
      choose(all[next]);
    }

    function fetchResults() {
      var query = input.value.trim();
      if (query === lastQuery) return;
      lastQuery = query;
      var mine = ++sequence;
      dialog.setAttribute("aria-busy", "true");
      fetch(paletteUrl + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) {
          if (response.redirected && response.url.indexOf(paletteUrl) === -1) {
            window.location.reload(); // signed out meanwhile: the page shows the sign-in
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html === null || mine !== sequence) return;
          results.innerHTML = html;
          var all = options();
          input.setAttribute("aria-expanded", all.length ? "true" : "false");
          choose(all.length > 1 ? all[0] : null); // the best hit is chosen: Enter opens it
        })
        .catch(function () {
          if (mine === sequence) results.textContent = "Search is not available right now.";
        })
        .then(function () {
          if (mine === sequence) dialog.removeAttribute("aria-busy");
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchResults, DEBOUNCE_MS);
    }

    function open(text) {
      if (!dialog.open) {
        opener = document.activeElement;
        dialog.showModal();
      }
      input.value = text;
      lastQuery = null;
      input.focus();
      input.setSelectionRange(text.length, text.length);
      fetchResults();
    }

    function close() {
      if (dialog.open) dialog.close();
    }

    dialog.addEventListener("close", function () {
      window.clearTimeout(timer);
      sequence++;
      results.innerHTML = "";
      input.value = "";
      lastQuery = null;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      if (trigger) trigger.value = "";
      if (opener && typeof opener.focus === "function" && opener !== trigger) opener.focus();
      opener = null;
    });

    // A click on the backdrop (outside the box) closes it.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) close();
    });

    results.addEventListener("mousemove", function (event) {
      var option = event.target.closest && event.target.closest("[role=option]");
      if (option && option !== active()) choose(option);
    });

    input.addEventListener("input", schedule);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        move(1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(-1);
      } else if (event.key === "Enter") {
        event.preventDefault();
        var option = active();
        var query = input.value.trim();
        if (option) window.location.assign(option.getAttribute("href"));
        else if (query) window.location.assign(searchUrl + "?q=" + encodeURIComponent(query));
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });

    // Typing in the header's box continues in the palette (grouped results as you type).
    if (trigger) {
      trigger.addEventListener("input", function () {
        if (trigger.value) open(trigger.value);
      });
    }

    document.addEventListener("keydown", function (event) {
      if ((event.metaKey || event.ctrlKey) && !event.altKey && !event.shiftKey && (event.key === "k" || event.key === "K")) {
        event.preventDefault();
        if (dialog.open) close();
        else open("");
      }
    });
  });
})();
