// carecast UI: the mobile menu, the idle sign-out warning, and drafts kept across a sign-out.
(function () {
  "use strict";

  // Mobile navigation toggle.
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("main-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Drafts: forms marked data-autosave keep their text fields in this browser until submitted,
  // so an idle sign-out never loses work. Files and passwords are never stored.
  // Drafts belong to the person who typed them: on a shared workstation the next person to sign in
  // must not see (or be able to read back) someone else's unsaved text, so theirs are removed.
  var draftPrefix = "carecast-draft:" + (document.body.getAttribute("data-user") || "") + ":";
  if (document.body.hasAttribute("data-user")) {
    try {
      Object.keys(localStorage).forEach(function (k) {
        if (k.indexOf("carecast-draft:") === 0 && k.indexOf(draftPrefix) !== 0) { localStorage.removeItem(k); }
      });
    } catch (e) { /* storage blocked */ }
  }
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var key = draftPrefix + form.getAttribute("data-autosave");
    var fields = form.querySelectorAll("input[type=text], input:not([type]), input[type=datetime-local], textarea, select");
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved) {
      fields.forEach(function (f) { if (f.name && saved[f.name] !== undefined) { f.value = saved[f.name]; } });
      var note = document.createElement("p");
      note.className = "callout";
      note.setAttribute("role", "status");
      note.textContent = "We restored the text you had not saved yet.";
      form.prepend(note);
    }
    var save = function () {
      var data = {};
      fields.forEach(function (f) { if (f.name && f.name !== "csrfmiddlewaretoken") { data[f.name] = f.value; } });
      try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or blocked */ }
    };
    form.addEventListener("input", save);
    form.addEventListener("submit", function () { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } });
  });

  // Idle sign-out: warn two minutes before the server's timeout; "Stay signed in" extends it.
  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
  var sessionUrl = body.getAttribute("data-session-url");
  var dialog = document.getElementById("idle-warning");
  if (!timeout || !sessionUrl || !dialog) { return; }
  var warnBefore = Math.min(120, Math.floor(timeout / 2));
  var deadline = Date.now() + timeout * 1000;
  var leftEl = dialog.querySelector("[data-idle-left]");
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  var lastFocus = null;

  function show(secondsLeft) {
    var m = Math.floor(secondsLeft / 60), s = secondsLeft % 60;
    leftEl.textContent = m > 0 ? m + " min " + s + " s" : s + " seconds";
    if (dialog.hidden) {
      lastFocus = document.activeElement;
      dialog.hidden = false;
      dialog.querySelector("[data-idle-stay]").focus();
    }
  }
  function hide() {
    dialog.hidden = true;
    if (lastFocus && lastFocus.focus) { lastFocus.focus(); }
  }
  function toLogin() {
    window.location = body.getAttribute("data-login-url") + "?timeout=1&next=" + encodeURIComponent(window.location.pathname);
  }
  function check() {
    fetch(sessionUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      if (!data.signed_in || data.seconds_left <= 0) { toLogin(); return; }
      deadline = Date.now() + data.seconds_left * 1000;
      if (data.seconds_left <= warnBefore) { show(data.seconds_left); } else { hide(); }
    }).catch(function () { /* offline: try again on the next tick */ });
  }
  dialog.querySelector("[data-idle-stay]").addEventListener("click", function () {
    fetch(sessionUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": decodeURIComponent(csrf) } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.signed_in) { toLogin(); return; }  // too late: the server signed them out already
        deadline = Date.now() + data.seconds_left * 1000; hide();
      });
  });
  setInterval(function () {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= warnBefore) { check(); }
    if (!dialog.hidden && left > 0) { show(left); }
  }, 1000);
})();

// Calendar: drag a post to another day to move it there (same time of day). The "Move" form beside
// each post does the same from the keyboard; this only adds the mouse path.
(function () {
  var calendar = document.querySelector("[data-calendar]");
  if (!calendar) { return; }
  var status = document.getElementById("calendar-status");
  var dragged = null;
  calendar.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("[data-move-url]");
    if (!item) { return; }
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-move-url"));
  });
  calendar.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest("[data-day]")) { event.preventDefault(); }
  });
  calendar.addEventListener("drop", function (event) {
    var day = event.target.closest("[data-day]");
    if (!dragged || !day) { return; }
    event.preventDefault();
    var body = new FormData();
    body.append("day", day.getAttribute("data-day"));
    fetch(dragged.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": calendar.getAttribute("data-csrf"), "Accept": "application/json" },
      body: body
    }).then(function (r) { return r.json(); }).then(function (data) {
      status.textContent = data.message;
      if (data.ok) { window.location.reload(); }
    }).catch(function () { status.textContent = "The post could not be moved; try again."; });
    dragged = null;
  });
})();

// Channel versions: count as the network does while the person types (the server checks again on save).
(function () {
  var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter() : null;
  function count(text, unit, urlLength) {
    if (urlLength) { text = text.replace(/https?:\/\/\S+/g, "x".repeat(urlLength)); }
    var chars = segmenter ? Array.from(segmenter.segment(text)).length : Array.from(text).length;
    if (unit === "segments") { return chars <= 160 ? 1 : Math.ceil(chars / 153); }
    return chars;
  }
  document.querySelectorAll("textarea[data-count-limit]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("aria-describedby"));
    var limit = parseInt(area.dataset.countLimit, 10);
    if (!out || !limit) { return; }
    var update = function () {
      var parts = area.value.split(/^\s*---\s*$/m);
      var words = parts.map(function (p, i) {
        var n = count(p.trim(), area.dataset.countUnit, parseInt(area.dataset.countUrl, 10) || 0);
        var label = parts.length > 1 ? "Part " + (i + 1) + ": " : "";
        return label + n + " of " + limit + " " + area.dataset.countUnit + (n > limit ? " (too long)" : "");
      });
      out.textContent = words.join("; ");
    };
    area.addEventListener("input", update);
    update();
  });
})();

// Long work (a CSV import): ask again every second while it runs; the region is announced politely.
(function () {
  document.querySelectorAll("[data-poll-url]").forEach(function (box) {
    var tick = function () {
      fetch(box.dataset.pollUrl, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          box.innerHTML = html;
          if (box.querySelector("[data-running]")) { setTimeout(tick, 1000); }
        })
        .catch(function () { setTimeout(tick, 3000); });
    };
    if (box.querySelector("[data-running]")) { setTimeout(tick, 1000); }
  });
})();
