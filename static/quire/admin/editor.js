// Quire page editor: toolbar, Write / Preview, live preview in the site's styles, word count, images
// with alt text, unsaved-changes prompt, a new page's URL from its title, the URL a move implies.
// A static file (no inline script), so it runs under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  "use strict";

  var PREVIEW_DELAY = 300;

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

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // ---- Unsaved changes -------------------------------------------------------------------------

  var dirty = false;
  function markDirty() { dirty = true; }

  function watchUnsavedChanges(form) {
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

  // ---- URL of a new page, and the URL a move implies ------------------------------------------

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

  function offerUrlOnMove(form) {
    var url = form.querySelector("#id_url_path[data-offer-on-move]");
    var parent = form.querySelector("#id_parent");
    if (!url || !parent) { return; }
    var parentUrls = JSON.parse(url.getAttribute("data-parent-urls") || "{}");
    var original = url.value;
    var box = document.createElement("p");
    box.className = "quire-move-offer";
    box.setAttribute("role", "status");
    box.hidden = true;
    url.parentNode.appendChild(box);
    parent.addEventListener("change", function () {
      var segments = original.split("/").filter(Boolean);
      var slug = segments.length ? segments[segments.length - 1] : slugify(form.querySelector("#id_title").value);
      var base = parentUrls[parent.value] || "/";
      var implied = base + slug + "/";
      box.textContent = "";
      if (implied === url.value) { box.hidden = true; return; }
      box.appendChild(document.createTextNode("Under its new parent this page's URL would be " + implied + ". "));
      var use = document.createElement("button");
      use.type = "button";
      use.className = "button";
      use.textContent = "Use " + implied;
      use.addEventListener("click", function () {
        url.value = implied;
        markDirty();
        box.textContent = "The URL is now " + implied + "; the old URL " + original +
          " will redirect to it (301) after saving.";
      });
      box.appendChild(use);
      box.appendChild(document.createTextNode(" The old URL keeps working: it redirects to the new one."));
      box.hidden = false;
    });
  }

  // ---- The markdown editor ---------------------------------------------------------------------

  function Editor(root, form) {
    this.root = root;
    this.form = form;
    this.text = root.querySelector("textarea");
    this.frame = root.querySelector(".quire-editor-frame");
    this.count = root.querySelector(".quire-word-count");
    this.message = root.querySelector(".quire-editor-message");
    this.dialog = root.querySelector(".quire-image-dialog");
    this.previewUrl = root.getAttribute("data-preview-url");
    this.uploadUrl = root.getAttribute("data-upload-url");
    this.imagesUrl = root.getAttribute("data-images-url");
    this.timer = null;
    this.pending = null;
    this.chosenUrl = "";
    this.uploading = false;
    this.bind();
    this.countWords();
    var self = this;
    if (this.frame.contentDocument && this.frame.contentDocument.readyState === "complete") {
      this.frameReady();
    }
    this.frame.addEventListener("load", function () { self.frameReady(); });
  }

  Editor.prototype.say = function (text) {
    this.message.textContent = text;
  };

  Editor.prototype.bind = function () {
    var self = this;
    this.text.addEventListener("input", function () {
      self.countWords();
      self.schedulePreview();
    });
    this.text.addEventListener("scroll", function () { self.syncScroll(); });
    this.text.addEventListener("keydown", function (event) { self.shortcut(event); });
    this.text.addEventListener("paste", function (event) {
      var file = imageFile(event.clipboardData);
      if (file) { event.preventDefault(); self.openImageDialog(file); }
    });
    this.text.addEventListener("dragover", function (event) {
      if (hasFiles(event.dataTransfer)) { event.preventDefault(); }
    });
    this.text.addEventListener("drop", function (event) {
      var file = imageFile(event.dataTransfer);
      if (file) { event.preventDefault(); self.openImageDialog(file); }
    });
    var toolbar = this.root.querySelector(".quire-editor-tools");
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (button) { self.run(button.getAttribute("data-action")); }
    });
    toolbar.addEventListener("keydown", function (event) { rovingFocus(toolbar, event); });
    Array.prototype.forEach.call(this.root.querySelectorAll(".quire-editor-modes button"), function (button) {
      button.addEventListener("click", function () { self.setMode(button.getAttribute("data-mode")); });
    });
    this.bindDialog();
  };

  Editor.prototype.setMode = function (mode) {
    this.root.setAttribute("data-mode", mode);
    Array.prototype.forEach.call(this.root.querySelectorAll(".quire-editor-modes button"), function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-mode") === mode));
    });
    if (mode === "preview") { this.refreshPreview(); }
  };

  Editor.prototype.countWords = function () {
    var words = this.text.value.trim().split(/\s+/).filter(function (w) { return /[\w\u00C0-\uFFFF]/.test(w); });
    var n = words.length;
    this.count.textContent = n + (n === 1 ? " word" : " words");
  };

  // The preview frame: the site's stylesheets, the body written in by this script.
  Editor.prototype.frameReady = function () {
    var doc = this.frame.contentDocument;
    if (!doc || !doc.getElementById("quire-preview-body")) { return; }
    var theme = document.documentElement.getAttribute("data-theme");
    if (theme === "light" || theme === "dark") { doc.documentElement.setAttribute("data-theme", theme); }
    this.refreshPreview();
  };

  Editor.prototype.schedulePreview = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.refreshPreview(); }, PREVIEW_DELAY);
  };

  Editor.prototype.refreshPreview = function () {
    var self = this;
    var doc = this.frame.contentDocument;
    var target = doc && doc.getElementById("quire-preview-body");
    if (!target) { return; }
    var body = new FormData();
    body.append("content", this.text.value);
    if (this.pending) { this.pending.abort(); }
    var controller = window.AbortController ? new AbortController() : null;
    this.pending = controller;
    fetch(this.previewUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(this.form) },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("The preview failed (" + response.status + ")."); }
      return response.text();
    }).then(function (html) {
      // The server renders and sanitises exactly as for readers; the frame's CSP blocks any script.
      target.innerHTML = html;
      self.root.classList.add("has-preview");
      self.syncScroll();
    }).catch(function (error) {
      if (error.name !== "AbortError") { self.say(error.message); }
    });
  };

  Editor.prototype.syncScroll = function () {
    var win = this.frame.contentWindow;
    var doc = this.frame.contentDocument;
    if (!win || !doc || !doc.documentElement) { return; }
    var range = this.text.scrollHeight - this.text.clientHeight;
    var ratio = range > 0 ? this.text.scrollTop / range : 0;
    var frameRange = doc.documentElement.scrollHeight - win.innerHeight;
    win.scrollTo(0, Math.max(0, frameRange * ratio));
  };

  // ---- Toolbar actions -------------------------------------------------------------------------

  Editor.prototype.shortcut = function (event) {
    if (!(event.ctrlKey || event.metaKey)) { return; }
    var key = event.key.toLowerCase();
    var action = null;
    if (event.altKey && key === "h") { action = "heading"; }
    else if (event.shiftKey && (key === "i")) { action = "image"; }
    else if (event.shiftKey && (key === "8" || key === "*")) { action = "list"; }
    else if (!event.shiftKey && !event.altKey) {
      action = { b: "bold", i: "italic", k: "link", e: "code" }[key] || null;
    }
    if (action) { event.preventDefault(); this.run(action); }
  };

  Editor.prototype.run = function (action) {
    var t = this.text;
    if (action === "image") { this.openImageDialog(null); return; }
    if (action === "bold") { this.wrap("**", "**", "bold text"); }
    else if (action === "italic") { this.wrap("_", "_", "italic text"); }
    else if (action === "code") {
      var selected = t.value.slice(t.selectionStart, t.selectionEnd);
      if (selected.indexOf("\n") >= 0) { this.wrap("```\n", "\n```", ""); }
      else { this.wrap("`", "`", "code"); }
    }
    else if (action === "link") {
      var label = t.value.slice(t.selectionStart, t.selectionEnd) || "link text";
      var start = t.selectionStart;
      this.replace("[" + label + "](https://)");
      t.setSelectionRange(start + label.length + 3, start + label.length + 11);
    }
    else if (action === "heading") { this.prefixLines("## "); }
    else if (action === "list") { this.prefixLines("- "); }
    t.focus();
    this.changed();
  };

  Editor.prototype.changed = function () {
    markDirty();
    this.countWords();
    this.schedulePreview();
  };

  Editor.prototype.replace = function (text) {
    var t = this.text;
    t.focus();
    t.setRangeText(text, t.selectionStart, t.selectionEnd, "end");
  };

  Editor.prototype.wrap = function (before, after, placeholder) {
    var t = this.text;
    var start = t.selectionStart;
    var end = t.selectionEnd;
    var inner = t.value.slice(start, end) || placeholder;
    t.setRangeText(before + inner + after, start, end, "end");
    t.setSelectionRange(start + before.length, start + before.length + inner.length);
  };

  Editor.prototype.prefixLines = function (prefix) {
    var t = this.text;
    var start = t.value.lastIndexOf("\n", t.selectionStart - 1) + 1;
    var end = t.selectionEnd;
    var block = t.value.slice(start, end);
    var lines = block.split("\n").map(function (line) {
      return line.indexOf(prefix) === 0 ? line.slice(prefix.length) : prefix + line;
    });
    t.setRangeText(lines.join("\n"), start, end, "end");
  };

  function rovingFocus(toolbar, event) {
    var keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (!(event.key in keys) && event.key !== "Home" && event.key !== "End") { return; }
    var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
    var index = buttons.indexOf(document.activeElement);
    if (index < 0) { return; }
    event.preventDefault();
    var next = event.key === "Home" ? 0 : event.key === "End" ? buttons.length - 1
      : (index + keys[event.key] + buttons.length) % buttons.length;
    buttons.forEach(function (b, i) { b.tabIndex = i === next ? 0 : -1; });
    buttons[next].focus();
  }

  // ---- Images ----------------------------------------------------------------------------------

  function hasFiles(transfer) {
    return transfer && Array.prototype.indexOf.call(transfer.types || [], "Files") >= 0;
  }

  function imageFile(transfer) {
    if (!transfer || !transfer.files) { return null; }
    for (var i = 0; i < transfer.files.length; i += 1) {
      if (/^image\//.test(transfer.files[i].type)) { return transfer.files[i]; }
    }
    return null;
  }

  Editor.prototype.bindDialog = function () {
    var self = this;
    var dialog = this.dialog;
    this.fileInput = dialog.querySelector("input[type=file]");
    this.altInput = dialog.querySelector(".quire-image-alt");
    this.errorBox = dialog.querySelector(".quire-image-error");
    this.chosenBox = dialog.querySelector(".quire-image-chosen");
    this.choices = dialog.querySelector(".quire-image-choices");
    this.fileInput.addEventListener("change", function () {
      if (self.fileInput.files.length) { self.upload(self.fileInput.files[0]); }
    });
    // The dialog sits inside the page's form (forms cannot nest): its buttons are plain buttons, and
    // Enter in its fields inserts instead of submitting the page.
    dialog.querySelector("[data-dialog=insert]").addEventListener("click", function () { self.insertChosen(); });
    dialog.querySelector("[data-dialog=cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.tagName === "INPUT") {
        event.preventDefault();
        self.insertChosen();
      }
    });
    dialog.addEventListener("close", function () { self.text.focus(); });
  };

  Editor.prototype.openImageDialog = function (file) {
    this.chosenUrl = "";
    this.altInput.value = "";
    this.fileInput.value = "";
    this.showError("");
    this.chosenBox.textContent = "";
    this.selection = [this.text.selectionStart, this.text.selectionEnd];
    this.loadLibrary();
    if (typeof this.dialog.showModal === "function") { this.dialog.showModal(); }
    else { this.dialog.setAttribute("open", ""); }
    if (file) { this.upload(file); this.altInput.focus(); }
    else { this.fileInput.focus(); }
  };

  Editor.prototype.showError = function (text) {
    this.errorBox.textContent = text;
    this.errorBox.hidden = !text;
  };

  Editor.prototype.choose = function (url, name) {
    this.chosenUrl = url;
    this.chosenBox.textContent = "Chosen: " + (name || url);
    Array.prototype.forEach.call(this.choices.querySelectorAll("[role=radio]"), function (el) {
      el.setAttribute("aria-checked", String(el.getAttribute("data-url") === url));
    });
  };

  Editor.prototype.upload = function (file) {
    var self = this;
    var body = new FormData();
    body.append("image", file);
    this.chosenBox.textContent = "Uploading " + file.name + "…";
    this.chosenUrl = "";
    this.uploading = true;
    this.showError("");
    return fetch(this.uploadUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(this.form) }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      self.uploading = false;
      if (!result.ok) {
        self.chosenBox.textContent = "";
        self.showError((result.data.image || [result.data.error || "The upload failed."]).join(" "));
        return;
      }
      self.choose(result.data.url, result.data.name);
      self.loadLibrary();
    }).catch(function () {
      self.uploading = false;
      self.chosenBox.textContent = "";
      self.showError("The upload failed: check the connection and try again.");
    });
  };

  Editor.prototype.loadLibrary = function () {
    var self = this;
    fetch(this.imagesUrl, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : { images: [] };
    }).then(function (data) {
      var images = data.images || [];
      self.choices.textContent = "";
      self.dialog.querySelector(".quire-image-empty").hidden = images.length > 0;
      images.forEach(function (image, index) {
        var option = document.createElement("button");
        option.type = "button";
        option.setAttribute("role", "radio");
        option.setAttribute("data-url", image.url);
        option.setAttribute("aria-checked", String(image.url === self.chosenUrl));
        option.setAttribute("aria-label", (image.name || image.url) + (image.width ? ", " + image.width + "×" + image.height : ""));
        option.tabIndex = index === 0 ? 0 : -1;
        var img = document.createElement("img");
        img.src = image.url;
        img.alt = "";
        img.loading = "lazy";
        option.appendChild(img);
        option.addEventListener("click", function () { self.choose(image.url, image.name); });
        self.choices.appendChild(option);
      });
    });
    if (!this.choices.hasAttribute("data-bound")) {
      this.choices.setAttribute("data-bound", "1");
      this.choices.addEventListener("keydown", function (event) { rovingFocus(self.choices, event); });
    }
  };

  Editor.prototype.insertChosen = function () {
    var alt = this.altInput.value.trim();
    if (this.uploading) { this.showError("The image is still uploading; insert it when it is chosen."); return; }
    if (!this.chosenUrl) { this.showError("Choose an image: upload one or pick one from the library."); return; }
    if (!alt) {
      this.showError("Write the alt text: what the image shows, for readers who cannot see it.");
      this.altInput.focus();
      return;
    }
    if (alt.toLowerCase() === "decorative") { alt = ""; }
    alt = alt.replace(/[\[\]\n]/g, " ");
    var t = this.text;
    t.setSelectionRange(this.selection[0], this.selection[1]);
    this.dialog.close();
    this.replace("![" + alt + "](" + this.chosenUrl + ")");
    this.changed();
    this.say("Image inserted.");
  };

  // ---- Start -----------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("page_form");
    if (!form) { return; }
    watchUnsavedChanges(form);
    prefillUrl(form);
    offerUrlOnMove(form);
    Array.prototype.forEach.call(form.querySelectorAll(".quire-editor"), function (root) {
      root.quireEditor = new Editor(root, form);
    });
  });
})();
