// Draws the report charts from the same numbers as the tables (Chart.js, served from our static files).
(function () {
  var source = document.getElementById("report-chart");
  if (!source || !window.Chart) return;
  var d = JSON.parse(source.textContent);
  var palette = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c"];
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, Object.assign({ options: { maintainAspectRatio: false, animation: false } }, config));
  }
  var revenue = Object.keys(d.revenue).map(function (currency, i) {
    return { type: "line", label: "Revenue " + currency, data: d.revenue[currency], yAxisID: "money",
             borderColor: palette[(i + 1) % palette.length] };
  });
  draw("chart-over_time", { type: "bar", data: { labels: d.days, datasets: [
    { label: "Registrations", data: d.registrations, backgroundColor: palette[0], yAxisID: "count" }].concat(revenue) },
    options: { maintainAspectRatio: false, animation: false,
               scales: { count: { position: "left", beginAtZero: true }, money: { position: "right", beginAtZero: true } } } });
  draw("chart-by_ticket_type", { type: "bar", data: { labels: d.types,
    datasets: [{ label: "Tickets sold", data: d.type_tickets, backgroundColor: palette[2] }] } });
  draw("chart-funnel", { type: "bar", data: { labels: d.funnel_labels,
    datasets: [{ label: "People", data: d.funnel, backgroundColor: palette[3] }] }, options: { indexAxis: "y", maintainAspectRatio: false, animation: false } });
})();
