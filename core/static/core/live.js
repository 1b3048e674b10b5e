// Pages that update by themselves (kept out of inline scripts for the CSP):
// - [data-refresh-url]: the element's content is replaced by the `html` of that JSON endpoint;
// - [data-live-prices-url]: each [data-live-price=ID] inside shows `prices[ID]` of that endpoint.
// Every few seconds, and not while the tab is hidden.
(function () {
  "use strict";

  function every(element, seconds, run) {
    function tick() {
      if (!document.hidden) {
        run().catch(function () { /* the next tick retries */ });
      }
    }
    window.setInterval(tick, Math.max(1, seconds) * 1000);
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      });
  }

  function refreshFragment(element) {
    every(element, Number(element.dataset.refreshSeconds || 3), function () {
      return getJson(element.dataset.refreshUrl).then(function (body) {
        element.innerHTML = body.html;
      });
    });
  }

  function refreshPrices(element) {
    every(element, Number(element.dataset.refreshSeconds || 3), function () {
      var cells = element.querySelectorAll("[data-live-price]");
      var ids = Array.prototype.map.call(cells, function (cell) { return cell.dataset.livePrice; });
      if (!ids.length) { return Promise.resolve(); }
      var url = element.dataset.livePricesUrl + "?ids=" + encodeURIComponent(ids.join(","));
      return getJson(url).then(function (body) {
        cells.forEach(function (cell) {
          var shown = body.prices[cell.dataset.livePrice];
          if (shown !== undefined && cell.textContent !== shown) { cell.textContent = shown; }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh-url]").forEach(refreshFragment);
    document.querySelectorAll("[data-live-prices-url]").forEach(refreshPrices);
  });
})();
