/* Activity pages: "whole class" ticks, the school day camp switch (organization suggestions are
   organization-search.js). Loaded as a file (the CSP forbids inline scripts); every page works
   without it. */
(function () {
  "use strict";

  // A "whole class" checkbox ticks or clears its class; it shows whether the class is complete.
  function wireClasses(root) {
    root.querySelectorAll("input[data-whole-class]").forEach(function (whole) {
      var key = whole.dataset.wholeClass;
      var members = Array.prototype.filter.call(
        root.querySelectorAll("input[data-class]"),
        function (box) { return box.dataset.class === key; }
      );
      whole.addEventListener("change", function () {
        members.forEach(function (box) { box.checked = whole.checked; });
      });
      members.forEach(function (box) {
        box.addEventListener("change", function () {
          whole.checked = members.every(function (m) { return m.checked; });
        });
      });
    });
  }

  // For a school's own day camp the host is the school: hide the host field.
  function wireCampType() {
    var host = document.querySelector("[data-hide-for-school-camp]");
    var radios = document.querySelectorAll("input[data-camp-type]");
    if (!host || !radios.length) { return; }
    function update() {
      var school = document.querySelector("input[data-camp-type='school']:checked");
      host.hidden = Boolean(school);
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  // A new activity's status follows its date until the user picks one: held for today or
  // earlier, planned for a later day (the server refuses "held" before the start anyway).
  function wireDefaultStatus() {
    var form = document.querySelector("form[data-today]");
    var day = form && form.querySelector("input[name='day']");
    if (!day) { return; }
    var picked = false;
    form.querySelectorAll("input[name='status']").forEach(function (radio) {
      radio.addEventListener("change", function () { picked = true; });
    });
    day.addEventListener("change", function () {
      if (picked || !day.value) { return; }
      var status = day.value <= form.dataset.today ? "held" : "planned";
      var radio = form.querySelector("input[name='status'][value='" + status + "']");
      if (radio) { radio.checked = true; }
    });
  }

  wireClasses(document);
  wireCampType();
  wireDefaultStatus();
})();
