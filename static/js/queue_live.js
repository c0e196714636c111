/* The live queue in the admin (incidents/admin.py IncidentAdmin.poll_view) and its keys.
 *
 * Every 5 seconds this asks the poll URL for the queue's stamp (a few aggregate queries on
 * the server, whatever the queue's size). When the stamp moved (an incident filed, a message
 * written, an open incident changed) it fetches this same page again and swaps the result
 * list in, unless the engineer has rows selected: then it only says that the queue changed.
 * The tab's title starts with the number of incidents waiting for a first response.
 *
 * Keys (not while typing in a field): j / k move between rows, Enter opens the row, a assigns
 * it to me (the queue's "Assign to me" action), ? shows the list of keys. Without
 * JavaScript the page works as the admin renders it. */
(function () {
  "use strict";

  var POLL_MS = 5000;
  var baseTitle = document.title;

  function live() { return document.getElementById("queue-live"); }

  function setTitle(waiting) {
    document.title = (waiting > 0 ? "(" + waiting + ") " : "") + baseTitle;
  }

  function hasSelection() {
    return document.querySelector("#result_list input.action-select:checked") !== null;
  }

  function swapResults(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("result_list");
    var current = document.getElementById("result_list");
    if (!fresh || !current) { return false; }
    current.replaceWith(fresh);
    var freshPaginator = doc.querySelector("#changelist-form .paginator");
    var paginator = document.querySelector("#changelist-form .paginator");
    if (freshPaginator && paginator) { paginator.replaceWith(freshPaginator); }
    var freshCount = doc.querySelector("#changelist-search .quiet");
    var count = document.querySelector("#changelist-search .quiet");
    if (freshCount && count) { count.replaceWith(freshCount); }
    var config = doc.getElementById("sla-clock-config");
    var oldConfig = document.getElementById("sla-clock-config");
    if (config && oldConfig) { oldConfig.textContent = config.textContent; }
    if (window.portalQueueClocks) { window.portalQueueClocks.refresh(); }
    if (selected >= 0) { selectRow(selected, false); }
    return true;
  }

  function notice(text) {
    var node = live();
    if (node) { node.textContent = text; }
  }

  function poll() {
    var node = live();
    if (!node) { return; }
    fetch(node.getAttribute("data-poll-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (pulse) {
        if (!pulse) { return; }
        setTitle(pulse.waiting);
        if (pulse.stamp === node.getAttribute("data-stamp")) { return; }
        var added = pulse.newest > Number(node.getAttribute("data-newest"));
        if (hasSelection()) {
          notice(node.getAttribute("data-changed-label") || "↻");
          return;
        }
        return fetch(window.location.href, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html && swapResults(html)) {
              node.setAttribute("data-stamp", pulse.stamp);
              node.setAttribute("data-newest", pulse.newest);
              notice(added ? node.getAttribute("data-new-label") : "");
            }
          });
      })
      .catch(function () { /* the next poll tries again */ });
  }

  // --- Keys ---------------------------------------------------------------------------
  var selected = -1;

  function rows() { return document.querySelectorAll("#result_list tbody tr"); }

  function selectRow(index, scroll) {
    var all = rows();
    if (!all.length) { selected = -1; return; }
    index = Math.max(0, Math.min(index, all.length - 1));
    for (var i = 0; i < all.length; i++) { all[i].classList.remove("queue-row-current"); }
    selected = index;
    all[index].classList.add("queue-row-current");
    if (scroll !== false) { all[index].scrollIntoView({ block: "nearest" }); }
  }

  function currentRow() {
    var all = rows();
    return selected >= 0 && selected < all.length ? all[selected] : null;
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    var row = currentRow();
    if (event.key === "j") { selectRow(selected + 1); }
    else if (event.key === "k") { selectRow(selected < 0 ? 0 : selected - 1); }
    else if (event.key === "Enter" && row) {
      var link = row.querySelector("th a, td a");
      if (link) { window.location.href = link.href; }
    } else if (event.key === "a" && row) {
      var box = row.querySelector("input.action-select");
      var action = document.querySelector("#changelist-form select[name=action]");
      if (!box || !action) { return; }
      var boxes = document.querySelectorAll("#result_list input.action-select");
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = false; }
      box.checked = true;
      action.value = "assign_to_me";
      var go = document.querySelector("#changelist-form button[name=index]");
      if (go) { go.click(); }
    } else if (event.key === "?") {
      var help = document.getElementById("queue-keys-help");
      if (help) { help.hidden = !help.hidden; }
    } else { return; }
    event.preventDefault();
  }

  function start() {
    var node = live();
    if (!node) { return; }
    setTitle(Number(node.getAttribute("data-waiting")));
    document.addEventListener("keydown", onKey);
    window.setInterval(poll, POLL_MS);
    window.portalQueueLive = { poll: poll };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
