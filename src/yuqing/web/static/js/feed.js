// The live feed: new posts arrive over server-sent events as <li> elements the server
// rendered (and escaped); they go on top of the list. A file of its own: the CSP allows
// scripts from our origin only.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("feed");
    if (!list || !window.EventSource) { return; }
    var source = new EventSource(list.dataset.stream);
    source.addEventListener("post", function (message) {
      var holder = document.createElement("template");
      holder.innerHTML = message.data.trim();
      var item = holder.content.firstElementChild;
      if (!item || document.getElementById(item.id)) { return; }
      var empty = list.querySelector(".empty");
      if (empty) { empty.remove(); }
      item.classList.add("new");
      list.insertBefore(item, list.firstElementChild);
    });
  });
})();
