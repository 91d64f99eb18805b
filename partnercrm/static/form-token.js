/* One-time form tokens (partnercrm/web/form_tokens.py): write the form's token into the page's
   address, so a page fetched again on Back reads the same token, and Save then shows what the
   first Save made instead of making it twice. Loaded as a file (the CSP forbids inline
   scripts). */
(function () {
  "use strict";
  var input = document.querySelector("input[data-form-token]");
  if (!input || !input.value || !window.history.replaceState) { return; }
  var url = new URL(window.location.href);
  if (url.searchParams.get("once") === input.value) { return; }
  url.searchParams.set("once", input.value);
  window.history.replaceState(window.history.state, "", url.toString());
})();
