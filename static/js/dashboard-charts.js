/* Supervision dashboard charts (Chart.js, vendored in static/vendor/chartjs): credit grades, the
 * insured rate of each child region, and open major hazards and overdue rectifications by region.
 * Data comes from the page (json_script #dashboard-data); the tables on the page hold the same
 * figures, so without JavaScript nothing is lost. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false; // figures, not a show; and screenshots see the final state

  function bars(canvas, labels, datasets, options) {
    if (!canvas || !labels.length) return;
    new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } }, options || {}),
    });
  }

  bars(document.getElementById("grade-chart"), data.grade_labels, [
    { label: data.text.institutions, data: data.grades, backgroundColor: ["#198754", "#0d6efd", "#ffc107", "#dc3545", "#adb5bd"] },
  ], { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });

  bars(document.getElementById("coverage-chart"), data.labels, [
    { label: data.text.insured_rate, data: data.insured_rate, backgroundColor: "#0d6efd" },
  ], {
    scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
    plugins: {
      legend: { position: "bottom" },
      tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + "%"; } } },
    },
  });

  bars(document.getElementById("hazard-chart"), data.labels, [
    { label: data.text.major_open, data: data.major_open, backgroundColor: "#dc3545" },
    { label: data.text.overdue, data: data.overdue, backgroundColor: "#fd7e14" },
  ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
})();
