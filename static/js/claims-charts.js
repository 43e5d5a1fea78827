/* Claims statistics charts (Chart.js, vendored in static/vendor/chartjs): amounts by status, the
 * loss ratio of each insurer and claims by incident category. Data comes from the page
 * (json_script #claims-data); the tables on the page hold the same figures. */
(function () {
  "use strict";

  var source = document.getElementById("claims-data");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false; // figures, not a show; and screenshots see the final state

  function money(value) {
    return Number(value).toLocaleString(undefined, { maximumFractionDigits: 0 });
  }

  var statusCanvas = document.getElementById("status-chart");
  if (statusCanvas && data.statuses.length) {
    new Chart(statusCanvas, {
      type: "bar",
      data: {
        labels: data.statuses,
        datasets: [
          { label: data.text.claimed, data: data.claimed, backgroundColor: "#9ec5fe" },
          { label: data.text.approved, data: data.approved, backgroundColor: "#0d6efd" },
          { label: data.text.paid, data: data.paid, backgroundColor: "#198754" },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { callback: money } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money(c.raw) + " " + data.text.yuan; } } },
        },
      },
    });
  }

  var lossCanvas = document.getElementById("loss-chart");
  if (lossCanvas && data.insurers.length) {
    new Chart(lossCanvas, {
      type: "bar",
      data: {
        labels: data.insurers,
        datasets: [{ label: data.text.loss_ratio, data: data.loss_ratio, backgroundColor: "#fd7e14" }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: "y",
        scales: {
          x: { beginAtZero: true, ticks: { callback: function (v) { return v + "%"; } } },
          // Insurers' names are long: the axis shows their start, the tooltip the whole name.
          y: { ticks: { callback: function (v) { var s = this.getLabelForValue(v); return s.length > 8 ? s.slice(0, 8) + "…" : s; } } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + "%"; } } },
        },
      },
    });
  }

  var categoryCanvas = document.getElementById("category-chart");
  if (categoryCanvas && data.categories.length) {
    new Chart(categoryCanvas, {
      type: "doughnut",
      data: {
        labels: data.categories,
        datasets: [{
          label: data.text.claims,
          data: data.category_counts,
          backgroundColor: ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997", "#fd7e14", "#0dcaf0",
                            "#adb5bd", "#d63384", "#6610f2", "#6c757d", "#212529", "#ffda6a", "#a3cfbb"],
        }],
      },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } },
    });
  }
})();
