// The incident page's reply box: picking a saved reply puts its text (already filled in by
// the server, in the incident's language) into the message at the cursor. Without
// JavaScript the "Insert" button does the same through the server.
(function () {
  "use strict";
  function insert(textarea, text) {
    var start = textarea.selectionStart || 0;
    var end = textarea.selectionEnd || 0;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    var gap = before && !/\n\s*$/.test(before) ? "\n\n" : "";
    textarea.value = before + gap + text + after;
    var caret = (before + gap + text).length;
    textarea.setSelectionRange(caret, caret);
    textarea.focus();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.querySelector("[data-macro-picker]");
    if (!picker) return;
    var form = picker.form;
    var textarea = form.querySelector("textarea[name=body]");
    var button = form.querySelector("[data-macro-insert]");
    if (button) button.hidden = true;
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      if (option && option.dataset.text) insert(textarea, option.dataset.text);
    });
  });
})();
