/* Live SLA clocks in the admin queue and on the incident page.
 *
 * Reads each [data-sla-clock] element's data-due / data-responded and the server's
 * time and labels from the #sla-clock-config JSON, then refreshes the text and the
 * colour class every 15 seconds. Without JavaScript the server-rendered text stays. */
(function () {
  "use strict";

  function readConfig() {
    var node = document.getElementById("sla-clock-config");
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)(02)?d|%\((\w+)\)s/g, function (_, dName, pad, sName) {
      var value = values[dName || sName];
      if (pad && value < 10) { return "0" + value; }
      return String(value);
    });
  }

  function durationShort(labels, seconds) {
    seconds = Math.abs(Math.floor(seconds));
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) { return fill(labels.d, { d: days, h: hours }); }
    if (hours) { return fill(labels.h, { h: hours, m: minutes }); }
    if (minutes) { return fill(labels.m, { m: minutes }); }
    return labels.lt1;
  }

  function start() {
    var config = readConfig();
    if (!config) { return; }
    // The browser's clock may be off: measure against the server's time at render.
    var offset = Date.parse(config.now) - Date.now();

    function tick() {
      var now = Date.now() + offset;
      var clocks = document.querySelectorAll("[data-sla-clock]");
      for (var i = 0; i < clocks.length; i++) {
        var el = clocks[i];
        var state = el.getAttribute("data-state");
        // Responded (met or late) and deadline-less clocks are final.
        if (el.getAttribute("data-responded") || !el.getAttribute("data-due") || state === "none") { continue; }
        var remaining = (Date.parse(el.getAttribute("data-due")) - now) / 1000;
        var next, text;
        if (remaining <= 0) {
          next = "breached";
          text = fill(config.labels.breached, { time: durationShort(config.labels, remaining) });
        } else {
          next = remaining <= config.warningSeconds ? "warning" : "on-track";
          text = fill(config.labels["in"], { time: durationShort(config.labels, remaining) });
        }
        if (next !== state) {
          el.classList.remove("sla-" + state);
          el.classList.add("sla-" + next);
          el.setAttribute("data-state", next);
        }
        var textNode = el.querySelector(".sla-clock-text");
        if (textNode && textNode.textContent !== text) { textNode.textContent = text; }
      }
    }

    tick();
    window.setInterval(tick, 15000);
    window.portalQueueClocks = { refresh: tick };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
