// The deadlines of the incident page and the dashboard count down without a reload: each
// running clock's <span class="countdown" data-due="…Z"> is recounted every few seconds (its text changes
// once a minute) from the server's time at rendering (data-now on the list), so a phone
// whose clock is wrong still shows the server's minutes. The texts come translated in
// data-left / data-overdue with {n} for the minutes. Without script the server's text
// stays. A file of its own: the CSP allows scripts from our origin only.
(function () {
  "use strict";
  var TICK_MS = 5000;

  function minutesLeft(dueMs, nowMs) {
    // The server counts the same way (wording.minutes_left): whole minutes rounded away
    // from zero, so 59.5 min to go is 60 left and 0.5 min past is 1 over.
    var ms = dueMs - nowMs;
    return ms >= 0 ? Math.ceil(ms / 60000) : -Math.ceil(-ms / 60000);
  }

  function show(span, left, texts) {
    var overdue = left < 0;
    var text = (overdue ? texts.overdue : texts.left).replace("{n}", String(Math.abs(left)));
    if (span.dataset.shown === text) { return; }
    span.dataset.shown = text;
    span.textContent = "";
    if (overdue) {
      var strong = document.createElement("strong");
      strong.textContent = text;
      span.appendChild(strong);
    } else {
      span.textContent = text;
    }
  }

  // The lists are looked up on every tick, not once: the dashboard's panel (with its
  // deadlines) is replaced whenever /dashboard/stream sends it again. A list's skew is
  // taken when it is first seen, from the server's now it was rendered with.
  function tick() {
    var lists = document.querySelectorAll("ul.deadlines[data-now]");
    Array.prototype.forEach.call(lists, function (list) {
      if (!list.dataset.left || !list.dataset.overdue) { return; }
      if (list.dataset.skew === undefined) {
        var serverNow = Date.parse(list.dataset.now);
        if (isNaN(serverNow)) { return; }
        list.dataset.skew = String(serverNow - Date.now());
      }
      var now = Date.now() + Number(list.dataset.skew);
      var texts = { left: list.dataset.left, overdue: list.dataset.overdue };
      var spans = list.querySelectorAll(".countdown[data-due]");
      Array.prototype.forEach.call(spans, function (span) {
        var due = Date.parse(span.dataset.due);
        if (!isNaN(due)) { show(span, minutesLeft(due, now), texts); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, TICK_MS);
  });
})();
