// The dashboard stays live: /dashboard/stream sends the panel (rendered and escaped by
// the server) whenever its figures change; the charts are drawn again with it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("dashboard-panel");
    if (!panel || !window.EventSource) { return; }
    var source = new EventSource(panel.dataset.stream);
    source.addEventListener("panel", function (message) {
      panel.innerHTML = message.data;
      panel.dataset.updated = String(Date.now());
      if (window.yuqingCharts) {
        document.querySelectorAll("[data-series]").forEach(window.yuqingCharts.draw);
      }
    });
  });
})();
