/* The members' phone pages: the few things a script adds (decisions 133-135). Everything
   works without it (WeChat's in-app browser, scripts off): forms post as plain forms.

   - A form marked data-busy disables its button while it posts (no double tap).
   - "Use my location" on the check-in page.
   - Kept submissions: a form marked data-offline (check-in, service request, attendance)
     that is submitted while the phone has no network is kept in localStorage with the
     idempotency key made here when the page was shown, listed as "waiting to send", and
     sent by itself once the phone is online. The server answers the same key with the
     first result, so a send repeated after a lost answer writes nothing twice.
   - The service worker (/sw.js) is registered where the browser has one.
   - A form marked data-ask="question" asks before it is sent.
   No inline scripts anywhere: the Content-Security-Policy allows none (decision 180). */
(function () {
  "use strict";

  var OUTBOX = "liudong.outbox.v1";
  var SENT = "liudong.sent.v1";
  var USER = "liudong.user";
  var SHOW_SENT_MS = 30 * 60 * 1000;
  var body = document.body;
  var member = body.getAttribute("data-member") || "";
  var panel = document.getElementById("m-outbox");

  function text(name) {
    return panel ? panel.getAttribute("data-" + name) || "" : "";
  }

  // --- storage ------------------------------------------------------------------------

  function openStore() {
    try {
      var store = window.localStorage;
      store.setItem("liudong.probe", "1");
      store.removeItem("liudong.probe");
      return store;
    } catch (e) {
      return null; // private mode, or storage off: plain forms only
    }
  }
  var store = openStore();

  function load(name) {
    if (!store) return [];
    try {
      var value = JSON.parse(store.getItem(name) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function save(name, list) {
    if (!store) return false;
    try {
      store.setItem(name, JSON.stringify(list));
      return true;
    } catch (e) {
      return false;
    }
  }

  // --- keys ---------------------------------------------------------------------------

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Array(16);
    var random = window.crypto && window.crypto.getRandomValues
      ? window.crypto.getRandomValues(new Uint8Array(16)) : null;
    for (var i = 0; i < 16; i++) {
      bytes[i] = random ? random[i] : Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = bytes.map(function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function freshKeys() {
    /* A new key each time a page is shown: a kept copy of the page (service worker, back
       button) must not send the key an earlier submission used. */
    var inputs = document.querySelectorAll("form[data-offline] input[name=idempotency_key]");
    for (var i = 0; i < inputs.length; i++) inputs[i].value = uuid4();
  }

  // --- the panel ----------------------------------------------------------------------

  function mine(item) {
    return item.member === member;
  }

  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function line(list, label, state, tag, link) {
    var li = document.createElement("li");
    li.setAttribute("data-state", state);
    var what = document.createElement("span");
    what.textContent = label;
    li.appendChild(what);
    var right = document.createElement("span");
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = text("see");
      right.appendChild(a);
      right.appendChild(document.createTextNode(" "));
    }
    var badge = document.createElement("span");
    badge.className = "m-tag " + (state === "waiting" ? "m-tag-amber"
      : state === "sent" ? "m-tag-green" : "m-tag-red");
    badge.textContent = tag;
    right.appendChild(badge);
    li.appendChild(right);
    list.appendChild(li);
  }

  function render(note) {
    if (!panel) return;
    var waiting = load(OUTBOX).filter(mine);
    var now = Date.now();
    var sent = load(SENT).filter(function (item) {
      return mine(item) && now - item.sentAt < SHOW_SENT_MS;
    });
    panel.textContent = "";
    if (!waiting.length && !sent.length && !note) {
      panel.hidden = true;
      return;
    }
    var list = document.createElement("ul");
    waiting.forEach(function (item) {
      line(list, item.label + " · " + clock(item.madeAt), "waiting", text("waiting"));
    });
    sent.forEach(function (item) {
      var label = item.label + " · " + clock(item.madeAt);
      if (item.message) label += " — " + item.message;
      line(list, label, item.ok ? "sent" : "refused",
        item.ok ? text("sent") : text("refused"), item.url);
    });
    panel.appendChild(list);
    panel.className = waiting.length ? "m-outbox" : "m-outbox m-outbox-done";
    [note, waiting.length ? text("kept") : ""].forEach(function (words) {
      if (!words) return;
      var p = document.createElement("p");
      p.className = "m-kept";
      p.textContent = words;
      panel.appendChild(p);
    });
    panel.hidden = false;
  }

  // --- keeping a submission -----------------------------------------------------------

  function fieldsOf(form) {
    var fields = [];
    var dropped = false;
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.disabled) continue;
      if (el.type === "file") {
        if (el.files && el.files.length) dropped = true;
        continue;
      }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
      if (el.type === "submit" || el.type === "button") continue;
      if (el.tagName === "SELECT" && el.multiple) {
        for (var j = 0; j < el.options.length; j++) {
          if (el.options[j].selected) fields.push([el.name, el.options[j].value]);
        }
        continue;
      }
      fields.push([el.name, el.value]);
    }
    return {fields: fields, dropped: dropped};
  }

  function keep(form) {
    var key = form.querySelector("input[name=idempotency_key]");
    var made = form.querySelector("input[name=made_at]");
    var madeAt = Date.now();
    if (made) made.value = String(madeAt);
    var read = fieldsOf(form);
    var item = {
      kind: form.getAttribute("data-offline"),
      label: form.getAttribute("data-offline-label") || document.title,
      url: form.action || location.href,
      page: location.pathname,
      key: key ? key.value : uuid4(),
      member: member,
      madeAt: madeAt,
      fields: read.fields
    };
    var outbox = load(OUTBOX);
    outbox.push(item);
    if (!save(OUTBOX, outbox)) return false;
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (button) {
      button.disabled = true;
      button.textContent = text("waiting");
    }
    form.setAttribute("data-kept", item.key);
    render(read.dropped ? text("no-file") : "");
    return true;
  }

  // --- sending what was kept ----------------------------------------------------------

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function sendOne(item) {
    var data = new FormData();
    var token = csrfToken(); // this session's: signing in again changed it
    item.fields.forEach(function (pair) {
      data.append(pair[0], pair[0] === "csrfmiddlewaretoken" && token ? token : pair[1]);
    });
    return fetch(item.url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {"Idempotency-Key": item.key},
      redirect: "follow"
    }).then(function (response) {
      return response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var who = doc.body ? doc.body.getAttribute("data-member") || "" : "";
        if (response.status >= 500 || response.status === 429) return {again: true};
        if (who !== item.member) return {again: true, signIn: true}; // signed out
        var error = doc.querySelector("#error, .m-msg-error, .m-error");
        var ok = response.ok && !error;
        return {
          ok: ok,
          url: response.url,
          message: ok ? "" : (error ? error.textContent.trim() : String(response.status))
        };
      });
    });
  }

  var flushing = false;

  function flush() {
    if (flushing || !store || !member || !navigator.onLine || !window.fetch) return;
    var outbox = load(OUTBOX).filter(mine);
    if (!outbox.length) return;
    flushing = true;
    var current = null;
    var note = "";
    function next() {
      var queue = load(OUTBOX).filter(mine);
      if (!queue.length) return finish();
      var item = queue[0];
      return sendOne(item).then(function (result) {
        if (result.again) {
          if (result.signIn) note = text("sign-in");
          return finish();
        }
        save(OUTBOX, load(OUTBOX).filter(function (kept) { return kept.key !== item.key; }));
        var sent = load(SENT).filter(function (old) {
          return Date.now() - old.sentAt < SHOW_SENT_MS;
        });
        sent.push({
          label: item.label, member: item.member, madeAt: item.madeAt, sentAt: Date.now(),
          ok: result.ok, url: result.url, message: result.message, key: item.key
        });
        save(SENT, sent);
        if (item.page === location.pathname) current = result;
        return next();
      }, function () {
        return finish(); // no network after all: try again later
      });
    }
    function finish() {
      flushing = false;
      render(note);
      if (current && current.url) {
        // The page the submission was made on shows its answer now.
        if (current.url.split("#")[0] !== location.href.split("#")[0]) {
          location.assign(current.url);
        } else {
          location.reload();
        }
      }
    }
    render(text("sending"));
    next();
  }

  // --- forms --------------------------------------------------------------------------

  function busy(form) {
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (!button) return;
    if (button.disabled) return false;
    button.disabled = true;
    button.textContent = button.getAttribute("data-busy") || "…";
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM") return;
    var ask = form.getAttribute("data-ask"); // no inline handlers: the CSP (decision 180)
    if (ask && !window.confirm(ask)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-offline") && store && window.fetch && window.FormData &&
        member && navigator.onLine === false) {
      event.preventDefault();
      if (!form.hasAttribute("data-kept")) keep(form);
      return;
    }
    if (form.hasAttribute("data-busy") || form.hasAttribute("data-offline")) {
      var made = form.querySelector("input[name=made_at]");
      if (made) made.value = String(Date.now());
      if (busy(form) === false) event.preventDefault();
    }
  });

  // --- "Use my location" (the check-in page) ------------------------------------------

  var locate = document.getElementById("locate");
  if (locate) {
    locate.addEventListener("click", function () {
      var note = document.getElementById("locate-note");
      var denied = locate.getAttribute("data-denied");
      if (!navigator.geolocation) {
        note.textContent = denied;
        return;
      }
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (p) {
        location.search = "lng=" + p.coords.longitude.toFixed(5) +
          "&lat=" + p.coords.latitude.toFixed(5);
      }, function () {
        locate.disabled = false;
        note.textContent = denied;
        location.search = "located=denied";
      }, {timeout: 10000, maximumAge: 300000});
    });
  }

  // --- start ----------------------------------------------------------------------------

  if (store && member && store.getItem(USER) !== member) {
    // Another member signed in on this phone: forget the pages kept for the one before.
    if (store.getItem(USER) && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("forget-pages");
    }
    store.setItem(USER, member);
  }
  freshKeys();
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) freshKeys();
  });
  render("");
  window.addEventListener("online", flush);
  flush();

  var worker = body.getAttribute("data-sw");
  if (worker && "serviceWorker" in navigator && window.isSecureContext !== false) {
    navigator.serviceWorker.register(worker, {scope: "/"}).catch(function () {});
  }
})();
