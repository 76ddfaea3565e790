/* Live check-in dashboard: renders the JSON the server sends over server-sent events. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) return;
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function time(iso) { return iso ? new Date(iso).toLocaleTimeString() : ""; }
  function row(cells) { var tr = el("tr"); cells.forEach(function (c) { var td = el("td"); if (c instanceof Node) td.appendChild(c); else td.textContent = c; tr.appendChild(td); }); return tr; }
  function undoForm(scan) {
    var form = el("form"); form.method = "post"; form.action = root.dataset.undoUrl.replace("/0/", "/" + scan.id + "/");
    var csrf = el("input"); csrf.type = "hidden"; csrf.name = "csrfmiddlewaretoken"; csrf.value = root.dataset.csrf;
    var ev = el("input"); ev.type = "hidden"; ev.name = "event"; ev.value = root.dataset.event;
    var reason = el("input"); reason.name = "reason"; reason.required = true; reason.placeholder = "Reason";
    reason.setAttribute("aria-label", "Reason for undoing the check-in of " + (scan.name || "this ticket"));
    var button = el("button", "Undo", "button button-small button-secondary"); button.type = "submit";
    [csrf, ev, reason, button].forEach(function (x) { form.appendChild(x); });
    return form;
  }
  function render(data) {
    var lists = document.getElementById("lists"); lists.innerHTML = "";
    data.lists.forEach(function (l) {
      var box = el("div", undefined, "checkin-list"); box.dataset.list = l.id;
      box.appendChild(el("h3", l.name));
      var big = el("p", undefined, "big"); big.innerHTML = "";
      big.appendChild(el("span", String(l.admitted), "admitted")); big.appendChild(document.createTextNode(" / " + l.expected));
      box.appendChild(big);
      var bar = el("progress"); bar.max = Math.max(l.expected, 1); bar.value = l.admitted; bar.setAttribute("aria-label", l.name + " admitted");
      box.appendChild(bar);
      if (l.inside !== undefined) box.appendChild(el("p", "Inside now: " + l.inside));
      var table = el("table", undefined, "listing"), body = el("tbody");
      l.types.forEach(function (t) { body.appendChild(row([t.name, t.admitted + " / " + t.expected])); });
      table.appendChild(body); box.appendChild(table); lists.appendChild(box);
    });
    var arrivals = document.getElementById("arrivals"); arrivals.innerHTML = "";
    var max = Math.max.apply(null, data.arrivals.map(function (a) { return a.n; }).concat([1]));
    data.arrivals.forEach(function (a) {
      var li = el("li"); li.appendChild(el("span", new Date(a.at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
      var bar = el("span", undefined, "bar"); bar.style.width = (100 * a.n / max) + "%"; li.appendChild(bar); li.appendChild(el("span", String(a.n)));
      arrivals.appendChild(li);
    });
    if (!data.arrivals.length) arrivals.appendChild(el("li", "No arrivals in the last two hours."));
    var refusals = document.getElementById("refusals"); refusals.innerHTML = "";
    Object.keys(data.refusals).sort().forEach(function (k) { refusals.appendChild(row([k.replace(/_/g, " "), String(data.refusals[k])])); });
    if (!Object.keys(data.refusals).length) refusals.appendChild(row(["No refusals."]));
    document.getElementById("conflict-count").textContent = data.conflict_count;
    var conflicts = document.getElementById("conflicts"); conflicts.innerHTML = "";
    data.conflicts.forEach(function (s) { conflicts.appendChild(row([time(s.at), s.name, s.list, s.by, "not counted"])); });
    var last = document.getElementById("last"); last.innerHTML = "";
    data.last.forEach(function (s) {
      var result = el("span", s.result.replace(/_/g, " ") + (s.undone ? " (undone)" : "") + (s.conflict ? " (conflict)" : ""),
        s.result === "ok" ? "result-ok" : "result-refused");
      var action = (root.dataset.canUndo && s.result === "ok" && !s.undone && !s.conflict) ? undoForm(s) : "";
      var tr = row([time(s.at), result, [s.name, s.ticket_type].filter(Boolean).join(" · "), s.list, s.by, action]);
      tr.dataset.scan = s.id; last.appendChild(tr);
    });
    document.getElementById("generated-at").textContent = (data.generated_at || "").slice(11, 19);
  }
  var initial = JSON.parse(document.getElementById("dashboard-data").textContent || "null");
  if (initial) render(initial);
  if (!window.EventSource) { document.getElementById("live-status").textContent = "Live updates not supported: reload"; return; }
  var source = new EventSource(root.dataset.streamUrl);
  source.addEventListener("update", function (e) {
    // Do not wipe a reason someone is typing.
    if (document.activeElement && document.activeElement.name === "reason") return;
    render(JSON.parse(e.data));
  });
  source.onopen = function () { document.getElementById("live-status").textContent = "Live"; };
  source.onerror = function () { document.getElementById("live-status").textContent = "Reconnecting…"; };
})();
