/* Institution chooser (institutions/choosers.py, institutions/_chooser.html).
 * Typing in its search box fills the select from the lookup endpoint (the user's scope, 20 homes at
 * most) without waiting for the Search button; choosing a home redraws the parts of the form that
 * depend on it ([data-follows-institution]: the home's people, who may inspect it) from the page the
 * server draws for that home, without reloading and without sending the chosen files.
 * Without this script the Search button posts the form back and the server does both. */
(function () {
  "use strict";

  var WAIT_MS = 250;

  function say(status, template, count) {
    status.textContent = template ? template.replace("%(count)s", count) : "";
  }

  function enhance(box) {
    var input = box.querySelector("[data-chooser-search]");
    var select = box.querySelector("select");
    var status = box.querySelector("[data-chooser-status]");
    var form = select.form;
    var texts = box.dataset;
    // What the server listed, put back when the search box is emptied.
    var served = Array.prototype.map.call(select.options, function (option) { return option.cloneNode(true); });
    var timer = null;
    var asked = 0;

    // The empty choice first, then the chosen home (kept, so a search never changes the choice), then `options`.
    function fill(options) {
      var current = select.value;
      var kept = [];
      Array.prototype.forEach.call(select.options, function (option) {
        if (option.value === "" || option.value === current) kept.push(option);
      });
      var values = {};
      kept.forEach(function (option) { values[option.value] = true; });
      select.textContent = "";
      kept.forEach(function (option) { select.add(option); });
      options.forEach(function (option) {
        if (!values[option.value]) select.add(option);
      });
      select.value = current;
    }

    function search() {
      clearTimeout(timer);
      var text = input.value.trim();
      var mine = ++asked;
      if (!text) {
        fill(served.map(function (option) { return option.cloneNode(true); }));
        status.textContent = "";
        return;
      }
      var url = texts.lookupUrl + (texts.lookupUrl.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("lookup answered " + response.status);
          return response.json();
        })
        .then(function (body) {
          if (mine !== asked) return; // an older answer arriving late
          fill(body.results.map(function (row) { return new Option(row.label, String(row.id)); }));
          if (!body.results.length) say(status, texts.textNone, 0);
          else say(status, body.more ? texts.textMore : texts.textFound, body.results.length);
        })
        .catch(function () {
          if (mine === asked) say(status, texts.textFailed, 0);
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, WAIT_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // search here; Enter must not post the whole form
        search();
      }
    });

    var followers = form ? form.querySelectorAll("[data-follows-institution]") : [];
    if (!followers.length) return;
    var drawn = 0;
    select.addEventListener("change", function () {
      var data = new FormData(form);
      Array.prototype.forEach.call(form.querySelectorAll('input[type="file"]'), function (file) {
        data.delete(file.name);
      });
      var button = box.querySelector("[data-chooser-button]");
      data.set(button.name, button.value); // "show the form again": the server saves nothing
      var mine = ++drawn;
      Array.prototype.forEach.call(followers, function (part) { part.setAttribute("aria-busy", "true"); });
      fetch(form.action || window.location.href, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("the form answered " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (mine !== drawn) return;
          var page = new DOMParser().parseFromString(html, "text/html");
          followers = Array.prototype.map.call(followers, function (part) {
            var fresh = page.getElementById(part.id);
            if (!fresh) return part;
            fresh = document.importNode(fresh, true);
            part.replaceWith(fresh);
            return fresh;
          });
        })
        .catch(function () { /* the parts stay as they were; the server checks the choice on saving */ })
        .then(function () {
          Array.prototype.forEach.call(followers, function (part) { part.removeAttribute("aria-busy"); });
        });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-institution-chooser]"), enhance);
})();
