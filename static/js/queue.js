/* Live SLA clocks in the admin queue and on the incident page.
 *
 * Renders what the server computed (sla.clock.sla_clock): each [data-sla-clock] element
 * carries the server's state and, while the clock runs, the instants at which that state
 * changes (data-warning-at: the escalation policy's warning step; data-breached-at: the
 * deadline). Every 15 seconds this switches to the state whose instant has passed and
 * counts the "in …" / "Breached … ago" text down to data-due. Final clocks (met, missed,
 * no deadline) carry no instants and are left as rendered. Without JavaScript the
 * server-rendered text stays. */
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

  function passed(el, name, now) {
    var value = el.getAttribute(name);
    return value ? Date.parse(value) <= now : false;
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
        if (!el.getAttribute("data-breached-at")) { continue; }  // final: as the server rendered it
        var state = el.getAttribute("data-state");
        var next = state;
        if (passed(el, "data-breached-at", now)) {
          next = "breached";
        } else if (passed(el, "data-warning-at", now)) {
          next = "warning";
        }
        var remaining = (Date.parse(el.getAttribute("data-due")) - now) / 1000;
        var label = next === "breached" ? config.labels.breached : config.labels["in"];
        var text = fill(label, { time: durationShort(config.labels, remaining) });
        if (next !== state) {
          el.classList.remove("sla-" + state);
          el.classList.add("sla-" + next);
          el.setAttribute("data-state", next);
          var word = el.querySelector(".sla-clock-state");
          if (word) { word.textContent = (config.labels.states || {})[next] || ""; }
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
