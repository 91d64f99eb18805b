/* Organization pickers: inputs with data-org-search="/organizations/search?kind=…" fill their
   datalist with suggestions as you type. Loaded as a file (the CSP forbids inline scripts);
   every form works without it (a code, INN or exact name is enough). */
(function () {
  "use strict";

  function wire(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (text.length < 2 || text === last || /\]\s*$/.test(text)) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = text;
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

  document.querySelectorAll("input[data-org-search]").forEach(wire);
}());
