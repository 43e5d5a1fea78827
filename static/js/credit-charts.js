/* Credit page chart (Chart.js, vendored): an institution's score over time with the grade
 * cut-offs as dashed lines. Data comes from the page (json_script #credit-history); the history
 * table holds the same figures, so without JavaScript nothing is lost. */
(function () {
  "use strict";

  var source = document.getElementById("credit-history");
  var canvas = document.getElementById("history-chart");
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  if (!data.labels.length) return;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;

  var colours = { A: "#198754", B: "#0dcaf0", C: "#ffc107" };
  var datasets = [{
    label: data.text.score, data: data.scores, borderColor: "#0d6efd", backgroundColor: "#0d6efd",
    stepped: true, pointRadius: 3,
  }];
  Object.keys(data.cutoffs).forEach(function (grade) {
    datasets.push({
      label: data.text.cutoff.replace("%(grade)s", grade),
      data: data.labels.map(function () { return data.cutoffs[grade]; }),
      borderColor: colours[grade] || "#adb5bd", borderDash: [6, 4], pointRadius: 0, borderWidth: 1,
    });
  });
  new Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { min: 0, max: 100 } },
      plugins: { legend: { position: "bottom" } },
    },
  });
})();
