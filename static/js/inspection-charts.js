/* Inspection overview charts (Chart.js, vendored in static/vendor/chartjs): open findings, major
 * hazards and overdue rectifications by child region, open findings by grade, and the share of active
 * homes inspected this year. Data comes from the page (json_script #overview-data); the tables on
 * the page hold the same figures, so without JavaScript nothing is lost. */
(function () {
  "use strict";

  var source = document.getElementById("overview-data");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false; // figures, not a show; and screenshots see the final state
  var legend = { position: "bottom" };
  var whole = { beginAtZero: true, ticks: { precision: 0 } };

  var findings = document.getElementById("findings-chart");
  if (findings && data.labels.length) {
    new Chart(findings, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.text.open, data: data.open, backgroundColor: "#ffc107" },
          { label: data.text.major, data: data.major, backgroundColor: "#dc3545" },
          { label: data.text.overdue, data: data.overdue, backgroundColor: "#6f42c1" },
        ],
      },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: whole }, plugins: { legend: legend } },
    });
  }

  var grades = document.getElementById("grade-chart");
  if (grades) {
    // Coloured by severity, as the grade badges: A–C, D–F, G–I, J–L.
    var colours = ["#9ec5fe", "#ffda6a", "#fd7e14", "#b02a37"];
    new Chart(grades, {
      type: "bar",
      data: {
        labels: data.grades,
        datasets: [{
          label: data.text.findings,
          data: data.grade_counts,
          backgroundColor: data.grades.map(function (_g, i) { return colours[Math.floor(i / 3)]; }),
        }],
      },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: whole }, plugins: { legend: { display: false } } },
    });
  }

  var inspected = document.getElementById("inspected-chart");
  if (inspected && data.labels.length) {
    new Chart(inspected, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: data.text.inspected, data: data.inspected, backgroundColor: "#198754" }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
        plugins: {
          legend: legend,
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + "%"; } } },
        },
      },
    });
  }
})();
