// Quire page list: collapse and expand sections of the page tree (remembered in this browser), and drag a
// page by its handle among its siblings (saved through the reorder screen's form; keyboard users use that
// screen).
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
    var form = document.getElementById("quire-tree-reorder");
    if (form) { enableDragging(table, form, rows, childrenOf); }
  });

  // ---- Drag a page among its siblings ------------------------------------------------------------

  function enableDragging(table, form, rows, childrenOf) {
    var dragged = null;
    table.classList.add("quire-draggable");

    function block(id) {
      // The row and every row below it in the tree, in page order.
      var ids = [id];
      (childrenOf[id] || []).forEach(function (kid) { ids = ids.concat(block(kid)); });
      return ids.filter(function (x) { return rows[x]; }).map(function (x) { return rows[x].row; });
    }

    Object.keys(rows).forEach(function (id) {
      var entry = rows[id];
      var handle = document.createElement("span");
      handle.className = "quire-drag-handle";
      handle.textContent = "⠿";
      handle.title = "Drag to move among its siblings";
      handle.setAttribute("aria-hidden", "true");
      var cell = entry.marker.closest("td, th");
      cell.insertBefore(handle, cell.firstChild);
      entry.row.setAttribute("data-tree-id", id);
      handle.addEventListener("mousedown", function () { entry.row.draggable = true; });
      handle.addEventListener("mouseup", function () { entry.row.draggable = false; });
    });

    table.addEventListener("dragstart", function (event) {
      var row = event.target.closest && event.target.closest("tr[data-tree-id]");
      if (!row || !row.draggable) { return; }
      dragged = row.getAttribute("data-tree-id");
      row.classList.add("quire-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged);
    });

    table.addEventListener("dragover", function (event) {
      var row = event.target.closest("tr[data-tree-id]");
      if (!dragged || !row) { return; }
      var id = row.getAttribute("data-tree-id");
      if (id === dragged || rows[id].parent !== rows[dragged].parent) { return; }
      event.preventDefault();
      var moving = block(dragged);
      var box = row.getBoundingClientRect();
      var anchor = event.clientY < box.top + box.height / 2 ? row : block(id).slice(-1)[0].nextElementSibling;
      if (moving.indexOf(anchor) >= 0) { return; }
      moving.forEach(function (r) { row.parentNode.insertBefore(r, anchor); });
    });

    table.addEventListener("drop", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      var parent = rows[dragged].parent;
      var order = Array.prototype.map.call(table.querySelectorAll("tr[data-tree-id]"), function (r) {
        return r.getAttribute("data-tree-id");
      }).filter(function (x) { return rows[x].parent === parent; });
      form.querySelector("input[name=parent]").value = parent || "";
      order.forEach(function (x) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "order";
        input.value = x;
        form.appendChild(input);
      });
      form.submit();
    });

    table.addEventListener("dragend", function () {
      if (!dragged) { return; }
      rows[dragged].row.classList.remove("quire-dragging");
      rows[dragged].row.draggable = false;
      dragged = null;
    });
  }
})();
