// Reorder the pages under one parent: drag and drop, or Alt+ArrowUp / Alt+ArrowDown and the Up / Down
// buttons. The order is saved by submitting the form once (the hidden "order" inputs follow the list).
(function () {
  "use strict";

  function announce(list, item) {
    var status = document.querySelector(".quire-reorder-status");
    var items = Array.prototype.slice.call(list.children);
    var title = item.querySelector(".quire-reorder-title").textContent;
    if (status) {
      status.textContent = title + " is now at position " + (items.indexOf(item) + 1) + " of " +
        items.length + ". Save to keep this order.";
    }
  }

  function move(list, item, offset) {
    if (offset < 0 && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (offset > 0 && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    } else {
      return;
    }
    item.focus();
    announce(list, item);
  }

  function setUp(list) {
    var dragged = null;
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".quire-reorder-item");
      if (!dragged) { return; }
      dragged.classList.add("quire-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-id"));
    });
    list.addEventListener("dragover", function (event) {
      var target = event.target.closest(".quire-reorder-item");
      if (!dragged || !target || target === dragged) { return; }
      event.preventDefault();
      var box = target.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? target.nextElementSibling : target);
    });
    list.addEventListener("drop", function (event) { event.preventDefault(); });
    list.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("quire-dragging");
      announce(list, dragged);
      dragged = null;
    });
    list.addEventListener("keydown", function (event) {
      var item = event.target.closest(".quire-reorder-item");
      if (!item || !event.altKey) { return; }
      if (event.key === "ArrowUp") { event.preventDefault(); move(list, item, -1); }
      if (event.key === "ArrowDown") { event.preventDefault(); move(list, item, 1); }
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest(".quire-reorder-item");
      if (!item) { return; }
      if (event.target.classList.contains("quire-move-up")) { move(list, item, -1); }
      if (event.target.classList.contains("quire-move-down")) { move(list, item, 1); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.querySelector(".quire-reorder");
    if (list) { setUp(list); }
  });
})();
