/* Calendar page: copy buttons for the feed links, and a confirmation before the link is
   replaced. Loaded as a file (the CSP forbids inline scripts); without it the links can still
   be selected and copied by hand, and the reset asks nothing. */
(function () {
  "use strict";

  function wireCopyButtons() {
    if (!navigator.clipboard) { return; }
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          button.textContent = button.dataset.copied;
          setTimeout(function () { button.textContent = label; }, 2000);
        }, function () {
          field.select();
        });
      });
    });
    // A click in a link field selects all of it, ready to copy by hand.
    document.querySelectorAll("input[readonly]").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
  }

  function wireConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireCopyButtons();
    wireConfirmations();
  });
})();
