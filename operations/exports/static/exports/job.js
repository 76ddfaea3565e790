// Polls the export's JSON status and updates the progress bar until it is ready or failed.
(function () {
  var root = document.getElementById("export-job");
  if (!root) return;
  var url = root.dataset.statusUrl;
  function update(data) {
    document.getElementById("export-progress").value = data.percent;
    document.getElementById("export-percent").textContent = data.percent + " %";
    document.getElementById("export-label").textContent = data.label;
    if (data.download_url) {
      var link = document.getElementById("export-download");
      link.href = data.download_url;
      link.hidden = false;
    }
    if (data.error) {
      var error = document.getElementById("export-error");
      error.textContent = data.error;
      error.hidden = false;
    }
    return data.status === "done" || data.status === "failed" || data.status === "expired";
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (!update(data)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
