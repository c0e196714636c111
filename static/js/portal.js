/* Small behaviours of the site's pages, kept out of the templates: the Content-Security-Policy
 * allows no inline script or on* attribute.
 *   [data-print]            a button that prints the page (the evidence pack)
 *   [data-select-on-focus]  a field whose text is selected when it gets focus (a new API token) */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
  });
})();
