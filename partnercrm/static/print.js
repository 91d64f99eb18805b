/* Print buttons ([data-print]) of the printable pages: shown only when scripts run, they open
   the browser's print dialog; the print stylesheet (partnercrm.css) does the rest. Loaded as a
   file (the CSP forbids inline scripts). */
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
