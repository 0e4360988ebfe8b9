/* The live screen: figures refreshed in place, arrow keys to the previous and next screen.
 *
 * Every data-live-every seconds the script fetches data-live-source (same origin), which
 * gives {"answers": N, "ratings": {"1": n1, ...}, "terms": [[term, count], ...]}, and writes
 * the figures into the page with textContent (no markup from the server is parsed). The page
 * is whole without script; it then simply shows the figures of the moment it was loaded.
 */
(function () {
  "use strict";

  var screen = document.querySelector("[data-live-source]");
  if (!screen) {
    return;
  }

  function show(data) {
    var answers = screen.querySelector('[data-figure="answers"]');
    if (answers.textContent !== String(data.answers)) {
      answers.textContent = String(data.answers);
    }
    var most = 1;
    Object.keys(data.ratings).forEach(function (value) {
      most = Math.max(most, data.ratings[value]);
    });
    screen.querySelectorAll("[data-rating]").forEach(function (bar) {
      var value = bar.getAttribute("data-rating");
      bar.max = most;
      bar.value = data.ratings[value] || 0;
      screen.querySelector('[data-rating-count="' + value + '"]').textContent = String(
        data.ratings[value] || 0
      );
    });
    var list = screen.querySelector('[data-figure="terms"]');
    var items = data.terms.map(function (pair) {
      var item = document.createElement("li");
      var term = document.createElement("span");
      term.className = "term";
      term.textContent = pair[0];
      var count = document.createElement("span");
      count.className = "live-n";
      count.textContent = String(pair[1]);
      item.append(term, " ", count);
      return item;
    });
    list.replaceChildren.apply(list, items);
    screen.querySelector('[data-figure="no-terms"]').hidden = items.length > 0;
    screen.setAttribute("data-live-updated", new Date().toISOString());
  }

  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(screen.getAttribute("data-live-source"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error(answer.status);
        }
        return answer.json();
      })
      .then(show)
      .catch(function () {
        screen.setAttribute("data-live-failed", new Date().toISOString());
      });
  }

  var every = Math.max(2, parseInt(screen.getAttribute("data-live-every"), 10) || 5) * 1000;
  window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", refresh);

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey || target.closest("input, textarea, select")) {
      return;
    }
    var rel = { ArrowLeft: "prev", ArrowRight: "next", PageUp: "prev", PageDown: "next" }[event.key];
    var link = rel && document.querySelector('.live-nav a[rel="' + rel + '"]');
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
})();
