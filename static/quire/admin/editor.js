// Quire page editor: ask before leaving with unsaved changes; prefill a new page's URL from its title.
// A static file (no inline script), so it runs under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  "use strict";

  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^\w\s-]/g, "")
      .trim()
      .replace(/[\s_-]+/g, "-")
      .replace(/^-+|-+$/g, "");
  }

  function watchUnsavedChanges(form) {
    var dirty = false;
    function markDirty() { dirty = true; }
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) { return undefined; }
      event.preventDefault();
      event.returnValue = "";
      return "";
    });
  }

  function prefillUrl(form) {
    var url = form.querySelector("#id_url_path[data-prefill-from-title]");
    var title = form.querySelector("#id_title");
    if (!url || !title) { return; }
    var parent = form.querySelector("#id_parent");
    var parentUrls = JSON.parse(url.getAttribute("data-parent-urls") || "{}");
    var edited = url.value !== "";
    url.addEventListener("input", function () { edited = url.value !== ""; });
    function update() {
      if (edited) { return; }
      var slug = slugify(title.value);
      var base = (parent && parentUrls[parent.value]) || "/";
      url.value = slug ? base + slug + "/" : "";
    }
    title.addEventListener("input", update);
    if (parent) { parent.addEventListener("change", update); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("page_form");
    if (!form) { return; }
    watchUnsavedChanges(form);
    prefillUrl(form);
  });
})();
