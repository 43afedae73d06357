// fakturarobot creditor console: our own small script (no inline script anywhere: the CSP forbids it).
//  - data-refresh-url + data-refresh-seconds on an element: fetch the URL every N seconds and put
//    the server-rendered partial into the element (paused while the tab is hidden); with
//    data-load-now also once as soon as the page is shown.
//  - data-select-all="name" on a checkbox: it (un)checks every checkbox named "name" of its form.
//  - data-confirm="text" on a submit button: ask before submitting.
(function () {
  "use strict";

  function refresh(el) {
    var url = el.getAttribute("data-refresh-url");
    var seconds = parseInt(el.getAttribute("data-refresh-seconds") || "10", 10);
    if (!url || !(seconds > 0)) { return; }
    function tick() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) {
          if (r.redirected || r.status === 401 || r.status === 303) { window.location.reload(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) { if (html !== null && html !== undefined) { el.innerHTML = html; } })
        .catch(function () { /* the next tick tries again */ });
    }
    if (el.hasAttribute("data-load-now")) { tick(); }  // a panel the page loads after it is shown
    window.setInterval(tick, seconds * 1000);
  }

  function selectAll(box) {
    var name = box.getAttribute("data-select-all");
    var scope = box.form || document;
    function boxes() {
      return Array.prototype.filter.call(
        scope.querySelectorAll('input[type="checkbox"]'),
        function (b) { return b.name === name; });
    }
    box.addEventListener("change", function () {
      boxes().forEach(function (b) { if (!b.disabled) { b.checked = box.checked; } });
    });
    scope.addEventListener("change", function (ev) {
      if (ev.target === box || ev.target.name !== name) { return; }
      var all = boxes();
      var on = all.filter(function (b) { return b.checked; }).length;
      box.checked = all.length > 0 && on === all.length;
      box.indeterminate = on > 0 && on < all.length;
    });
  }

  function confirmOn(button) {
    button.addEventListener("click", function (ev) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  }

  function init() {
    document.querySelectorAll("[data-refresh-url]").forEach(refresh);
    document.querySelectorAll("input[type=checkbox][data-select-all]").forEach(selectAll);
    document.querySelectorAll("[data-confirm]").forEach(confirmOn);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
