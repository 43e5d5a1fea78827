/* Region picker: turns <input data-region-picker> (a 6-digit GB/T 2260 code) into cascading
 * province → city → county selects filled from the regions API (?parent=CODE).
 * Starts below data-root (the user's own region; empty = the whole country). If the API cannot be
 * reached, or the root has no divisions below it, the plain code input stays as it is. */
(function () {
  "use strict";

  var apiUrl = document.body.dataset.regionsUrl;

  function children(parent) {
    var query = parent ? "parent=" + encodeURIComponent(parent) : "level=province";
    return fetch(apiUrl + "?page_size=500&" + query, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("regions API answered " + response.status);
      return response.json();
    }).then(function (body) { return body.results; });
  }

  // The codes on the way down to `code`: 440106 -> 440000, 440100, 440106.
  function ancestors(code) {
    if (!/^\d{6}$/.test(code)) return [];
    return [code.slice(0, 2) + "0000", code.slice(0, 4) + "00", code];
  }

  function enhance(input) {
    var root = input.dataset.root || "";
    var wanted = ancestors(input.value);
    var label = document.querySelector('label[for="' + input.id + '"]');
    var box = document.createElement("div");
    box.className = "region-picker d-flex flex-wrap gap-2";

    function addLevel(parent, depth) {
      return children(parent).then(function (rows) {
        if (!rows.length) return depth > 0;
        var select = document.createElement("select");
        select.className = "form-select region-picker-level";
        select.dataset.depth = depth;
        if (depth === 0) select.id = input.id + "_picker";
        if (label) select.setAttribute("aria-label", label.textContent.trim() + " " + (depth + 1));
        select.add(new Option(input.dataset.emptyLabel || "—", ""));
        rows.forEach(function (row) { select.add(new Option(row.name, row.code)); });
        select.addEventListener("change", function () {
          while (box.children.length > depth + 1) box.removeChild(box.lastChild);
          // Blank means "all of the level above" (nothing at the top, i.e. the user's whole scope).
          input.value = select.value || (depth === 0 ? "" : parent);
          if (select.value) addLevel(select.value, depth + 1);
        });
        box.appendChild(select);
        var preset = rows.filter(function (row) { return wanted.indexOf(row.code) >= 0; })[0];
        if (preset) {
          select.value = preset.code;
          return addLevel(preset.code, depth + 1).then(function () { return true; });
        }
        return true;
      });
    }

    input.parentNode.insertBefore(box, input.nextSibling);
    addLevel(root, 0).then(function (shown) {
      if (!shown) { box.remove(); return; }
      input.type = "hidden";
      if (label) label.htmlFor = input.id + "_picker";
      if (input.classList.contains("is-invalid")) {
        box.querySelectorAll("select").forEach(function (s) { s.classList.add("is-invalid"); });
      }
    }).catch(function () { box.remove(); });
  }

  document.querySelectorAll("input[data-region-picker]").forEach(enhance);
})();
