/* Quire's public site: enhancements only. Every page works without this file. */
(function () {
  "use strict";

  var root = document.documentElement;
  var THEME_KEY = "quire-theme";

  /* -- Dark mode: follows the system until the reader picks one; the choice is remembered. ------- */

  function systemPrefersDark() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function currentTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "light" || chosen === "dark") {
      return chosen;
    }
    return systemPrefersDark() ? "dark" : "light";
  }

  function setupThemeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) {
      return;
    }
    function sync() {
      button.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
    }
    button.hidden = false;
    sync();
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        window.localStorage.setItem(THEME_KEY, next);
      } catch (error) {
        /* Not remembered when storage is off; still applied now. */
      }
      sync();
    });
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", sync);
    }
  }

  /* -- Phone menu ------------------------------------------------------------------------------ */

  function setupMenu() {
    var button = document.querySelector(".menu-button");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) {
      return;
    }
    button.hidden = false;
    function setOpen(open) {
      root.classList.toggle("nav-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && root.classList.contains("nav-open")) {
        setOpen(false);
        button.focus();
      }
    });
  }

  /* -- Sidebar: sections open and close; the current page's ancestors start open. A closed
        section's pages are not in the page: opening it loads them from the toggle's data-branch URL
        (one small, cached request); if that fails, the section's own page is opened instead. ---- */

  function showToggles(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll(".nav-toggle"), function (toggle) {
      toggle.hidden = false;
    });
  }

  function loadBranch(item, toggle) {
    toggle.setAttribute("aria-busy", "true");
    return fetch(toggle.getAttribute("data-branch"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("navigation branch answered " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (!item.querySelector(":scope > .nav-list")) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var list = holder.querySelector(".nav-list");
          if (!list) {
            throw new Error("navigation branch had no list");
          }
          showToggles(list);
          item.appendChild(list);
          toggle.setAttribute("aria-controls", list.id);
        }
      })
      .finally(function () {
        toggle.removeAttribute("aria-busy");
      });
  }

  function setOpenItem(item, toggle, open) {
    item.classList.toggle("is-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  /* A long level shows a window of its entries; each hidden run is one "N more pages" entry whose
     link loads that run (a window at a time) in its place. Without scripts the link opens the list. */
  function loadMore(item, link) {
    link.setAttribute("aria-busy", "true");
    return fetch(link.getAttribute("data-more"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("navigation entries answered " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var list = holder.querySelector(".nav-list");
        if (!list) {
          throw new Error("navigation entries had no list");
        }
        showToggles(list);
        var entries = Array.prototype.slice.call(list.children);
        entries.forEach(function (entry) {
          item.parentNode.insertBefore(entry, item);
        });
        item.parentNode.removeChild(item);
        var first = entries.length && entries[0].querySelector("a");
        if (first) {
          first.focus();
        }
      });
  }

  function setupNavToggles() {
    var sidebar = document.querySelector(".sidebar");
    if (!sidebar) {
      return;
    }
    showToggles(sidebar);
    sidebar.addEventListener("click", function (event) {
      var more = event.target.closest(".nav-more-link");
      if (more && sidebar.contains(more) && more.getAttribute("data-more")) {
        event.preventDefault();
        if (more.getAttribute("aria-busy") !== "true") {
          loadMore(more.closest(".nav-item"), more).catch(function () {
            window.location.assign(more.href);
          });
        }
        return;
      }
      var toggle = event.target.closest(".nav-toggle");
      if (!toggle || !sidebar.contains(toggle) || toggle.getAttribute("aria-busy") === "true") {
        return;
      }
      var item = toggle.closest(".nav-item");
      var open = !item.classList.contains("is-open");
      if (!open || item.querySelector(":scope > .nav-list")) {
        setOpenItem(item, toggle, open);
        return;
      }
      loadBranch(item, toggle).then(
        function () {
          setOpenItem(item, toggle, true);
        },
        function () {
          var link = item.querySelector(":scope > .nav-link");
          if (link) {
            window.location.assign(link.href);
          }
        }
      );
    });
    var current = sidebar.querySelector('[aria-current="page"]');
    if (current && current.scrollIntoView) {
      var box = current.getBoundingClientRect();
      if (box.bottom > window.innerHeight) {
        sidebar.scrollTop = box.top - sidebar.getBoundingClientRect().top - 80;
      }
    }
  }

  /* -- Heading anchors (where the rendered body does not already have them) ----------------------- */

  function setupHeadingAnchors() {
    var headings = document.querySelectorAll(".page-body :is(h2, h3, h4, h5, h6)[id]");
    Array.prototype.forEach.call(headings, function (heading) {
      if (heading.querySelector(".heading-anchor, .headerlink, .anchor-link")) {
        return;
      }
      var link = document.createElement("a");
      link.className = "anchor-link";
      link.href = "#" + heading.id;
      link.setAttribute("aria-label", "Link to this section: " + heading.textContent.trim());
      heading.appendChild(link);
    });
  }

  /* -- Copy buttons on code blocks ------------------------------------------------------------- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  function setupCopyButtons() {
    var blocks = document.querySelectorAll(".page-body pre");
    Array.prototype.forEach.call(blocks, function (pre) {
      var holder = pre.parentElement && pre.parentElement.matches("div.highlight, div.codehilite") ? pre.parentElement : pre;
      if (holder === pre) {
        pre.classList.add("code-block");
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to clipboard");
      button.addEventListener("click", function () {
        var code = pre.querySelector("code") || pre;
        copyText(code.innerText.replace(/\n$/, "")).then(function () {
          button.textContent = "Copied";
          button.classList.add("is-copied");
          window.setTimeout(function () {
            button.textContent = "Copy";
            button.classList.remove("is-copied");
          }, 2000);
        }, function () {
          button.textContent = "Press Ctrl+C";
        });
      });
      holder.appendChild(button);
    });
  }

  /* -- In-page table of contents: mark the section being read ------------------------------------ */

  function setupTocHighlight() {
    var links = document.querySelectorAll(".page-toc a[href^='#']");
    if (!links.length || !("IntersectionObserver" in window)) {
      return;
    }
    var byId = {};
    Array.prototype.forEach.call(links, function (link) {
      byId[decodeURIComponent(link.getAttribute("href").slice(1))] = link;
    });
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting && byId[entry.target.id]) {
          Array.prototype.forEach.call(links, function (link) {
            link.classList.remove("is-active");
          });
          byId[entry.target.id].classList.add("is-active");
        }
      });
    }, { rootMargin: "0px 0px -70% 0px" });
    Object.keys(byId).forEach(function (id) {
      var heading = document.getElementById(id);
      if (heading) {
        observer.observe(heading);
      }
    });
  }

  /* -- Live search under the header's search box (the form still works without it) --------------- */

  function setupLiveSearch() {
    var form = document.querySelector("form.search");
    var input = document.getElementById("search-input");
    var panel = document.getElementById("search-live");
    var status = document.getElementById("search-status");
    if (!form || !input || !panel || !window.fetch) {
      return;
    }
    var url = form.getAttribute("data-live-url");
    var timer = null;
    var latest = 0;

    function close() {
      panel.hidden = true;
      panel.textContent = "";
    }

    function allResultsLink(query) {
      var p = document.createElement("p");
      p.className = "live-all";
      var link = document.createElement("a");
      link.href = form.getAttribute("action") + "?q=" + encodeURIComponent(query);
      link.textContent = "See all results for “" + query + "”";
      p.appendChild(link);
      return p;
    }

    function show(query, results) {
      panel.textContent = "";
      if (!results.length) {
        var empty = document.createElement("p");
        empty.className = "live-empty";
        empty.textContent = "No results for “" + query + "”";
        panel.appendChild(empty);
        status.textContent = "No results";
      } else {
        var list = document.createElement("ul");
        list.setAttribute("aria-label", "Search results");
        results.forEach(function (result) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = result.url;
          var title = document.createElement("span");
          title.className = "live-title";
          title.textContent = result.title;
          if (result.heading) {
            /* heading and snippet are escaped on the server; only <mark> elements remain in them. */
            var heading = document.createElement("span");
            heading.innerHTML = result.heading;
            title.appendChild(document.createTextNode(" › "));
            title.appendChild(heading);
          }
          link.appendChild(title);
          if (result.snippet) {
            var snippet = document.createElement("span");
            snippet.className = "live-snippet";
            snippet.innerHTML = result.snippet;
            link.appendChild(snippet);
          }
          item.appendChild(link);
          list.appendChild(item);
        });
        panel.appendChild(list);
        status.textContent = results.length + (results.length === 1 ? " result" : " results") + ", use the down arrow to reach them";
      }
      panel.appendChild(allResultsLink(query));
      panel.hidden = false;
    }

    function run() {
      var query = input.value.trim();
      if (query.length < 2) {
        close();
        status.textContent = "";
        return;
      }
      var ticket = ++latest;
      fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (ticket === latest) {
            show(query, data.results || []);
          }
        })
        .catch(function () {
          /* Offline or failing: the plain form still submits. */
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, 120);
    });

    function links() {
      return Array.prototype.slice.call(panel.querySelectorAll("a"));
    }

    form.addEventListener("keydown", function (event) {
      var items = links();
      var index = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && !panel.hidden && items.length) {
        event.preventDefault();
        items[Math.min(index + 1, items.length - 1)].focus();
      } else if (event.key === "ArrowUp" && index >= 0) {
        event.preventDefault();
        if (index === 0) {
          input.focus();
        } else {
          items[index - 1].focus();
        }
      } else if (event.key === "Escape" && !panel.hidden) {
        close();
        input.focus();
      }
    });

    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) {
        close();
      }
    });

    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        input.focus();
      }
    });
  }

  /* -- Mermaid diagrams ------------------------------------------------------------------------------
     A ```mermaid block arrives as <pre class="mermaid"> holding its source, which is what readers without
     JavaScript see. Here, only on pages that have one, a sandboxed frame (pages/diagrams.py) loads
     Mermaid, draws each diagram in the current theme and answers with its SVG, shown as an image; the
     source moves into a "Diagram source" disclosure below it. A theme switch draws them again. */

  function setupDiagrams() {
    var blocks = document.querySelectorAll(".page-body pre.mermaid");
    var body = document.querySelector(".page-body[data-diagram-frame]");
    if (!blocks.length || !body || !window.URL || !window.Blob) {
      return;
    }
    var diagrams = [];
    var frame = document.createElement("iframe");
    var ready = false;
    var requests = 0;

    Array.prototype.forEach.call(blocks, function (pre) {
      diagrams.push({ pre: pre, source: pre.textContent, request: 0, figure: null, url: null });
    });

    function draw(diagram) {
      requests += 1;
      diagram.request = requests;
      frame.contentWindow.postMessage(
        { type: "quire-diagram", id: requests, source: diagram.source, theme: currentTheme() },
        "*"
      );
    }

    function drawAll() {
      if (ready) {
        diagrams.forEach(draw);
      }
    }

    function show(diagram, data) {
      if (typeof data.svg !== "string" || data.svg.lastIndexOf("<svg", 0) !== 0) {
        return;
      }
      if (!diagram.figure) {
        var figure = document.createElement("figure");
        figure.className = "diagram";
        var image = document.createElement("img");
        image.className = "diagram-image";
        figure.appendChild(image);
        var details = document.createElement("details");
        details.className = "diagram-source";
        var summary = document.createElement("summary");
        summary.textContent = "Diagram source";
        diagram.pre.parentNode.insertBefore(figure, diagram.pre);
        diagram.pre.parentNode.insertBefore(details, diagram.pre);
        details.appendChild(summary);
        details.appendChild(diagram.pre);
        diagram.figure = figure;
      }
      var img = diagram.figure.querySelector("img");
      /* The page never parses the SVG itself (its policy would refuse the styles in it). */
      img.alt = (data.title ? String(data.title) : "Diagram") + (data.description ? ": " + String(data.description) : "");
      if (data.width > 0 && data.height > 0) {
        img.width = data.width;
        img.height = data.height;
      }
      if (diagram.url) {
        URL.revokeObjectURL(diagram.url);
      }
      diagram.url = URL.createObjectURL(new Blob([data.svg], { type: "image/svg+xml" }));
      img.src = diagram.url;
    }

    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source !== frame.contentWindow || !data) {
        return;
      }
      if (data.type === "quire-diagram-ready") {
        ready = true;
        drawAll();
        return;
      }
      diagrams.forEach(function (diagram) {
        if (diagram.request !== data.id) {
          return;
        }
        if (data.type === "quire-diagram-svg") {
          show(diagram, data);
        } else if (data.type === "quire-diagram-error" && window.console) {
          window.console.warn("Quire could not draw a diagram: " + data.error);
        }
      });
    });

    frame.className = "diagram-frame";
    frame.title = "Diagram renderer";
    frame.setAttribute("sandbox", "allow-scripts");
    frame.setAttribute("aria-hidden", "true");
    frame.tabIndex = -1;
    frame.src = body.getAttribute("data-diagram-frame");
    document.body.appendChild(frame);

    new MutationObserver(drawAll).observe(root, { attributes: true, attributeFilter: ["data-theme"] });
    if (window.matchMedia) {
      var query = window.matchMedia("(prefers-color-scheme: dark)");
      if (query.addEventListener) {
        query.addEventListener("change", drawAll);
      }
    }
  }

  function start() {
    setupThemeToggle();
    setupMenu();
    setupNavToggles();
    setupHeadingAnchors();
    setupDiagrams();
    setupCopyButtons();
    setupTocHighlight();
    setupLiveSearch();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
