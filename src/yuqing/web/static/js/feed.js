// The live feed: new posts arrive over server-sent events as <li> elements the server
// rendered (and escaped); they go on top of the list. A post already on the page that
// changed (higher counts, an edit, a review) comes again as an "update": its row is put
// in place of the one shown, and an update of a post not on the page is ignored (an old
// post never goes on top). A file of its own: the CSP allows scripts from our origin only.
(function () {
  "use strict";

  function itemOf(message) {
    var holder = document.createElement("template");
    holder.innerHTML = message.data.trim();
    var item = holder.content.firstElementChild;
    return item && item.id ? item : null;
  }

  // The row changed: show the new one, but keep what the reader is doing in the old one
  // (a tag being typed, a field in focus: then only the text above its forms changes)
  // and the latest version unfolded if it was.
  function replace(old, item) {
    var opened = old.querySelector("details[open]");
    var details = item.querySelector("details");
    if (opened && details) { details.open = true; }
    var actions = old.querySelector(".post-actions");
    var busy = actions && (actions.contains(document.activeElement) ||
      Array.prototype.some.call(actions.querySelectorAll("input[name=tag]"), function (input) {
        return input.value !== "";
      }));
    if (!busy) {
      if (old.classList.contains("new")) { item.classList.add("new"); }
      item.classList.add("updated");
      old.replaceWith(item);
      return;
    }
    Array.prototype.slice.call(old.children).forEach(function (child) {
      if (child !== actions) { child.remove(); }
    });
    Array.prototype.slice.call(item.children).forEach(function (child) {
      if (!child.classList.contains("post-actions")) { old.insertBefore(child, actions); }
    });
    old.classList.add("updated");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("feed");
    if (!list || !window.EventSource) { return; }
    var source = new EventSource(list.dataset.stream);
    source.addEventListener("post", function (message) {
      var item = itemOf(message);
      if (!item || document.getElementById(item.id)) { return; }
      var empty = list.querySelector(".empty");
      if (empty) { empty.remove(); }
      item.classList.add("new");
      list.insertBefore(item, list.firstElementChild);
    });
    source.addEventListener("update", function (message) {
      var item = itemOf(message);
      var old = item && document.getElementById(item.id);
      if (!old || old.parentNode !== list) { return; }
      replace(old, item);
    });
  });
})();
