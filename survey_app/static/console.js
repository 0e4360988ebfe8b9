/* The organisers' console, a little faster with script; every page works without it.
 *
 * 1. Live figures: an element with data-live-url names a same-origin JSON endpoint giving
 *    {html}; every data-live-every seconds the script fetches it and replaces each
 *    [data-live] region (matched by id) whose content changed, except the one holding the
 *    focus, so neither focus nor reading place is lost (a meta refresh lost both). A source
 *    inside a region (a result being worked out in the background) stops once the result,
 *    or the news that it could not be worked out (a "Try again" button), swapped it out.
 * 2. The review queue: "a" accepts the machine's tags of the answer in focus, "j" and "k"
 *    move between answers; "x" ticks it for a bulk accept.
 */
(function () {
  "use strict";

  // A region's content as the server wrote it: without the marks this script puts on a
  // source inside it, so that a result still being worked out is not swapped for itself.
  function asServed(region) {
    var copy = region.cloneNode(true);
    copy.querySelectorAll("[data-live-updated], [data-live-failed]").forEach(function (node) {
      node.removeAttribute("data-live-updated");
      node.removeAttribute("data-live-failed");
    });
    return copy.innerHTML;
  }

  function swapRegions(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    fresh.querySelectorAll("[data-live]").forEach(function (region) {
      var current = document.getElementById(region.id);
      if (!current || asServed(current) === region.innerHTML) {
        return;
      }
      if (current.contains(document.activeElement) && document.activeElement !== document.body) {
        return;
      }
      current.innerHTML = region.innerHTML;
      // A source that came with the new content (work still going on) takes over from the
      // one it replaced, which stops at its next look.
      current.querySelectorAll("[data-live-url]").forEach(startLive);
    });
  }

  function startLive(source) {
    // The server says how often (5 s or more in the app; tests ask for 1 s); never faster.
    var every = Math.max(1, parseInt(source.getAttribute("data-live-every"), 10) || 30) * 1000;
    var url = source.getAttribute("data-live-url");
    var note = source.getAttribute("data-live-note");
    var timer;
    function refresh() {
      if (!source.isConnected) {
        window.clearInterval(timer);
        document.removeEventListener("visibilitychange", refresh);
        return;
      }
      if (document.hidden) {
        return;
      }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) {
          if (!answer.ok) {
            throw new Error(answer.status);
          }
          return answer.json();
        })
        .then(function (data) {
          swapRegions(data.html);
          source.setAttribute("data-live-updated", new Date().toISOString());
          if (note) {
            source.textContent = note + " (" + new Date().toLocaleTimeString() + ")";
          }
        })
        .catch(function () {
          source.setAttribute("data-live-failed", new Date().toISOString());
        });
    }
    if (note) {
      source.textContent = note;
    }
    timer = window.setInterval(refresh, every);
    document.addEventListener("visibilitychange", refresh);
  }

  document.querySelectorAll("[data-live-url]").forEach(startLive);

  var queue = document.querySelector("ol.queue");
  if (!queue) {
    return;
  }
  function cards() {
    return Array.prototype.slice.call(queue.querySelectorAll("li.card"));
  }
  function currentCard() {
    var focused = document.activeElement;
    return focused && focused.closest ? focused.closest("li.card") : null;
  }
  function move(step) {
    var all = cards();
    var index = all.indexOf(currentCard());
    var next = all[Math.min(all.length - 1, Math.max(0, index + step))];
    if (next) {
      next.focus();
    }
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      return;
    }
    var card = currentCard();
    if (event.key === "j") {
      move(1);
    } else if (event.key === "k") {
      move(-1);
    } else if (event.key === "a" && card) {
      var accept = card.querySelector("button[value=confirm]");
      if (accept) {
        accept.click();
      }
    } else if (event.key === "x" && card) {
      var box = card.querySelector("input[type=checkbox]");
      if (box) {
        box.checked = !box.checked;
      }
    } else {
      return;
    }
    event.preventDefault();
  });
  if (window.location.hash === "#queue" && cards().length) {
    cards()[0].focus();
  }
  var shortcuts = document.getElementById("queue-keys");
  if (shortcuts) {
    shortcuts.hidden = false;
  }
})();
