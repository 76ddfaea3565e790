/* Tessera door scanner: camera (jsQR), typed codes, search, offline copy of the list with signature
   checks (tweetnacl), a queue of offline scans synced when the network is back. No framework. */
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var LISTS = JSON.parse(document.getElementById("checkin-lists").textContent || "[]");
  var token = root.dataset.token;
  var device = localStorage.getItem("tessera.checkin.device") || uuid();
  localStorage.setItem("tessera.checkin.device", device);
  var QUEUE_KEY = "tessera.checkin.queue";
  var $ = function (id) { return document.getElementById(id); };
  var select = $("list-select");
  var snapshot = null;        // the offline copy of the selected list
  var lastCode = "", lastAt = 0, busy = false, stream = null, audio = null;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  function listId() { return parseInt(select.value, 10) || null; }
  function currentList() { return LISTS.filter(function (l) { return l.id === listId(); })[0]; }
  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; } }
  function saveQueue(q) { localStorage.setItem(QUEUE_KEY, JSON.stringify(q)); }
  function snapKey(id) { return "tessera.checkin.list." + id; }

  function api(url, body) {
    var options = { headers: { "Authorization": "Token " + token, "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.method = "POST"; options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (r) {
      /* Signed out, or no longer allowed here: the copy holds attendees' names, so it goes. */
      if (r.status === 401 || r.status === 403) forgetCopies();
      return r.json().then(function (data) { if (!r.ok) { var e = new Error("refused"); e.data = data; e.status = r.status; throw e; } return data; });
    });
  }
  function forgetCopies() {
    Object.keys(localStorage).forEach(function (key) {
      if (key.indexOf("tessera.checkin.list.") === 0) localStorage.removeItem(key);
    });
    snapshot = null;
    root.dataset.ready = "false";
  }

  /* ---------- feedback ---------- */
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = ok ? [[880, 0, .12]] : [[220, 0, .18], [220, .25, .18]];
      tones.forEach(function (t) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = t[0]; osc.type = ok ? "sine" : "square"; gain.gain.value = .2;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + t[1]); osc.stop(audio.currentTime + t[1] + t[2]);
      });
    } catch (e) { /* no audio: the colour and text still say it */ }
    if (navigator.vibrate) navigator.vibrate(ok ? 120 : [200, 80, 200]);
  }
  var TITLES = { ok: "Admitted", already_checked_in: "Already checked in", unknown: "Unknown ticket",
    invalid_signature: "Forged or damaged code", unpaid: "Not paid", cancelled: "Cancelled ticket",
    wrong_list: "Wrong entrance", not_yet_valid: "Not open yet", expired: "Entrance closed" };
  function show(answer, offline) {
    var box = $("result");
    box.className = "door-result " + (answer.ok ? "ok" : "refused");
    box.dataset.reason = answer.reason;
    $("result-title").textContent = TITLES[answer.reason] || answer.reason;
    $("result-name").textContent = answer.name || "";
    var detail = [answer.ticket_type, answer.message].filter(Boolean).join(" · ");
    if (offline) detail += " (offline: will sync)";
    $("result-detail").textContent = detail;
    var notes = $("result-notes"); notes.innerHTML = "";
    (answer.notes || []).forEach(function (n) { var li = document.createElement("li"); li.textContent = n; notes.appendChild(li); });
    beep(answer.ok);
  }

  /* ---------- offline copy ---------- */
  function b64(text) {
    text = text.replace(/-/g, "+").replace(/_/g, "/"); while (text.length % 4) text += "=";
    var bin = atob(text), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function loadSnapshot(id) {
    try { snapshot = JSON.parse(localStorage.getItem(snapKey(id)) || "null"); } catch (e) { snapshot = null; }
    renderCounts();
    if (!navigator.onLine) return Promise.resolve();
    return api(root.dataset.listUrl.replace("/0/", "/" + id + "/")).then(function (data) {
      data.byCode = {};
      snapshot = data;
      try { localStorage.setItem(snapKey(id), JSON.stringify(data)); } catch (e) { /* storage full: keep in memory */ }
      root.dataset.ready = "true";
      renderCounts();
    }).catch(function () { root.dataset.ready = snapshot ? "true" : "false"; });
  }
  function findTicket(code) {
    if (!snapshot) return null;
    for (var i = 0; i < snapshot.tickets.length; i++) if (snapshot.tickets[i].c === code) return snapshot.tickets[i];
    return null;
  }
  function verifyOffline(scanned) {
    /* The same rules as the server, on the copy: signature, list, state, window, once. */
    var code = scanned.trim(), eventId = null;
    if (code.indexOf("T1.") === 0) {
      var parts = code.split(".");
      try {
        var body = b64(parts[1]), sig = b64(parts[2]), key = b64(snapshot.public_key);
        if (parts.length !== 3 || !nacl.sign.detached.verify(body, sig, key)) return { reason: "invalid_signature" };
        var data = JSON.parse(new TextDecoder().decode(body)); code = data.t; eventId = data.e;
      } catch (e) { return { reason: "invalid_signature" }; }
    }
    var t = findTicket(code);
    if (!t) return { reason: "unknown" };
    var base = { name: t.n, ticket_type: t.t, order: t.o, code: t.c };
    if (eventId !== null && eventId !== snapshot.list.event) return Object.assign(base, { reason: "wrong_list" });
    if (t.s !== "valid") return Object.assign(base, { reason: t.s });
    if (!t.l) return Object.assign(base, { reason: "wrong_list" });
    var now = new Date();
    if (snapshot.list.valid_from && now < new Date(snapshot.list.valid_from)) return Object.assign(base, { reason: "not_yet_valid" });
    if (snapshot.list.valid_until && now >= new Date(snapshot.list.valid_until)) return Object.assign(base, { reason: "expired" });
    if (t.a && !snapshot.list.allow_reentry) return Object.assign(base, { reason: "already_checked_in" });
    return Object.assign(base, { reason: "ok" });
  }
  function admitOffline(scanned, kind) {
    var answer = verifyOffline(scanned);
    answer.ok = answer.reason === "ok";
    answer.message = answer.ok ? "Welcome!" : "";
    if (answer.ok) {
      var t = findTicket(answer.code); if (t && kind === "entry") t.a = true;
      if (snapshot.counts && kind === "entry") snapshot.counts.admitted += 1;
      var q = queue();
      q.push({ nonce: uuid(), scanned: scanned, scanned_at: new Date().toISOString(), list: listId(), kind: kind });
      saveQueue(q);
      try { localStorage.setItem(snapKey(listId()), JSON.stringify(snapshot)); } catch (e) { /* memory only */ }
    }
    renderCounts(); renderNet();
    return answer;
  }

  /* ---------- scanning ---------- */
  function kind() { var k = document.querySelector("input[name=kind]:checked"); return k ? k.value : "entry"; }
  function redeem(scanned, source) {
    if (!listId() || busy) return;
    busy = true;
    var offline = function () { show(admitOffline(scanned, kind()), true); };
    if (!navigator.onLine) { if (snapshot) offline(); busy = false; return; }
    api(root.dataset.redeemUrl, { list: listId(), scanned: scanned, nonce: uuid(), kind: kind(), source: source, device: device })
      .then(function (answer) {
        show(answer, false);
        var t = answer.code && findTicket(answer.code);
        if (t && answer.ok && kind() === "entry") t.a = true;
        refreshCounts();
      })
      .catch(function (error) {
        if (error.data && error.data.error) {
          show({ ok: false, reason: error.data.error.code, message: error.data.error.message }, false);
        } else if (snapshot) { offline(); } /* network down: decide on the copy */
      })
      .then(function () { busy = false; });
  }
  function tick() {
    if (!stream) return;
    var video = $("video"), canvas = $("frame");
    if (video.readyState >= 2 && !busy) {
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale); canvas.height = Math.round(video.videoHeight * scale);
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        var now = Date.now();
        if (found.data !== lastCode || now - lastAt > 4000) { lastCode = found.data; lastAt = now; redeem(found.data, "camera"); }
        else { lastAt = now; }
      }
    }
    requestAnimationFrame(tick);
  }
  function camera() {
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); }); stream = null;
      $("camera-toggle").textContent = "Start camera"; root.querySelector(".camera").classList.remove("running");
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      $("camera-help").textContent = "This browser cannot use the camera here: type the code or search instead."; return;
    }
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { /* no sound */ }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s; var video = $("video"); video.srcObject = s; video.setAttribute("playsinline", ""); video.play();
      root.querySelector(".camera").classList.add("running");
      $("camera-toggle").textContent = "Stop camera"; $("camera-help").textContent = "";
      requestAnimationFrame(tick);
    }).catch(function () {
      $("camera-help").textContent = "Camera not available or not allowed: allow it in the browser, or type the code.";
    });
  }

  /* ---------- counts, network, sync ---------- */
  function renderCounts() {
    var c = (snapshot && snapshot.counts) || { admitted: 0, expected: 0 };
    $("count-admitted").textContent = c.admitted; $("count-expected").textContent = c.expected;
  }
  function refreshCounts() {
    if (!listId() || !navigator.onLine) return;
    api(root.dataset.listUrl.replace("/0/", "/" + listId() + "/") + "counts").then(function (c) {
      if (snapshot) snapshot.counts = c; else snapshot = { counts: c, tickets: [] };
      renderCounts();
    }).catch(function () {});
  }
  function renderNet() {
    var pending = queue().length, pill = $("net-status");
    pill.classList.toggle("offline", !navigator.onLine);
    pill.textContent = navigator.onLine ? (pending ? "Online · syncing " + pending : "Online · all synced")
      : "Offline · " + pending + " queued";
    root.dataset.queued = String(pending);
  }
  var syncing = false;
  function sync() {
    var q = queue();
    if (!q.length || !navigator.onLine || syncing) { renderNet(); return; }
    syncing = true;
    api(root.dataset.syncUrl, { device: device, scans: q }).then(function (data) {
      var done = {}; q.forEach(function (s) { done[s.nonce] = true; });
      saveQueue(queue().filter(function (s) { return !done[s.nonce]; }));
      (data.answers || []).forEach(function (a) {
        if (a.conflict) {
          $("conflicts-box").hidden = false;
          var li = document.createElement("li");
          li.textContent = (a.name || a.code || "Ticket") + ": " + (a.ok ? "this device's scan was first" :
            "already admitted at " + (a.checked_in_at || "").slice(11, 19) + " by " + (a.checked_in_by || "another device"));
          $("conflicts").appendChild(li);
        }
      });
      loadSnapshot(listId());
    }).catch(function () {}).then(function () { syncing = false; renderNet(); });
  }

  /* ---------- search and typed codes ---------- */
  var searchTimer = null;
  function search() {
    var q = $("search-input").value.trim(), out = $("search-results");
    if (q.length < 2) { out.innerHTML = ""; return; }
    var render = function (results) {
      out.innerHTML = "";
      if (!results.length) { var li = document.createElement("li"); li.textContent = "Nobody found."; out.appendChild(li); }
      results.forEach(function (r) {
        var li = document.createElement("li"), who = document.createElement("span"), small = document.createElement("small");
        who.className = "who"; who.textContent = r.name; small.textContent = [r.ticket_type, r.order, r.email].filter(Boolean).join(" · ");
        who.appendChild(small); li.appendChild(who);
        var button = document.createElement("button");
        button.type = "button"; button.className = r.admitted ? "button secondary" : "button"; button.textContent = r.admitted ? "Admitted" : "Check in";
        button.setAttribute("aria-label", "Check in " + r.name);
        button.addEventListener("click", function () { redeem(r.code, "search"); window.scrollTo({ top: 0, behavior: "smooth" }); });
        li.appendChild(button); out.appendChild(li);
      });
    };
    if (navigator.onLine) {
      api(root.dataset.listUrl.replace("/0/", "/" + listId() + "/") + "search?q=" + encodeURIComponent(q))
        .then(function (d) { render(d.results); }).catch(function () { render(localSearch(q)); });
    } else { render(localSearch(q)); }
  }
  function localSearch(q) {
    q = q.toLowerCase();
    return ((snapshot && snapshot.tickets) || []).filter(function (t) {
      return (t.n || "").toLowerCase().indexOf(q) >= 0 || (t.o || "").toLowerCase() === q;
    }).slice(0, 20).map(function (t) { return { name: t.n, ticket_type: t.t, order: t.o, code: t.c, admitted: t.a }; });
  }

  /* ---------- wiring ---------- */
  select.value = localStorage.getItem("tessera.checkin.selected") || select.value;
  if (!select.value && select.options.length) select.selectedIndex = 0;
  function onList() {
    localStorage.setItem("tessera.checkin.selected", select.value);
    var l = currentList(); $("kind-field") && ($("kind-field").hidden = !(l && l.allow_exit));
    if (listId()) loadSnapshot(listId());
  }
  select.addEventListener("change", onList);
  $("camera-toggle").addEventListener("click", camera);
  $("code-form").addEventListener("submit", function (e) { e.preventDefault(); var v = $("code-input").value.trim(); if (v) { redeem(v, "code"); $("code-input").value = ""; } });
  $("search-form").addEventListener("submit", function (e) { e.preventDefault(); search(); });
  $("search-input").addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(search, 250); });
  window.addEventListener("online", function () { renderNet(); sync(); });
  window.addEventListener("offline", renderNet);
  setInterval(function () { sync(); refreshCounts(); }, 10000);
  onList(); renderNet(); sync();
})();
