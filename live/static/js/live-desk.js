/* The live desk for a team: every few seconds the desk asks for its list of updates (a 304 while nothing changed)
   and shows colleagues' new updates, drafts and moves without a reload; it tells the story's presence (the same
   as the story form's, desk.js) that this person is here, and typing, and shows who else is. Progressive
   enhancement: without it the desk works the same, a reload shows what colleagues did. */
(function () {
  "use strict";
  var POLL_MS = 5000;

  document.addEventListener("DOMContentLoaded", function () {
    var desk = document.querySelector(".live-desk[data-desk-updates]");
    if (!desk || !window.fetch) return;
    var list = document.getElementById("live-desk-updates");
    var presence = document.getElementById("live-desk-presence");
    var form = desk.querySelector(".live-desk__form");
    var typed = false; // a key pressed since presence was last told
    var told = 0; // when presence was last told

    function refreshList() {
      // "no-cache": the browser asks again with the ETag it holds; the server answers 304 while nothing changed.
      return fetch(desk.getAttribute("data-desk-updates"), { cache: "no-cache", credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (rows) {
          // Not while the person is choosing a new time or pressing a button in the list.
          if (rows === null || list.contains(document.activeElement)) return;
          var fresh = document.createElement("tbody");
          fresh.innerHTML = rows;
          if (fresh.innerHTML !== list.innerHTML) list.innerHTML = fresh.innerHTML;
        });
    }

    function people(others) {
      return others.map(function (person) {
        return person.name + (person.typing ? " (typing…)" : " (seen " + person.seen + ")");
      }).join(", ");
    }

    function tellPresence() {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      data.append("edited_version", desk.getAttribute("data-desk-version"));
      data.append("dirty", "0");
      data.append("typing", typed ? "1" : "0");
      typed = false;
      told = Date.now();
      return fetch(desk.getAttribute("data-desk-presence"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (reply) {
          if (!reply || !reply.others) return;
          presence.textContent = reply.others.length ? "Also at work on this story: " + people(reply.others) + "." : "";
          presence.hidden = !reply.others.length;
        });
    }

    function beat() {
      if (!document.hidden) {
        refreshList().catch(function () {});
        tellPresence().catch(function () {});
      }
      window.setTimeout(beat, POLL_MS);
    }

    // Typing is told at once, then at most every few seconds: the beats carry it.
    form.addEventListener("input", function () {
      typed = true;
      if (Date.now() - told > POLL_MS) tellPresence().catch(function () {});
    });
    beat();
  });
})();
