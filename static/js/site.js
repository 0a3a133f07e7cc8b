/* Korea–Japan Future Dialogue: small progressive enhancements (the site works without them).
   Loaded with `defer` from base.html; strict CSP (no inline script), no dependencies but htmx. */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";
  var numbers = new Intl.NumberFormat(lang);

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return key in values ? numbers.format(values[key]) : "";
    });
  }

  /* One polite live region for the whole page (base.html): what an htmx action changed. */
  function announce(text) {
    var region = document.getElementById("live-announcer");
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* --- Character counters: textarea[data-limit] (core.widgets.CountedTextarea). ---------------
     Counts code points with line breaks as one, as the server does. Over the limit the counter
     says by how much; nothing is cut, and the server refuses with its own message. */
  function length(text) {
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }

  function setUpCounter(textarea) {
    if (textarea.dataset.counted) return;
    textarea.dataset.counted = "1";
    var limit = parseInt(textarea.dataset.limit, 10);
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.id = (textarea.id || textarea.name) + "-count";
    textarea.insertAdjacentElement("afterend", counter);
    var described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    var wasOver = false;

    function update() {
      var count = length(textarea.value);
      var over = count > limit;
      counter.textContent = format(textarea.dataset.countText, { count: count, limit: limit });
      if (over) {
        counter.textContent += " " + format(textarea.dataset.overText, { over: count - limit });
      }
      counter.classList.toggle("over", over);
      if (over) textarea.setAttribute("aria-invalid", "true");
      else if (textarea.getAttribute("aria-invalid") === "true" && wasOver) textarea.removeAttribute("aria-invalid");
      if (over !== wasOver) {
        announce(over ? format(textarea.dataset.overText, { over: count - limit }) : format(textarea.dataset.countText, { count: count, limit: limit }));
      }
      wasOver = over;
    }

    textarea.addEventListener("input", update);
    update();
  }

  function enhance(root) {
    if (root.matches && root.matches("textarea[data-limit]")) setUpCounter(root);
    root.querySelectorAll("textarea[data-limit]").forEach(setUpCounter);
  }

  enhance(document);
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });

  /* --- Focus after htmx swaps (core.htmx.after_swap). -----------------------------------------
     The server names where focus goes (first match of a list of selectors; "@submitter" is the
     re-rendered button that sent the request) and what to announce. */
  var lastSubmitter = null;
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    var submitter = trigger && trigger.submitter;
    lastSubmitter = submitter && submitter.id ? submitter.id : null;
  });

  function target(selector) {
    if (selector === "@submitter") return lastSubmitter ? document.getElementById(lastSubmitter) : null;
    try { return document.querySelector(selector); } catch (e) { return null; }
  }

  function focusable(element) {
    return element.matches("a[href], button, input, select, textarea, summary, [tabindex]") && !element.disabled;
  }

  document.body.addEventListener("dialogue:after-swap", function (event) {
    var detail = event.detail || {};
    var selectors = detail.focus || [];
    for (var i = 0; i < selectors.length; i++) {
      var element = target(selectors[i]);
      if (!element) continue;
      if (!focusable(element)) element.setAttribute("tabindex", "-1");
      element.focus({ preventScroll: true });
      element.scrollIntoView({ block: "nearest" });
      break;
    }
    announce(detail.announce);
  });

  /* --- Long sections collapsed on phones: details[data-collapse-small] start closed there. --- */
  if (window.matchMedia("(max-width: 600px)").matches) {
    document.querySelectorAll("details[data-collapse-small]").forEach(function (details) {
      var inside = false;
      try { inside = !!(location.hash && details.querySelector(location.hash)); } catch (e) { inside = false; }
      if (!inside && location.hash !== "#source") details.open = false;
    });
  }

  window.dialogue = { announce: announce };
})();
