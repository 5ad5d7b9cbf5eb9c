/* Quire's diagram renderer: runs inside a sandboxed frame (its own opaque origin, no access to the
   page, its cookies or its storage). The page sends it Mermaid source; it answers with the SVG, which
   the page shows as an image. Mermaid measures text by drawing into this document, with <style>
   elements and style attributes: this frame's own policy allows those, the page's policy stays strict. */
(function () {
  "use strict";

  var counter = 0;
  var queue = Promise.resolve();

  function sized(svgText) {
    /* Give the SVG its own pixel size, so the page can lay the image out without styles. */
    var doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    var svg = doc.documentElement;
    var box = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
    var width = box.length === 4 && box[2] > 0 ? Math.ceil(box[2]) : 0;
    var height = box.length === 4 && box[3] > 0 ? Math.ceil(box[3]) : 0;
    if (width && height) {
      svg.setAttribute("width", String(width));
      svg.setAttribute("height", String(height));
      svg.style.removeProperty("max-width");
    }
    var title = svg.querySelector(":scope > title");
    var description = svg.querySelector(":scope > desc");
    return {
      svg: new XMLSerializer().serializeToString(svg),
      width: width,
      height: height,
      title: title ? title.textContent : "",
      description: description ? description.textContent : "",
    };
  }

  function render(message) {
    counter += 1;
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: message.theme === "dark" ? "dark" : "default",
      /* Plain SVG text labels: the SVG is shown as an image, where HTML labels are not reliable. */
      htmlLabels: false,
      flowchart: { htmlLabels: false },
    });
    return window.mermaid.render("quire-diagram-" + counter, String(message.source)).then(function (result) {
      return sized(result.svg);
    });
  }

  window.addEventListener("message", function (event) {
    var message = event.data;
    if (event.source !== window.parent || !message || message.type !== "quire-diagram") {
      return;
    }
    /* One diagram at a time: each one is drawn with the theme its request asked for. */
    var drawn = queue.then(function () {
      return render(message);
    });
    queue = drawn.catch(function () {
      return null;
    });
    drawn.then(
      function (result) {
        window.parent.postMessage(
          {
            type: "quire-diagram-svg",
            id: message.id,
            svg: result.svg,
            width: result.width,
            height: result.height,
            title: result.title,
            description: result.description,
          },
          "*"
        );
      },
      function (error) {
        window.parent.postMessage(
          { type: "quire-diagram-error", id: message.id, error: String((error && error.message) || error) },
          "*"
        );
      }
    );
  });

  window.parent.postMessage({ type: "quire-diagram-ready" }, "*");
})();
