// The portfolio overview (templates/dashboards/). Each <figure data-dash-chart="kind"> holds its data as a
// JSON island (Django's json_script), a hidden canvas and its table. Without JavaScript the table is what
// shows; here the vendored Chart.js (loaded by static/js/charts.js) draws the canvas, the table stays in
// the page for screen readers (visually hidden) and "Show as table" switches between the two. A click on a
// point or a bar opens the list of the rows it counts (the table's links lead to the same lists).
// The filter bar is sent by htmx on every change; this file drops its empty fields from the URL, redraws
// the charts of the new body and says what changed to screen readers. No inline script: CSP-friendly.
(function () {
  "use strict";
  // Chart.js's loader, the colours and the table toggle: static/js/charts.js (base.html loads it first).
  var shared = window.VGCharts;
  var loadChartJs = shared.load;
  var cssVar = shared.cssVar;
  var showTable = shared.showTable;

  function number(value) {
    return (Math.round(value * 10) / 10).toLocaleString("en-GB");
  }

  function datasets(kind, data) {
    return data.series.map(function (series) {
      var set = {
        label: series.label,
        data: series.values,
        links: series.links,
        tooltips: series.tooltips || null,
        borderColor: series.colour,
        backgroundColor: series.colour,
        borderWidth: kind === "line" ? 2 : 1,
      };
      if (kind === "line") {
        set.pointRadius = 4;
        set.pointHoverRadius = 6;
        set.spanGaps = true;
        set.tension = 0.25;
      } else {
        set.borderColor = "#ffffff";
        set.maxBarThickness = kind === "percent-bar" ? 34 : 46;
      }
      return set;
    });
  }

  function options(kind, data) {
    var muted = cssVar("--muted", "#5d6778");
    var ticks = { font: { size: 11 }, color: muted };
    var common = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      onClick: function (event, elements, chart) {
        if (!elements.length) return;
        var element = elements[0];
        var links = chart.data.datasets[element.datasetIndex].links;
        var url = links && links[element.index];
        if (url) window.location.assign(url);
      },
      onHover: function (event, elements) {
        if (event.native && event.native.target) event.native.target.style.cursor = elements.length ? "pointer" : "default";
      },
      plugins: {
        legend: {
          display: data.series.length > 1,
          position: "bottom",
          labels: { usePointStyle: true, boxWidth: 10, boxHeight: 10, font: { size: 11 }, color: muted },
        },
        tooltip: {
          callbacks: {
            label: function (context) {
              var set = context.dataset;
              if (set.tooltips) return set.tooltips[context.dataIndex];
              if (context.raw === null || context.raw === undefined) return set.label + ": no data";
              return set.label + ": " + number(context.raw) + (data.unit === "%" ? " %" : " " + data.unit);
            },
          },
        },
      },
    };
    if (kind === "line") {
      common.interaction = { mode: "nearest", intersect: false, axis: "x" };
      common.scales = {
        x: { ticks: Object.assign({ maxRotation: 0, autoSkip: true, autoSkipPadding: 8 }, ticks), grid: { display: false } },
        y: { min: data.min, max: data.max, ticks: Object.assign({ callback: function (v) { return v + " %"; } }, ticks) },
      };
    } else if (kind === "percent-bar") {
      common.indexAxis = "y";
      common.interaction = { mode: "nearest", intersect: true };
      common.scales = {
        x: { stacked: true, min: 0, max: 100, ticks: Object.assign({ callback: function (v) { return v + " %"; } }, ticks) },
        y: { stacked: true, ticks: ticks, grid: { display: false } },
      };
    } else {
      common.interaction = { mode: "nearest", intersect: true };
      common.scales = {
        x: { stacked: true, ticks: ticks, grid: { display: false } },
        y: { stacked: true, beginAtZero: true, ticks: Object.assign({ precision: 0 }, ticks) },
      };
    }
    return common;
  }

  function draw(Chart, figure) {
    var canvas = figure.querySelector("canvas[data-chart-data]");
    var island = canvas && document.getElementById(canvas.getAttribute("data-chart-data"));
    if (!island) return;
    var data = JSON.parse(island.textContent);
    var kind = figure.getAttribute("data-dash-chart");
    var existing = Chart.getChart(canvas);
    if (existing) existing.destroy();
    new Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets(kind, data) },
      options: options(kind, data),
    });
  }

  function init(root) {
    var figures = (root || document).querySelectorAll("figure[data-dash-chart]:not([data-chart-ready])");
    if (!figures.length) return;
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

  function destroyCharts(root) {
    if (!window.Chart || !root) return;
    root.querySelectorAll("figure[data-dash-chart] canvas").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  }

  function isFilterForm(element) {
    return element && element.id === "dashboard-filters";
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
  // A shareable URL names only the filters that are set ("All …" and the default month are left out:
  // the default, the last closed month, is the month picker's first choice, so a link stays current).
  document.addEventListener("htmx:configRequest", function (event) {
    if (!isFilterForm(event.detail.elt)) return;
    var parameters = event.detail.parameters;
    var month = event.detail.elt.querySelector("select[name=period] option");
    var defaultMonth = month ? month.value : null;
    var names = [];
    if (typeof parameters.keys === "function") {
      for (var key of parameters.keys()) names.push(key);
    } else {
      names = Object.keys(parameters);
    }
    names.forEach(function (name) {
      var value = parameters.get ? parameters.get(name) : parameters[name];
      if (value === "" || value === null || (name === "period" && value === defaultMonth)) {
        if (parameters.delete) parameters.delete(name); else delete parameters[name];
      }
    });
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "dashboard-body") destroyCharts(event.detail.target);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    init(document);
    var body = document.getElementById("dashboard-body");
    if (!body || event.detail.target !== body) return;
    var status = document.getElementById("dashboard-status");
    var context = body.querySelector("[data-dashboard-summary]");
    if (status && context) status.textContent = "Dashboard updated: " + context.getAttribute("data-dashboard-summary");
  });
  // Back and forward: htmx puts back a snapshot of the page, whose canvases are blank and whose figures
  // still say they are drawn. Draw them again.
  // The snapshot keeps the filter bar as it was first rendered: set it from the URL restored.
  document.addEventListener("htmx:historyRestore", function () {
    document.querySelectorAll("figure[data-dash-chart][data-chart-ready]").forEach(function (figure) {
      figure.removeAttribute("data-chart-ready");
    });
    init(document);
    var form = document.getElementById("dashboard-filters");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    form.querySelectorAll("select").forEach(function (select) {
      var value = params.get(select.name);
      if (value !== null) select.value = value; else select.selectedIndex = 0;
    });
  });
  // Printed charts take the width of the printed page, then the screen's again.
  function resizeAll() {
    if (!window.Chart) return;
    document.querySelectorAll("figure[data-dash-chart] canvas, figure[data-kpi-chart] canvas").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.resize();
    });
  }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
})();
