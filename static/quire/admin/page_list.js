// Quire page list: collapse and expand sections of the page tree (remembered in this browser).
// A static file (no inline script), so it runs under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  "use strict";

  var STORE = "quire-admin-collapsed";

  function loadCollapsed() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "[]"); } catch (error) { return []; }
  }

  function saveCollapsed(ids) {
    try { window.localStorage.setItem(STORE, JSON.stringify(ids)); } catch (error) { /* storage off */ }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("result_list");
    if (!table) { return; }
    var rows = {};
    var childrenOf = {};
    Array.prototype.forEach.call(table.querySelectorAll("[data-page]"), function (marker) {
      var row = marker.closest("tr");
      var cell = marker.closest("td, th");
      var depth = /quire-depth-(\d)/.exec(marker.className);
      cell.classList.add("quire-tree-cell", "quire-cell-depth-" + (depth ? depth[1] : "0"));
      var id = marker.getAttribute("data-page");
      var parent = marker.getAttribute("data-parent");
      rows[id] = { row: row, marker: marker, parent: parent };
      if (parent) { (childrenOf[parent] = childrenOf[parent] || []).push(id); }
    });
    var collapsed = loadCollapsed().filter(function (id) { return childrenOf[id]; });

    function hidden(id) {
      var parent = rows[id] && rows[id].parent;
      while (parent && rows[parent]) {
        if (collapsed.indexOf(parent) >= 0) { return true; }
        parent = rows[parent].parent;
      }
      return false;
    }

    function apply() {
      Object.keys(rows).forEach(function (id) {
        rows[id].row.hidden = hidden(id);
        var button = rows[id].toggle;
        if (button) { button.setAttribute("aria-expanded", String(collapsed.indexOf(id) < 0)); }
      });
    }

    Object.keys(childrenOf).forEach(function (id) {
      if (!rows[id]) { return; }
      var title = rows[id].marker.querySelector(".quire-title");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "quire-tree-toggle";
      button.setAttribute("aria-label", "Show the pages under " + (title ? title.textContent : "this page"));
      button.addEventListener("click", function () {
        var at = collapsed.indexOf(id);
        if (at >= 0) { collapsed.splice(at, 1); } else { collapsed.push(id); }
        saveCollapsed(collapsed);
        apply();
      });
      // Beside the title's link, not inside it: a button within a link is neither reachable nor safe.
      var link = rows[id].marker.closest("a") || rows[id].marker;
      link.parentNode.insertBefore(button, link);
      rows[id].toggle = button;
      rows[id].marker.closest("td, th").classList.add("has-toggle");
    });
    apply();
  });
})();
