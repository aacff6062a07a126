/* paperradar's own script: CSRF header on htmx requests, KaTeX on LaTeX in
   titles and abstracts, and the topic map's hover label. No inline scripts
   anywhere: the content security policy forbids them. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  var MATH_OPTIONS = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false }
    ],
    throwOnError: false,
    trust: false,          /* no \href, \url, \includegraphics, \htmlClass... */
    strict: "ignore",
    maxExpand: 500,
    maxSize: 20,
    ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option", "a"]
  };

  function renderMath(root) {
    if (typeof window.renderMathInElement !== "function") { return; }
    var nodes = root.querySelectorAll ? root.querySelectorAll(".tex") : [];
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.getAttribute("data-tex-done")) { return; }
      el.setAttribute("data-tex-done", "1");
      if (el.tagName === "A") {  /* links: render inside a span so the link text stays a link */
        var span = document.createElement("span");
        while (el.firstChild) { span.appendChild(el.firstChild); }
        el.appendChild(span);
        window.renderMathInElement(span, MATH_OPTIONS);
      } else {
        window.renderMathInElement(el, MATH_OPTIONS);
      }
    });
  }

  function setupMap(root) {
    var map = root.querySelector ? root.querySelector("#topic-map") : null;
    var label = document.getElementById("map-label");
    if (!map || !label) { return; }
    map.addEventListener("mouseover", function (event) {
      var point = event.target.closest ? event.target.closest("a.pt") : null;
      if (!point) { return; }
      label.textContent = point.getAttribute("data-title") + " — " + point.getAttribute("data-topic");
      var box = map.getBoundingClientRect();
      var dot = point.getBoundingClientRect();
      label.style.left = Math.min(dot.left - box.left + 12, box.width - 260) + "px";
      label.style.top = (dot.top - box.top + 12) + "px";
      label.classList.add("shown");
    });
    map.addEventListener("mouseleave", function () { label.classList.remove("shown"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderMath(document);
    setupMap(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    renderMath(event.detail.target);
  });
})();
