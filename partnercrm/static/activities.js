/* Activity pages: organization suggestions, "whole class" ticks, the school day camp switch.
   Loaded as a file (the CSP forbids inline scripts); every page works without it. */
(function () {
  "use strict";

  // Inputs with data-org-search="/activities/hosts?kind=…" fill their datalist as you type.
  function wireSearch(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var lastQuery = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (text.length < 2 || text === lastQuery || /\]\s*$/.test(text)) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        lastQuery = text;
        var url = new URL(input.dataset.orgSearch, window.location.href);
        url.searchParams.set("q", text);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) {
            list.replaceChildren.apply(list, items.map(function (item) {
              var option = document.createElement("option");
              option.value = item.value;
              return option;
            }));
          })
          .catch(function () { /* suggestions are a convenience */ });
      }, 200);
    });
  }

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

  document.querySelectorAll("input[data-org-search]").forEach(wireSearch);
  wireClasses(document);
  wireCampType();
})();
