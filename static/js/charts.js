// KPI trend charts: each <figure data-kpi-chart> holds its data as a JSON island (Django's json_script),
// a hidden canvas and its table. Without JavaScript the table is what shows. Here the vendored Chart.js
// (loaded only on pages with a chart) draws the canvas, the table stays in the page for screen readers
// (visually hidden) and a "Show as table" button switches between the two. No inline script, no data
// in attributes of scripts: CSP-friendly. The loader and the table toggle are shared with the dashboards
// (static/js/dashboards.js, loaded after this file) as window.VGCharts.
(function () {
  "use strict";
  var script = document.currentScript;
  var chartLibrary = script && script.getAttribute("data-chartjs-src");
  var loading = null;

  function loadChartJs() {
    if (window.Chart) return Promise.resolve(window.Chart);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = chartLibrary;
        tag.onload = function () { resolve(window.Chart); };
        tag.onerror = function () { loading = null; reject(new Error("Chart.js could not be loaded")); };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function formatNumber(value, unit) {
    if (value === null || value === undefined) return "no data";
    var text = (Math.round(value * 100) / 100).toLocaleString("en-GB");
    return unit === "%" ? text + " %" : text + " " + unit;
  }

  function showTable(figure, asTable) {
    var canvasBox = figure.querySelector("[data-chart-canvas]");
    var table = figure.querySelector("[data-chart-table]");
    var toggle = figure.querySelector("[data-chart-toggle]");
    canvasBox.hidden = asTable;
    // Kept in the page either way: a screen reader can always read the numbers.
    table.classList.toggle("sr-only", !asTable);
    toggle.setAttribute("aria-pressed", asTable ? "true" : "false");
    toggle.textContent = asTable ? "Show as chart" : "Show as table";
  }

  window.VGCharts = { load: loadChartJs, cssVar: cssVar, showTable: showTable };

  function draw(Chart, figure) {
    var canvas = figure.querySelector("canvas[data-chart-data]");
    var island = document.getElementById(canvas.getAttribute("data-chart-data"));
    if (!island) return;
    var data = JSON.parse(island.textContent);
    var accent = cssVar("--accent", "#2d5bd7");
    var bad = cssVar("--bad", "#b42318");
    var muted = cssVar("--muted", "#5d6778");
    var hasTarget = data.targets.some(function (t) { return t !== null; });
    var datasets = [
      {
        label: data.kpi,
        data: data.values,
        borderColor: accent,
        backgroundColor: accent,
        pointBackgroundColor: data.breached.map(function (b) { return b ? bad : accent; }),
        pointBorderColor: data.breached.map(function (b) { return b ? bad : accent; }),
        pointRadius: data.breached.map(function (b) { return b ? 5 : 3; }),
        borderWidth: 2,
        spanGaps: true,
        cubicInterpolationMode: "monotone",  // a curve that never overshoots the values
      },
    ];
    if (hasTarget) {
      datasets.push({
        label: "Target",
        data: data.targets,
        borderColor: muted,
        backgroundColor: muted,
        pointStyle: "line",
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        stepped: "middle",
        spanGaps: true,
        fill: false,
      });
    }
    if (data.breached.some(Boolean)) {
      // A breached month without a value (the SLA engine's evaluation) is marked on the target line.
      datasets.push({
        label: "Breached",
        data: data.breached.map(function (b, i) { return b ? (data.values[i] !== null ? data.values[i] : data.targets[i]) : null; }),
        showLine: false,
        pointStyle: "crossRot",
        pointRadius: 7,
        pointBorderWidth: 2,
        borderColor: bad,
        backgroundColor: bad,
      });
    }
    var existing = Chart.getChart(canvas);
    if (existing) existing.destroy();
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 10, boxHeight: 10, font: { size: 11 } } },
          tooltip: {
            callbacks: {
              label: function (context) {
                if (context.dataset.label === "Breached") return context.raw === null ? null : "Breached";
                return context.dataset.label + ": " + formatNumber(context.raw, data.unit);
              },
            },
          },
        },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 8, font: { size: 11 } }, grid: { display: false } },
          // A line needs no zero baseline: the axis fits the values and the target, so a change shows.
          y: { grace: "10%", ticks: { font: { size: 11 } }, title: { display: true, text: data.unit, font: { size: 11 } } },
        },
      },
    });
  }

  function init(root) {
    var figures = (root || document).querySelectorAll("figure[data-kpi-chart]:not([data-chart-ready])");
    if (!figures.length || !chartLibrary) return;
    loadChartJs().then(function (Chart) {
      figures.forEach(function (figure) {
        if (!figure.isConnected || figure.hasAttribute("data-chart-ready")) return;
        figure.setAttribute("data-chart-ready", "");
        var toggle = figure.querySelector("[data-chart-toggle]");
        toggle.hidden = false;
        toggle.addEventListener("click", function () {
          showTable(figure, toggle.getAttribute("aria-pressed") !== "true");
        });
        showTable(figure, false);
        draw(Chart, figure);
      });
    }).catch(function () {
      // Without the library the tables stay: nothing is lost but the picture.
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
  // Back and forward: htmx puts back a copy of the page's HTML, whose canvases are blank. Draw them again.
  document.addEventListener("htmx:historyRestore", function () {
    document.querySelectorAll("figure[data-kpi-chart][data-chart-ready]").forEach(function (figure) {
      figure.removeAttribute("data-chart-ready");
    });
    init(document);
  });
  // Charts about to be swapped out release their canvas and resize observers.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!window.Chart || !event.detail.target) return;
    event.detail.target.querySelectorAll("figure[data-kpi-chart] canvas").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  });
})();
