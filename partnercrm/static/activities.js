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

  function fold(text) {
    return text.toLowerCase().replace(/ё/g, "е");
  }

  // The participants page: every class is in the form, so ticks are kept while the class tabs
  // only show one class or all; the search finds students of any class by name or number
  // (ё as е, any case); the tab shown is sent with the form and shown again after saving.
  function wireRosterPicker() {
    var form = document.querySelector("form[data-roster-picker]");
    if (!form) { return; }
    var tabInput = form.querySelector("[data-roster-tab]");
    var search = form.querySelector("[data-roster-search]");
    var none = form.querySelector("[data-roster-none]");
    var groups = form.querySelectorAll("[data-roster-class]");
    var tabs = form.querySelectorAll("[data-class-tab]");

    function show() {
      var query = search ? fold(search.value.trim()) : "";
      var tab = tabInput.value;
      var found = 0;
      groups.forEach(function (group) {
        var inTab = !tab || group.dataset.rosterClass === tab;
        var visible = 0;
        group.querySelectorAll("[data-search]").forEach(function (row) {
          var match = query ? row.dataset.search.indexOf(query) !== -1 : inTab;
          row.classList.toggle("d-none", !match);
          if (match) { visible += 1; }
        });
        group.hidden = visible === 0;
        found += visible;
      });
      if (none) { none.hidden = found > 0; }
    }

    tabs.forEach(function (tab) {
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        tabInput.value = tab.dataset.classTab;
        tabs.forEach(function (other) { other.classList.toggle("active", other === tab); });
        if (search) { search.value = ""; }
        var url = new URL(window.location.href);
        if (tabInput.value) { url.searchParams.set("class", tabInput.value); }
        else { url.searchParams.delete("class"); }
        window.history.replaceState(window.history.state, "", url.pathname + url.search);
        show();
      });
    });
    if (search) { search.addEventListener("input", show); }
    form.addEventListener("change", function () {
      form.querySelectorAll("[data-class-count]").forEach(function (badge) {
        var key = badge.dataset.classCount;
        badge.textContent = Array.prototype.filter.call(
          form.querySelectorAll("input[data-class]"),
          function (box) { return box.dataset.class === key && box.checked; }
        ).length;
      });
    });
    show();
  }

  // The new activity form: a class's absentees are asked for once the class is ticked.
  function wireClassesThatWent() {
    document.querySelectorAll("input[data-went-class]").forEach(function (box) {
      var absent = document.querySelector(
        "[data-absent-for='" + box.dataset.wentClass + "']"
      );
      if (!absent) { return; }
      function update() { absent.hidden = !box.checked; }
      box.addEventListener("change", update);
      update();
    });
  }

  wireClasses(document);
  wireCampType();
  wireClassesThatWent();
  wireDefaultStatus();
  wireRosterPicker();
})();
