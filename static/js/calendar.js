// The calendar feed page (templates/notifications/calendar/feed.html): a "Copy" button beside each
// address, <button data-copy="ID" hidden>, shown only where the browser can copy. Without it (or without
// JavaScript) the address is still selectable in its read-only field.
(function () {
  "use strict";
  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var label = button.textContent;
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = label; }, 2000);
    }, function () {
      field.focus();
      field.select();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.clipboard || !window.isSecureContext) return;
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
  });
  // A click in an address selects all of it, ready to copy by hand.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-copy-source]")) event.target.select();
  });
})();
