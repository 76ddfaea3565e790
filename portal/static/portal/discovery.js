/* Discovery search: progressive enhancement of a plain GET form (everything works without it).
   Adds suggestions as you type (ARIA combobox), "use my location", the visitor's time zone for
   "today" and "this weekend", applies a filter as soon as it changes, and keeps shared URLs short. */
(function () {
  "use strict";
  var form = document.querySelector("form.discovery-form");
  if (!form) return;
  var input = form.querySelector("#q");
  var list = form.querySelector("#q-suggestions");
  var suggestUrl = form.getAttribute("data-suggest-url");
  var active = -1, items = [], timer = null, lastAsked = "", controller = null;

  var tz = form.querySelector("[data-timezone]");
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && zone && tz.value === "UTC") tz.value = zone;
  } catch (e) { /* keep UTC */ }

  function submit() {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  // Empty fields and defaults stay out of the address bar: shared URLs hold only what was chosen.
  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      var empty = (el.type === "radio" || el.type === "checkbox") ? false : el.value === "";
      if (empty || (el.name === "km" && el.value === "25" && !hasPlace()) || (el.name === "tz" && el.value === "UTC")) {
        el.disabled = true;
      }
      if (el.type === "radio" && el.checked && el.value === "") el.disabled = true;
    });
  });

  function hasPlace() {
    var near = form.querySelector("#near"), lat = form.querySelector("[data-lat]");
    return (near && near.value) || (lat && !lat.disabled && lat.value);
  }

  // On a phone the open filters would push the results off screen; the chips above the results
  // already say what is active.
  var details = form.querySelector("details.filters");
  if (details && window.matchMedia && window.matchMedia("(max-width: 899px)").matches && document.querySelector(".results")) {
    details.open = false;
  }

  // Filters apply as soon as they change (the "Apply filters" button stays for typed values).
  form.querySelectorAll(".filters input[type=checkbox], .filters input[type=radio], .filters select").forEach(function (el) {
    el.addEventListener("change", submit);
  });

  // --- Suggestions ---------------------------------------------------------------------------
  function close() {
    list.hidden = true;
    list.innerHTML = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", items[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function pick(index) {
    var li = items[index];
    if (!li) return;
    input.value = li.getAttribute("data-value");
    close();
    submit();
  }

  function render(suggestions) {
    list.innerHTML = "";
    items = suggestions.map(function (s, i) {
      var li = document.createElement("li");
      li.id = "q-suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-value", s.title);
      var title = document.createElement("span");
      title.className = "suggestion-title";
      title.textContent = s.title;
      var meta = document.createElement("span");
      meta.className = "suggestion-meta";
      meta.textContent = [s.organization, s.city].filter(Boolean).join(" · ");
      li.appendChild(title);
      li.appendChild(meta);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); pick(i); });
      list.appendChild(li);
      return li;
    });
    var open = items.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    active = -1;
  }

  function ask() {
    var q = input.value.trim();
    if (q === lastAsked) return;
    lastAsked = q;
    if (!q) { close(); return; }
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    fetch(suggestUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, signal: controller && controller.signal })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (data) { if (input.value.trim() === q) render(data.suggestions || []); })
      .catch(function () { /* offline or aborted: the plain search still works */ });
  }

  if (input && list && suggestUrl) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); pick(active); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // --- Use my location ------------------------------------------------------------------------
  var locate = form.querySelector("[data-locate]");
  var status = form.querySelector("[data-locate-status]");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (position) {
        var lat = form.querySelector("[data-lat]"), lon = form.querySelector("[data-lon]");
        lat.disabled = lon.disabled = false;
        lat.value = position.coords.latitude.toFixed(4);
        lon.value = position.coords.longitude.toFixed(4);
        form.querySelector("#near").value = "";
        form.querySelector("#sort").value = "distance";
        submit();
      }, function () {
        status.textContent = "Your location is not available. Type a city instead.";
      }, { timeout: 10000, maximumAge: 600000 });
    });
  }
})();
