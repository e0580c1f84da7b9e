/* Live coverage: an open page of a live story asks now and then whether there are new updates
   (a conditional request, mostly answered 304), says "N new updates" and shows them only when the
   reader asks, keeping the text the reader is on where it is. Once coverage ends it stops asking.
   Without JavaScript the page is a normal page: reloading it shows the new updates. */
(function () {
  "use strict";

  function plural(n) {
    return n === 1 ? "1 new update" : n + " new updates";
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
    var count = parseInt(section.getAttribute("data-live-count"), 10) || 0;
    var newest = parseInt(section.getAttribute("data-live-newest"), 10) || 0;
    var firstPage = section.getAttribute("data-live-page") === "1";
    var waiting = null; // the latest answer that has updates the page does not show yet
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
          if (state) heard(state);
          if (state && !state.live) {
            stop();
          } else {
            schedule();
          }
        })
        .catch(schedule);
    }

    function heard(state) {
      if (state.newest && state.newest !== newest && state.count > count) {
        waiting = state;
        announce(state.count - count);
      } else if (!waiting) {
        count = state.count;
        newest = state.newest;
      }
    }

    function announce(n) {
      notice.textContent = "";
      var words = document.createElement("span");
      words.textContent = plural(n) + " ";
      notice.appendChild(words);
      if (firstPage) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "live__show";
        button.textContent = "Show " + (n === 1 ? "it" : "them");
        button.addEventListener("click", showWaiting);
        notice.appendChild(button);
      } else {
        var link = document.createElement("a");
        link.href = section.getAttribute("data-live-story") + "#live-updates";
        link.textContent = "Go to the newest updates";
        notice.appendChild(link);
      }
      notice.hidden = false;
    }

    function updatesAfter(update) {
      return fetch(section.getAttribute("data-live-updates") + "?after=" + update, { credentials: "omit" });
    }

    function showWaiting() {
      var answer = waiting;
      updatesAfter(newest)
        .then(function (response) {
          // The newest update shown was deleted since: the newest page instead (those shown are skipped).
          return response.status === 404 && newest ? updatesAfter(0) : response;
        })
        .then(function (response) {
          if (!response.ok) throw new Error("updates: " + response.status);
          return response.text();
        })
        .then(function (html) {
          insert(html);
          count = answer.count;
          newest = answer.newest;
          waiting = null;
          notice.hidden = true;
          notice.textContent = "";
        })
        .catch(function () {
          notice.firstChild.textContent = "The new updates could not be loaded. ";
        });
    }

    // Server-rendered, sanitised updates, newest first, put above the ones shown; the text the reader is
    // on stays where it is on the screen.
    function insert(html) {
      var template = document.createElement("template");
      template.innerHTML = html;
      var fresh = Array.prototype.filter.call(template.content.children, function (update) {
        return update.id && !document.getElementById(update.id);
      });
      if (!fresh.length) return;
      var reading = Array.prototype.find.call(list.children, function (child) {
        return child.getBoundingClientRect().bottom > 0;
      });
      var before = reading ? reading.getBoundingClientRect().top : 0;
      var none = list.querySelector(".live__none");
      if (none) none.remove();
      var first = list.firstElementChild;
      fresh.forEach(function (update) {
        list.insertBefore(update, first);
      });
      if (reading && reading.getBoundingClientRect().top !== before) {
        window.scrollBy(0, reading.getBoundingClientRect().top - before);
      }
      fresh[0].focus({ preventScroll: true });
      if (fresh[0].getBoundingClientRect().top < 0) fresh[0].scrollIntoView({ block: "start" });
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
