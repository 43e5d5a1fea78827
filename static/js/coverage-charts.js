/* Coverage page charts (Chart.js, vendored in static/vendor/chartjs): the insured rate of each
 * child region, and premiums by payer. Data comes from the page (json_script #coverage-data); the
 * table on the page holds the same figures, so without JavaScript nothing is lost. */
(function () {
  "use strict";

  var source = document.getElementById("coverage-data");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false; // figures, not a show; and screenshots see the final state

  var rateCanvas = document.getElementById("rate-chart");
  if (rateCanvas && data.labels.length) {
    new Chart(rateCanvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.text.institutions, data: data.institutions, backgroundColor: "#0d6efd" },
          { label: data.text.beds, data: data.beds, backgroundColor: "#9ec5fe" },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + "%"; } } },
        },
      },
    });
  }

  var payerCanvas = document.getElementById("payer-chart");
  if (payerCanvas && data.amounts.length) {
    new Chart(payerCanvas, {
      type: "doughnut",
      data: {
        labels: data.payers,
        datasets: [{ data: data.amounts, backgroundColor: ["#0d6efd", "#198754", "#ffc107", "#6f42c1", "#adb5bd"] }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) { return c.label + ": " + c.formattedValue + " " + data.text.yuan; } } },
        },
      },
    });
  }
})();
