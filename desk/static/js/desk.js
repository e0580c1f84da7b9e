/* The story form's desk: tells the server the form is open, keeps a draft copy of the words while the
   writer types (never published, offered back after a closed tab or a crash), and shows who else has the
   story open and whether it was saved by someone since this form was opened. Progressive enhancement:
   without it the form saves as always, and a save over a newer version is still refused by the server. */
(function () {
  "use strict";
  var HEARTBEAT_MS = 20000;
  var TYPING_PAUSE_MS = 1500;
  var DRAFT_FIELDS = ["kicker", "headline", "slug", "standfirst", "body"];

  document.addEventListener("DOMContentLoaded", function () {
    var desk = document.getElementById("desk");
    var form = document.getElementById("article_form");
    if (!desk || !form || !desk.getAttribute("data-desk-url") || !window.fetch) return;
    var url = desk.getAttribute("data-desk-url");
    var presence = document.getElementById("desk-presence");
    var savedBy = document.getElementById("desk-saved-by");
    var autosave = document.getElementById("desk-autosave");
    var dirty = false, submitting = false, typingTimer = null;

    function payload(extra) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      data.append("edited_version", form.elements.edited_version ? form.elements.edited_version.value : "");
      DRAFT_FIELDS.forEach(function (name) {
        if (form.elements[name]) data.append(name, form.elements[name].value);
      });
      Object.keys(extra).forEach(function (key) { data.append(key, extra[key]); });
      return data;
    }

    function show(reply) {
      if (reply.others && reply.others.length) {
        presence.textContent = "Also open now: " + reply.others.map(function (person) {
          return person.name + " (seen " + person.seen + ")";
        }).join(", ") + ". Whoever saves second is shown what the other changed.";
        presence.hidden = false;
      } else if (reply.others) {
        presence.hidden = true;
        presence.textContent = "";
      }
      if (reply.saved_by) {
        savedBy.textContent = reply.saved_by + " saved this story after you opened it. If you save, you will " +
          "first be shown what they changed, with your own text kept.";
        savedBy.hidden = false;
      }
      if (reply.draft_saved) {
        autosave.textContent = "Draft copy kept at " + reply.draft_saved + " (only you see it; the story is unchanged until you save).";
      }
    }

    function send(withDraft) {
      if (submitting) return;
      var sending = withDraft && dirty;
      if (sending) dirty = false;
      fetch(url, { method: "POST", body: payload({ dirty: sending ? "1" : "0" }), credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (reply) { if (reply) show(reply); })
        .catch(function () {
          if (sending) dirty = true;  // try again with the next beat
          autosave.textContent = "The draft copy could not be kept just now: the server did not answer.";
        });
    }

    form.addEventListener("input", function () {
      dirty = true;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { send(true); }, TYPING_PAUSE_MS);
    });
    form.addEventListener("submit", function () { submitting = true; clearTimeout(typingTimer); });
    window.addEventListener("pagehide", function () {
      if (submitting || !navigator.sendBeacon) return;
      navigator.sendBeacon(url, payload({ dirty: dirty ? "1" : "0", leaving: "1" }));
    });
    setInterval(function () { send(true); }, HEARTBEAT_MS);
    send(false);
  });
})();
