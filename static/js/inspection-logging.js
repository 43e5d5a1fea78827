/* The on-site logging page (templates/inspections/inspection_log.html), for an inspector on a phone.
 *
 * Every answer is saved the moment it is given: it first goes into localStorage, then is posted to
 * the page's JSON endpoint (inspections/<id>/results/), and leaves the queue only once the server
 * has stored it. With no connection the answers wait in the queue (the page says how many) and are
 * sent when the connection returns, on the next visit of the page, or every 20 seconds — so a dropped
 * connection loses nothing already entered. Refusals (409 not in progress, 400 not on the checklist…)
 * are shown on the item and dropped: sending them again would not help.
 *
 * Without JavaScript every form on the page posts normally; this script only takes over. It also
 * clones the quick finding form for an item failed on this page, keeps a finding's deadline in step
 * with its severity, and sends photos without leaving the page. */
(function () {
  "use strict";

  var page = document.getElementById("log-page");
  if (!page || !window.fetch || !window.FormData) return;
  page.classList.add("js");

  var inspection = page.dataset.inspection;
  var resultsUrl = page.dataset.resultsUrl;
  var photosUrl = page.dataset.photosUrl;
  var total = parseInt(page.dataset.total, 10) || 0;
  var msg = document.getElementById("log-messages").dataset;
  var deadlines = JSON.parse(document.getElementById("finding-deadlines").textContent);
  var text = JSON.parse(document.getElementById("log-text").textContent);
  var csrfInput = page.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var KEY = "careguard:inspection:" + inspection + ":answers";
  var RETRY_MS = 20000;
  var flushing = false;
  var signedOut = false;

  // --- the queue (localStorage: survives a reload, a closed tab, a flat battery) -------------------

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY)) || {};
    } catch (e) {
      return {};
    }
  }

  function store(queue) {
    try {
      if (Object.keys(queue).length) window.localStorage.setItem(KEY, JSON.stringify(queue));
      else window.localStorage.removeItem(KEY);
    } catch (e) {
      /* private mode or a full disk: answers are still sent while online */
    }
  }

  // --- what the page shows -----------------------------------------------------------------------

  function article(itemId) {
    return document.getElementById("item-" + itemId);
  }

  function setState(itemId, kind, message) {
    var node = article(itemId);
    var state = node && node.querySelector("[data-save-state]");
    if (!state) return;
    var css = { saved: "text-success", saving: "text-body-secondary", queued: "text-warning-emphasis", refused: "text-danger" };
    state.className = "save-state small mt-1 " + (css[kind] || "");
    state.dataset.state = kind;
    state.textContent = message;
  }

  function showOutcome(itemId, outcome) {
    var node = article(itemId);
    if (!node) return;
    node.dataset.outcome = outcome;
    node.querySelectorAll("button[data-outcome]").forEach(function (button) {
      var on = button.dataset.outcome === outcome;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    if (outcome === "fail") ensureFindingForm(node);
  }

  function updateProgress() {
    var answered = page.querySelectorAll("article.log-item[data-outcome]:not([data-outcome=''])").length;
    var percent = total ? Math.round((answered * 100) / total) : 0;
    var bar = document.getElementById("progress");
    bar.setAttribute("aria-valuenow", String(answered));
    bar.firstElementChild.style.width = percent + "%";
    document.getElementById("progress-text").textContent = msg.progress
      .replace("%(answered)s", answered).replace("%(total)s", total);
    page.querySelectorAll("section.log-section").forEach(function (section) {
      var items = section.querySelectorAll("article.log-item");
      var done = section.querySelectorAll("article.log-item[data-outcome]:not([data-outcome=''])");
      var count = section.querySelector(".section-title small");
      if (count) count.textContent = done.length + " / " + items.length;
    });
    return answered;
  }

  function updateWaiting() {
    var waiting = Object.keys(load()).length;
    var status = document.getElementById("sync-status");
    status.dataset.waiting = String(waiting);
    if (signedOut && waiting) {
      status.className = "small mt-1 text-danger";
      status.textContent = msg.signedOut;
    } else if (waiting) {
      status.className = "small mt-1 text-warning-emphasis fw-semibold";
      status.textContent = waiting + " " + msg.waiting;
    } else {
      status.className = "small mt-1 text-success";
      status.textContent = page.dataset.touched ? msg.allSaved : "";
    }
    // Completion: once every item is answered and stored, the "not answered" line no longer holds.
    var unanswered = document.querySelector('#missing [data-missing="unanswered"]');
    if (unanswered && !waiting && updateProgress() >= total) {
      var list = unanswered.parentNode;
      unanswered.remove();
      if (!list.children.length) {
        list.remove();
        document.getElementById("complete").disabled = false;
      }
    }
  }

  // --- sending -----------------------------------------------------------------------------------

  function post(url, body) {
    body.append("csrfmiddlewaretoken", csrf);
    // redirect "manual": a session that ended answers with a redirect to the login page, which must
    // not count as saved.
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
    });
  }

  function detailOf(response) {
    return response.json().then(function (body) { return body.detail || ""; }, function () { return ""; });
  }

  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      var queue = load();
      for (var itemId in queue) {
        var entry = queue[itemId];
        var body = new FormData();
        body.append("item", itemId);
        body.append("outcome", entry.outcome);
        body.append("note", entry.note || "");
        var response;
        try {
          response = await post(resultsUrl, body);
        } catch (e) {
          markQueued();
          return; // offline: everything stays queued
        }
        if (response.type === "opaqueredirect" || response.status === 0) {
          signedOut = true;
          markQueued();
          return;
        }
        signedOut = false;
        if (response.status >= 500 || response.status === 429) {
          markQueued();
          return; // the server's trouble: try again later
        }
        var current = load();
        // Drop what was sent, unless the inspector changed the answer meanwhile.
        if (current[itemId] && current[itemId].at === entry.at) delete current[itemId];
        store(current);
        if (response.ok) {
          setState(itemId, current[itemId] ? "saving" : "saved", current[itemId] ? msg.saving : msg.saved);
        } else {
          setState(itemId, "refused", msg.refused + " " + (await detailOf(response)));
        }
      }
    } finally {
      flushing = false;
      updateWaiting();
    }
    if (Object.keys(load()).length && !signedOut) flush(); // answers given while this round ran
  }

  function markQueued() {
    Object.keys(load()).forEach(function (itemId) { setState(itemId, "queued", msg.queued); });
  }

  function answer(itemId, outcome) {
    var node = article(itemId);
    var note = node.querySelector("textarea[name=note]");
    var queue = load();
    queue[itemId] = { outcome: outcome, note: note ? note.value : "", at: Date.now() };
    store(queue);
    page.dataset.touched = "1";
    showOutcome(itemId, outcome);
    setState(itemId, "saving", msg.saving);
    updateProgress();
    updateWaiting();
    flush();
  }

  page.addEventListener("click", function (event) {
    var button = event.target.closest("form[data-result-form] button[data-outcome]");
    if (!button) return;
    event.preventDefault();
    answer(button.form.querySelector("input[name=item]").value, button.dataset.outcome);
  });

  page.addEventListener("submit", function (event) {
    // Enter in a note, or a browser that submits without a click: keep the answer already chosen.
    var form = event.target;
    if (!form.matches("form[data-result-form]")) return;
    event.preventDefault();
    var node = form.closest("article");
    if (node.dataset.outcome) answer(node.dataset.item, node.dataset.outcome);
  });

  page.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("form[data-result-form] textarea[name=note]")) {
      var node = target.closest("article");
      if (node.dataset.outcome) answer(node.dataset.item, node.dataset.outcome); // a note rides with its answer
    } else if (target.matches("[data-finding-form] input[name=severity]")) {
      var deadline = target.form.querySelector("input[name=deadline]");
      if (deadline && !deadline.dataset.edited && deadlines[target.value]) deadline.value = deadlines[target.value];
    } else if (target.matches("[data-finding-form] input[name=deadline]")) {
      target.dataset.edited = "1";
    } else if (target.matches("input[data-photo-input]") && target.files.length) {
      sendPhoto(target.form, target);
    }
  });

  window.addEventListener("online", flush);
  window.setInterval(function () {
    if (Object.keys(load()).length) flush();
  }, RETRY_MS);

  // --- findings and photos -----------------------------------------------------------------------

  function ensureFindingForm(node) {
    var existing = node.querySelector("details.finding-box");
    if (existing) {
      existing.open = true;
      return;
    }
    var template = document.getElementById("finding-template");
    var copy = template.content.cloneNode(true);
    var prefix = "f" + node.dataset.item + "_";
    copy.querySelectorAll("[id^=tpl_]").forEach(function (el) { el.id = prefix + el.id.slice(4); });
    copy.querySelectorAll("label[for^=tpl_]").forEach(function (el) { el.htmlFor = prefix + el.htmlFor.slice(4); });
    copy.querySelector("[data-field=item]").value = node.dataset.item;
    copy.querySelector("[data-field=description]").value = text.not_met.replace("%(requirement)s", node.dataset.text);
    copy.querySelector("[data-field=legal_basis]").value = node.dataset.clause;
    copy.querySelector("[data-field=is_major_hazard]").checked = node.dataset.major === "1";
    node.querySelector("[data-findings]").appendChild(copy);
  }

  function sendPhoto(form, input) {
    var node = form.closest("article");
    var itemId = node.dataset.item;
    setState(itemId, "saving", msg.uploading);
    post(photosUrl, new FormData(form)).then(function (response) {
      if (response.ok) {
        return response.json().then(function (body) {
          var link = document.createElement("a");
          link.href = body.url;
          link.target = "_blank";
          link.rel = "noopener";
          var image = document.createElement("img");
          image.className = "thumb";
          image.src = body.url;
          image.alt = "";
          link.appendChild(image);
          node.querySelector("[data-thumbs]").appendChild(link);
          setState(itemId, "saved", msg.saved);
        });
      }
      return detailOf(response).then(function (detail) {
        setState(itemId, "refused", msg.photoFailed + " " + detail);
      });
    }, function () {
      setState(itemId, "queued", msg.photoOffline);
    }).finally(function () {
      input.value = "";
    });
  }

  // --- start: answers left from an earlier visit (closed offline) are shown and sent ---------------

  var left = load();
  Object.keys(left).forEach(function (itemId) {
    var node = article(itemId);
    if (!node) {
      delete left[itemId];
      return;
    }
    var note = node.querySelector("textarea[name=note]");
    if (note) note.value = left[itemId].note || "";
    showOutcome(itemId, left[itemId].outcome);
    setState(itemId, "queued", msg.queued);
  });
  store(left);
  updateProgress();
  updateWaiting();
  if (Object.keys(left).length) flush();
})();
