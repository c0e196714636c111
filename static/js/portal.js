/* Small behaviours of the site's pages, kept out of the templates: the Content-Security-Policy
 * allows no inline script or on* attribute.
 *   [data-print]            a button that prints the page (the evidence pack)
 *   [data-select-on-focus]  a field whose text is selected when it gets focus (a new API token)
 *   htmx requests that change something carry the CSRF token from its cookie (the body's
 *   data-csrf-cookie), not from the page: a public page holds no per-visitor token, so a
 *   shared cache may keep it, and sets no cookie. A visitor without the cookie yet gets it
 *   first from data-csrf-url. */
(function () {
  "use strict";

  function csrfToken() {
    var name = document.body.dataset.csrfCookie + "=";
    var found = document.cookie.split(";").map(function (part) { return part.trim(); })
      .filter(function (part) { return part.indexOf(name) === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length)) : "";
  }

  document.addEventListener("htmx:confirm", function (event) {
    if (event.detail.verb === "get" || !document.body.dataset.csrfUrl || csrfToken()) {
      return;
    }
    event.preventDefault();
    var send = function () { event.detail.issueRequest(); };  // without the cookie: the server refuses it
    fetch(document.body.dataset.csrfUrl, { credentials: "same-origin" }).then(send, send);
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var token = event.detail.verb === "get" ? "" : csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
  });
})();
