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

  /* -- Search without a server: in a site written by `build_site`, the header's form names a static
        index of every section (data-search-index), in parts. It is loaded once, when the reader first searches,
        and searched here with the server's rules: every word must match, a word matches the words it
        starts (common endings dropped; words under three letters match whole), title and heading
        matches rank first, at most three sections per page; highlighting as pages/search.py does it. */

  var LIVE_RESULTS = 8;
  var PAGE_RESULTS = 20;
  var PER_PAGE = 3;
  var MIN_PREFIX = 3;
  var SNIPPET_BEFORE = 60;
  var SNIPPET_LENGTH = 200;
  var WORD = "[\\p{L}\\p{N}_]";

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  }

  function queryTerms(text) {
    return (text.toLowerCase().match(new RegExp(WORD + "+", "gu")) || []).slice(0, 10);
  }

  function matchPrefixes(terms) {
    return terms.map(function (term) {
      var endings = ["ing", "ed", "es", "s"];
      for (var i = 0; i < endings.length; i++) {
        var ending = endings[i];
        if (term.length > ending.length && term.slice(-ending.length) === ending && term.length - ending.length >= MIN_PREFIX) {
          return term.slice(0, -ending.length);
        }
      }
      return term;
    });
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function wordPattern(prefix, flags) {
    return new RegExp("(?<!" + WORD + ")" + escapeRegExp(prefix) + (prefix.length >= MIN_PREFIX ? WORD + "*" : "(?!" + WORD + ")"), flags);
  }

  function matchPattern(terms, flags) {
    var unique = matchPrefixes(terms).filter(function (prefix, i, all) {
      return all.indexOf(prefix) === i;
    });
    unique.sort(function (a, b) {
      return b.length - a.length;
    });
    var choices = unique.map(function (prefix) {
      return escapeRegExp(prefix) + (prefix.length >= MIN_PREFIX ? WORD + "*" : "(?!" + WORD + ")");
    });
    return new RegExp("(?<!" + WORD + ")(?:" + choices.join("|") + ")", flags);
  }

  function highlight(text, terms) {
    var pattern = matchPattern(terms, "giu");
    var parts = [];
    var position = 0;
    var word;
    while ((word = pattern.exec(text)) !== null) {
      parts.push(escapeHtml(text.slice(position, word.index)));
      parts.push("<mark>" + escapeHtml(word[0]) + "</mark>");
      position = word.index + word[0].length;
    }
    parts.push(escapeHtml(text.slice(position)));
    return parts.join("");
  }

  function rfind(text, character, start, end) {
    var found = text.lastIndexOf(character, end - 1);
    return found >= start && found + character.length <= end ? found : -1;
  }

  function snippet(text, terms) {
    text = text.split(/\s+/).filter(Boolean).join(" ");
    var found = matchPattern(terms, "iu").exec(text);
    var first = found ? found.index : 0;
    var start = first < SNIPPET_BEFORE ? 0 : rfind(text, " ", 0, first - SNIPPET_BEFORE) + 1;
    var end = start + SNIPPET_LENGTH;
    if (end < text.length) {
      end = Math.max(rfind(text, " ", start, end), first + 1);
    }
    var window_ = text.slice(start, end);
    return (start ? "… " : "") + highlight(window_, terms) + (end < text.length ? " …" : "");
  }

  function countMatches(pattern, text) {
    pattern.lastIndex = 0;
    var count = 0;
    while (pattern.exec(text) !== null) {
      count++;
    }
    return count;
  }

  var COLUMN_WEIGHTS = [4, 8, 1]; /* title, heading, text: as the server's bm25(4.0, 8.0, 1.0) */

  function prepare(index) {
    if (!index.sections) {
      /* The file holds [title, url, [[anchor, heading, text], ...]] per page; searched as one list. */
      index.sections = [];
      index.pages.forEach(function (page, number) {
        (page[2] || []).forEach(function (section) {
          index.sections.push([number, section[0], section[1], section[2]]);
        });
      });
    }
    if (!index.lengths) {
      var word = new RegExp(WORD + "+", "gu");
      var total = 0;
      index.lengths = index.sections.map(function (section) {
        var text = index.pages[section[0]][0] + " " + section[2] + " " + section[3];
        var length = (text.match(word) || []).length;
        total += length;
        return length;
      });
      index.averageLength = index.sections.length ? total / index.sections.length : 1;
    }
    return index;
  }

  /* BM25 over the three columns, as SQLite's FTS5 ranks the server's results; every word must match. */
  function searchIndex(index, query, limit) {
    var terms = queryTerms(query);
    if (!terms.length) {
      return [];
    }
    prepare(index);
    var patterns = matchPrefixes(terms).map(function (prefix) {
      return wordPattern(prefix, "giu");
    });
    var containing = patterns.map(function () {
      return 0;
    });
    var matches = [];
    index.sections.forEach(function (section, position) {
      var columns = [index.pages[section[0]][0], section[2], section[3]];
      var weighted = [];
      var all = true;
      for (var i = 0; i < patterns.length; i++) {
        var frequency = 0;
        for (var c = 0; c < columns.length; c++) {
          frequency += COLUMN_WEIGHTS[c] * countMatches(patterns[i], columns[c]);
        }
        if (frequency) {
          containing[i]++;
        } else {
          all = false;
        }
        weighted.push(frequency);
      }
      if (all) {
        matches.push({ position: position, section: section, weighted: weighted });
      }
    });
    var count = index.sections.length;
    var idf = containing.map(function (n) {
      return Math.max(Math.log((count - n + 0.5) / (n + 0.5)), 1e-6);
    });
    matches.forEach(function (match) {
      var norm = 1.2 * (0.25 + 0.75 * index.lengths[match.position] / index.averageLength);
      match.score = 0;
      match.weighted.forEach(function (frequency, i) {
        match.score += idf[i] * (frequency * 2.2) / (frequency + norm);
      });
    });
    matches.sort(function (a, b) {
      return b.score - a.score || a.position - b.position;
    });
    var perPage = {};
    var results = [];
    for (var j = 0; j < matches.length && results.length < limit; j++) {
      var section = matches[j].section;
      perPage[section[0]] = (perPage[section[0]] || 0) + 1;
      if (perPage[section[0]] > PER_PAGE) {
        continue;
      }
      var page = index.pages[section[0]];
      results.push({
        title: page[0],
        url: section[1] ? page[1] + "#" + section[1] : page[1],
        heading: highlight(section[2], terms),
        snippet: section[3] ? snippet(section[3], terms) : ""
      });
    }
    return results;
  }

  var staticIndexes = {};

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + " answered " + response.status);
      }
      return response.json();
    });
  }

  /* The index is a list of parts (`parts`), loaded all at once and searched as one list of pages in
     URL order, as one file of `pages` was. */
  function loadIndex(indexUrl) {
    return fetchJson(indexUrl).then(function (index) {
      if (!index.parts) {
        return index;
      }
      return Promise.all(index.parts.map(fetchJson)).then(function (parts) {
        var pages = [];
        parts.forEach(function (part) {
          pages.push.apply(pages, part.pages);
        });
        pages.sort(function (a, b) {
          return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
        });
        return { pages: pages };
      });
    });
  }

  function staticSearch(indexUrl) {
    if (!staticIndexes[indexUrl]) {
      var loading = null;
      staticIndexes[indexUrl] = {
        load: function () {
          if (!loading) {
            loading = loadIndex(indexUrl).catch(function (error) {
              loading = null;
              throw error;
            });
          }
          return loading;
        },
        search: searchIndex
      };
    }
    return staticIndexes[indexUrl];
  }

  /* The search page of a static site: the results for ?q= are put together here, as the server's
     template writes them. */
  function setupStaticSearchPage() {
    var form = document.querySelector("form.search[data-search-index]");
    var holder = document.querySelector(".search-page");
    var query = new URLSearchParams(window.location.search).get("q");
    if (!form || !holder || query === null || !query.trim()) {
      return;
    }
    query = query.trim();
    var pageInput = document.getElementById("search-page-input");
    if (pageInput) {
      pageInput.value = query;
    }
    document.getElementById("search-input").value = query;
    document.title = "“" + query + "” · " + document.title;
    var index = staticSearch(form.getAttribute("data-search-index"));
    index.load().then(function (data) {
      var hits = index.search(data, query, PAGE_RESULTS);
      var summary = document.createElement("p");
      summary.className = "search-summary";
      summary.textContent = hits.length
        ? hits.length + (hits.length === 1 ? " result" : " results") + " for “" + query + "”"
        : "No results for “" + query + "”. Try fewer or different words.";
      holder.appendChild(summary);
      if (!hits.length) {
        return;
      }
      var list = document.createElement("ol");
      list.className = "search-results";
      hits.forEach(function (hit) {
        var item = document.createElement("li");
        item.className = "search-result";
        var link = document.createElement("a");
        link.className = "search-result-link";
        link.href = hit.url;
        var title = document.createElement("span");
        title.className = "search-result-page";
        title.textContent = hit.title;
        link.appendChild(title);
        if (hit.heading) {
          var sep = document.createElement("span");
          sep.className = "search-result-sep";
          sep.setAttribute("aria-hidden", "true");
          sep.textContent = "›";
          var heading = document.createElement("span");
          heading.className = "search-result-heading";
          heading.innerHTML = hit.heading; /* escaped above; only <mark> elements remain */
          link.appendChild(document.createTextNode(" "));
          link.appendChild(sep);
          link.appendChild(document.createTextNode(" "));
          link.appendChild(heading);
        }
        item.appendChild(link);
        if (hit.snippet) {
          var text = document.createElement("p");
          text.className = "search-result-snippet";
          text.innerHTML = hit.snippet;
          item.appendChild(text);
        }
        list.appendChild(item);
      });
      holder.appendChild(list);
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
    var staticIndex = form.hasAttribute("data-search-index") ? staticSearch(form.getAttribute("data-search-index")) : null;
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
      var answer = staticIndex
        ? staticIndex.load().then(function (index) {
            return { results: staticIndex.search(index, query, LIVE_RESULTS) };
          })
        : fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } }).then(
            function (response) {
              return response.ok ? response.json() : { results: [] };
            }
          );
      answer
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
    setupStaticSearchPage();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
