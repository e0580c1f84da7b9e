/* The story form's desk: tells the server the form is open, keeps a draft copy of the words while the
   writer types (never published, offered back after a closed tab or a crash), and shows who else has the
   story open and whether it was saved by someone since this form was opened. A new story's copy is kept
   from the first keystroke, under a key this script makes up (the form posts it, so saving ends the copy).
   Beside it, the reading aids: words, reading time and the story's address as it will be, as the writer types.
   Progressive enhancement: without it the form saves as always, and a save over a newer version is still
   refused by the server. */
(function () {
  "use strict";
  var HEARTBEAT_MS = 20000;
  var TYPING_PAUSE_MS = 1500;
  var AIDS_PAUSE_MS = 250;
  var DRAFT_FIELDS = ["kicker", "headline", "slug", "standfirst", "body"];

  function draftPayload(form, extra) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    DRAFT_FIELDS.forEach(function (name) {
      if (form.elements[name]) data.append(name, form.elements[name].value);
    });
    Object.keys(extra).forEach(function (key) { data.append(key, extra[key]); });
    return data;
  }

  function keptAt(time) {
    return "Draft copy kept at " + time + " (only you see it; the story is unchanged until you save).";
  }

  /* A random (version 4) UUID: the key of a new story's draft copy until the story is saved. */
  function newKey() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function existingStory(desk, form) {
    var url = desk.getAttribute("data-desk-url");
    var presence = document.getElementById("desk-presence");
    var savedBy = document.getElementById("desk-saved-by");
    var autosave = document.getElementById("desk-autosave");
    var dirty = false, submitting = false, typingTimer = null;

    function payload(extra) {
      extra.edited_version = form.elements.edited_version ? form.elements.edited_version.value : "";
      return draftPayload(form, extra);
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
      if (reply.draft_saved) autosave.textContent = keptAt(reply.draft_saved);
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
  }

  function newStory(desk, form) {
    var url = desk.getAttribute("data-new-draft-url");
    var autosave = document.getElementById("desk-autosave");
    var key = form.elements.draft_key;
    var dirty = false, submitting = false, typingTimer = null;
    if (!key || !window.crypto) return;
    if (!key.value) key.value = newKey();

    function send() {
      if (submitting || !dirty) return;
      dirty = false;
      fetch(url, { method: "POST", body: draftPayload(form, { draft_key: key.value }), credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (reply) { if (reply && reply.draft_saved) autosave.textContent = keptAt(reply.draft_saved); })
        .catch(function () {
          dirty = true;
          autosave.textContent = "The draft copy could not be kept just now: the server did not answer.";
        });
    }

    form.addEventListener("input", function () {
      dirty = true;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(send, TYPING_PAUSE_MS);
    });
    form.addEventListener("submit", function () { submitting = true; clearTimeout(typingTimer); });
    window.addEventListener("pagehide", function () {
      if (submitting || !dirty || !navigator.sendBeacon) return;
      navigator.sendBeacon(url, draftPayload(form, { draft_key: key.value }));
    });
    setInterval(send, HEARTBEAT_MS);
  }

  /* Words and reading time as readers will count them (articles/templatetags/reading_aids.py: the body's words,
     at the site's pace, at least one minute), and the address from the slug and publish time, asked of the
     server, which makes it as the story does (articles.models.story_path). */
  function readingAids(aids, form) {
    var words = document.getElementById("story-words");
    var address = document.getElementById("story-address");
    var pace = parseInt(aids.getAttribute("data-words-per-minute"), 10) || 230;
    var addressUrl = aids.getAttribute("data-address-url");
    var timer = null, asked = null;

    // reading_aids.BLOCK_EDGE: blocks of HTML do not run their words together.
    var BLOCK_EDGE = /<\/?(?:p|h[1-6]|li|ul|ol|blockquote|figure|figcaption|div|br|hr)\b/gi;

    function wordsOf(text) {
      var spaced = text.replace(BLOCK_EDGE, function (edge) { return " " + edge; });
      var shown = new DOMParser().parseFromString(spaced, "text/html").body.textContent || "";
      // Markdown's marks ("##", "-", ">") are not words: only what has a letter or a digit counts.
      return shown.split(/\s+/).filter(function (word) { return /[\p{L}\p{N}]/u.test(word); }).length;
    }

    function value(name) {
      var field = form.elements[name];
      return field ? field.value.trim() : aids.getAttribute("data-" + name.replace(/_/g, "-")) || "";
    }

    function update() {
      if (form.elements.body) {
        var count = wordsOf(form.elements.body.value);
        words.textContent = count + (count === 1 ? " word, " : " words, ") + Math.max(1, Math.ceil(count / pace)) + " min read";
      }
      if (!form.elements.slug) return;  // read only: the address as saved stays
      var query = new URLSearchParams({ slug: value("slug"), publish_at_0: value("publish_at_0"), publish_at_1: value("publish_at_1"),
                                        story: aids.getAttribute("data-story") || "" });
      if (query.toString() === asked) return;
      asked = query.toString();
      if (!value("slug")) {
        address.textContent = "made from the slug and the publish time";
        return;
      }
      fetch(addressUrl + "?" + asked, { credentials: "same-origin" })
        .then(function (response) { return response.json().then(function (reply) { return { ok: response.ok, reply: reply }; }); })
        .then(function (answer) {
          if (query.toString() !== asked) return;  // the writer has typed on since
          if (!answer.ok) {
            address.textContent = "not yet: give a slug of letters, numbers and hyphens, and a publish date and time";
          } else {
            address.textContent = answer.reply.url + (answer.reply.taken ? " (another story has this slug: choose another)" : "");
          }
        })
        .catch(function () { asked = null; });
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(update, AIDS_PAUSE_MS);
    }

    ["input", "change", "keyup", "click"].forEach(function (kind) { form.addEventListener(kind, soon); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("article_form");
    var desk = document.getElementById("desk");
    var aids = document.getElementById("story-aids");
    if (!form || !window.fetch) return;
    if (aids) readingAids(aids, form);
    if (desk && desk.getAttribute("data-desk-url")) existingStory(desk, form);
    else if (desk && desk.getAttribute("data-new-draft-url")) newStory(desk, form);
  });
})();
