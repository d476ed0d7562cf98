// Charts of the pages: every element with data-series gets a line chart of the JSON its
// URL answers ({hours|labels: [...], posts: [...], negative_share: [...]}). A file of its
// own, not inline: the Content-Security-Policy allows scripts from our origin only.
(function () {
  "use strict";
  function draw(element) {
    fetch(element.dataset.series, { credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (data) {
        if (element.dataset.part) { data = data[element.dataset.part]; }
        var labels = (data.hours || data.labels || []).map(function (h) {
          return h.length > 16 ? h.replace("T", " ").slice(5, 16) : h;
        });
        var series = [{ name: element.dataset.postsLabel, type: "bar", data: data.posts || [] }];
        var axes = [{ type: "value", name: element.dataset.postsLabel }];
        if (data.negative_share) {
          axes.push({ type: "value", name: element.dataset.negativeLabel, min: 0, max: 1 });
          series.push({ name: element.dataset.negativeLabel, type: "line", yAxisIndex: 1,
                        data: data.negative_share });
        }
        var chart = element.chart || window.echarts.init(element);
        chart.setOption({
          tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 48, right: 48, top: 40, bottom: 32 },
          xAxis: { type: "category", data: labels }, yAxis: axes, series: series
        });
        if (!element.chart) {
          window.addEventListener("resize", function () { chart.resize(); });
          element.chart = chart;
        }
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-series]").forEach(draw);
  });
  window.yuqingCharts = { draw: draw };
})();
