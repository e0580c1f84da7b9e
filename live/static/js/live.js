/* Live coverage: an open page of a live story follows every change without a reload. Now and then it asks
   the coverage's version (a conditional request, mostly answered 304); when the version moved it asks what
   changed since the version it holds (…/updates/?since=N, the same for every page at N, kept by caches)
   and applies it: edited, moved and deleted updates change in place, the summary, the pinned update and the
   key events are replaced, and new updates are announced ("2 new updates") and shown when the reader asks,
   keeping the text the reader is on where it is. Once coverage ends it stops asking.
   Without JavaScript the page is a normal page: reloading it shows every change. */
(function () {
  "use strict";

  function plural(n) {
    return n === 1 ? "1 new update" : n + " new updates";
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("live-updates");
    if (!section) return;

    // #update-N that is not on this page (it moved to an older page): its permanent address knows where it is.
    var wanted = /^#update-(\d+)$/.exec(window.location.hash);
    if (wanted && !document.getElementById("update-" + wanted[1])) {
      window.location.replace(section.getAttribute("data-live-story") + "updates/" + wanted[1] + "/");
      return;
    }

    // A key event shown on this page: go to it here rather than through its permanent address.
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-update]") : null;
      var update = link && document.getElementById("update-" + link.getAttribute("data-update"));
      if (!update) return;
      event.preventDefault();
      window.history.pushState(null, "", "#update-" + link.getAttribute("data-update"));
      update.scrollIntoView({ block: "start" });
      update.focus({ preventScroll: true });
    });

    var check = section.getAttribute("data-live-check");
    if (!check) return; // not live (coverage ended, or never started): nothing to ask
    var list = document.getElementById("live-update-list");
    var notice = document.getElementById("live-notice");
    var poll = Math.max(1, parseInt(section.getAttribute("data-live-poll"), 10) || 10) * 1000;
    var version = section.getAttribute("data-live-version") || "0";
    var oldestFirst = section.getAttribute("data-live-order") === "oldest";
    var keyOnly = section.hasAttribute("data-live-key-only");
    var more = section.hasAttribute("data-live-more"); // later pages follow this one
    var later = section.getAttribute("data-live-page") !== "1"; // earlier pages come before this one
    var pending = {}; // new updates the reader has not asked to see yet, by number
    var behind = false; // too much changed to follow here: the reader is asked to reload
    var timer = null;

    function schedule() {
      timer = window.setTimeout(ask, poll);
    }

    function ask() {
      timer = null;
      if (document.hidden) {
        schedule();
        return;
      }
      // "no-cache": the browser asks again with the ETag it holds; the server answers 304 while nothing changed.
      fetch(check, { cache: "no-cache", credentials: "omit", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (state && String(state.version) !== version) return follow().then(function () { return state; });
          return state;
        })
        .then(function (state) {
          if (state && !state.live) {
            stop();
          } else {
            schedule();
          }
        })
        .catch(schedule);
    }

    // What changed since the version this page holds.
    function follow() {
      var address = section.getAttribute("data-live-changes") + (version !== "0" ? "?since=" + version : "");
      return fetch(address, { credentials: "omit", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("changes: " + response.status);
          return response.json();
        })
        .then(function (changes) {
          keepingPlace(function () { apply(changes); });
          version = String(changes.version);
        });
    }

    // Where an update sorts on this page: by its time, then its number, newest or oldest first.
    function keyOf(update) {
      var time = update.querySelector(".live-update__time time");
      return [Date.parse(time.getAttribute("datetime")), parseInt(update.id.replace("update-", ""), 10)];
    }

    function before(a, b) {
      var sign = oldestFirst ? 1 : -1;
      if (a[0] !== b[0]) return sign * (a[0] - b[0]) < 0;
      return sign * (a[1] - b[1]) < 0;
    }

    function shownUpdates() {
      return Array.prototype.filter.call(list.children, function (child) {
        return child.classList.contains("live-update");
      });
    }

    // The update that `key` goes before on this page; null at the end; undefined when it is on another page.
    function placeOf(key) {
      var shown = shownUpdates();
      for (var i = 0; i < shown.length; i++) {
        if (before(key, keyOf(shown[i]))) return i === 0 && later ? undefined : shown[i];
      }
      return more ? undefined : null;
    }

    function put(update) {
      var place = placeOf(keyOf(update));
      if (place === undefined) return false;
      var none = list.querySelector(".live__none");
      if (none) none.remove();
      list.insertBefore(update, place);
      return true;
    }

    function apply(changes) {
      if (changes.reload) {
        behind = true;
        announceReload();
        return;
      }
      ["live-updates", "live-summary", "live-pinned", "live-key-events"].forEach(function (id) {
        var box = document.getElementById(id);
        if (box) box.classList.toggle("live--days", Boolean(changes.days));
      });
      changes.deleted.forEach(function (number) {
        var shown = document.getElementById("update-" + number);
        if (shown) shown.remove();
        delete pending[number];
      });
      changes.upserts.forEach(function (change) {
        var shown = document.getElementById("update-" + change.id);
        var wanted = !keyOnly || change.key;
        if (shown && wanted && keyOf(shown)[0] === Date.parse(change.at)) {
          shown.replaceWith(parse(change.html)); // edited in its place
        } else if (shown) {
          shown.remove(); // moved in time (to wherever it now belongs), or no longer a key event
          if (wanted) put(parse(change.html));
        } else if (wanted) {
          pending[change.id] = change;
        } else {
          delete pending[change.id];
        }
      });
      [["key_events", "live-key-events"], ["pinned", "live-pinned"], ["summary", "live-summary"]].forEach(function (pair) {
        var box = document.getElementById(pair[1]);
        if (box && changes[pair[0]] !== undefined) box.replaceWith(parse(changes[pair[0]]));
      });
      announce();
    }

    // Keep the text the reader is on where it is on the screen while the page changes above it.
    function keepingPlace(change) {
      var reading = Array.prototype.find.call(
        document.querySelectorAll("main p, main h2, main h3, main li, main figure, main .live-update"),
        function (element) { return element.getBoundingClientRect().bottom > 0; }
      );
      var top = reading ? reading.getBoundingClientRect().top : 0;
      change();
      if (reading && reading.isConnected && reading.getBoundingClientRect().top !== top) {
        window.scrollBy(0, reading.getBoundingClientRect().top - top);
      }
    }

    function waiting() {
      return Object.keys(pending).map(function (number) { return pending[number]; });
    }

    function announce() {
      if (behind) return;
      var here = waiting().filter(function (change) {
        return placeOf([Date.parse(change.at), change.id]) !== undefined;
      });
      var elsewhere = waiting().length - here.length;
      notice.textContent = "";
      if (here.length) {
        say(plural(here.length) + " ");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "live__show";
        button.textContent = "Show " + (here.length === 1 ? "it" : "them");
        button.addEventListener("click", showWaiting);
        notice.appendChild(button);
      } else if (elsewhere && later && !oldestFirst) {
        say(plural(elsewhere) + " ");
        var link = document.createElement("a");
        link.href = section.getAttribute("data-live-story") + (keyOnly ? "?show=key" : "") + "#live-updates";
        link.textContent = "Go to the newest updates";
        notice.appendChild(link);
      }
      notice.hidden = !notice.firstChild;
    }

    function say(words) {
      var span = document.createElement("span");
      span.textContent = words;
      notice.appendChild(span);
    }

    function announceReload() {
      notice.textContent = "";
      say("Many updates have changed. ");
      var link = document.createElement("a");
      link.href = window.location.pathname + window.location.search + "#live-updates";
      link.textContent = "Reload the page to see them";
      notice.appendChild(link);
      notice.hidden = false;
    }

    function showWaiting() {
      var fresh = [];
      keepingPlace(function () {
        waiting().forEach(function (change) {
          var update = parse(change.html);
          if (put(update)) {
            fresh.push(update);
            delete pending[change.id];
          }
        });
        announce();
      });
      var first = shownUpdates().find(function (update) { return fresh.indexOf(update) !== -1; });
      if (!first) return;
      first.focus({ preventScroll: true });
      if (first.getBoundingClientRect().top < 0) first.scrollIntoView({ block: "start" });
    }

    function stop() {
      if (timer) window.clearTimeout(timer);
      timer = null;
      section.setAttribute("data-live-polling", "stopped");
      var ended = document.createElement("p");
      ended.className = "live__ended";
      ended.textContent = "Live coverage has ended.";
      notice.hidden = false;
      notice.appendChild(ended);
    }

    schedule();
  });
})();
