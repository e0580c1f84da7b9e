/* The moderation page from the keyboard: j/k move between replies; a, r, s and f approve, remove, mark as
   spam and feature the current one, then move on; u undoes the last decision for a few seconds; b opens
   the ban form; ? shows the keys. Removing and marking as spam open the reason picker under the reply:
   1-7 pick a reason, Enter confirms, Escape cancels. Buttons do the same. Without JavaScript every button
   is a plain form post (and the server asks for the reason on a page of its own). */
(function () {
  "use strict";
  var UNDO_SHOWN_MS = 8000;

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.getElementById("moderation");
    if (!page) return;
    var status = document.getElementById("mod-status");
    var keys = document.getElementById("mod-keys");
    var current = null;
    var lastUndo = null; // {event, form, item, timer}
    var picker = document.getElementById("mod-reason-picker");
    var asking = null; // {item, control}: the decision the picker asks a reason for

    function items() {
      return Array.prototype.slice.call(page.querySelectorAll(".mod-item:not([hidden])"));
    }

    function select(item, focus) {
      if (current) {
        current.classList.remove("is-current");
        current.removeAttribute("aria-current");
      }
      current = item || null;
      if (!current) return;
      current.classList.add("is-current");
      current.setAttribute("aria-current", "true");
      if (focus) current.focus();
      current.scrollIntoView({ block: "nearest" });
    }

    function move(step) {
      var list = items();
      if (!list.length) return;
      var at = list.indexOf(current);
      var next = at === -1 ? 0 : Math.min(Math.max(at + step, 0), list.length - 1);
      select(list[next], true);
    }

    function showCounts(counts) {
      if (!counts) return;
      Object.keys(counts).forEach(function (name) {
        var cell = page.querySelector('[data-count="' + name + '"]');
        if (cell) cell.textContent = counts[name];
      });
    }

    function say(text, undoEvent, form) {
      status.textContent = "";
      var line = document.createElement("span");
      line.textContent = text;
      status.appendChild(line);
      if (undoEvent) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button";
        button.textContent = "Undo (u)";
        button.addEventListener("click", undo);
        status.appendChild(document.createTextNode(" "));
        status.appendChild(button);
      }
    }

    function post(url, form, extra) {
      var data = new FormData(form);
      Object.keys(extra).forEach(function (name) { data.set(name, extra[name]); });
      return fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          body.ok = response.ok;
          body.status = response.status;
          return body;
        });
      });
    }

    function afterLast() {
      var left = items();
      if (left.length) return;
      var count = page.querySelector('[data-count="' + page.dataset.queue + '"]');
      if (count && parseInt(count.textContent, 10) > 0) {
        // This page is done but the queue is not: load its next replies (the undo is offered there too).
        window.location.assign(page.dataset.reloadUrl);
      } else {
        page.querySelector(".mod-empty").hidden = false;
      }
    }

    function askReason(item, control) {
      if (!picker) return;
      asking = { item: item, control: control };
      picker.querySelector("legend").textContent = "Why " + control.dataset.asksReason.toLowerCase() + " this reply?";
      picker.querySelector("[data-reason-confirm]").firstChild.textContent = control.dataset.asksReason + " ";
      var chosen = control.dataset.reason;
      Array.prototype.forEach.call(picker.querySelectorAll('input[name="reason"]'), function (radio) {
        radio.checked = radio.value === chosen;
      });
      picker.querySelector("#mod-reason-note").value = "";
      item.querySelector("article").appendChild(picker);
      picker.hidden = false;
      (picker.querySelector('input[name="reason"]:checked') || picker.querySelector('input[name="reason"]')).focus();
    }

    function closePicker() {
      var was = asking;
      asking = null;
      if (picker) picker.hidden = true;
      if (was) select(was.item, true);
    }

    function confirmReason() {
      var chosen = picker.querySelector('input[name="reason"]:checked');
      if (!chosen) {
        say("Choose a reason: press 1 to 7.");
        return;
      }
      var was = asking;
      asking = null;
      picker.hidden = true;
      decide(was.item, was.control.value, { reason: chosen.value, note: picker.querySelector("#mod-reason-note").value });
    }

    function pickerKey(event) {
      var inNote = event.target.id === "mod-reason-note";
      if (event.key === "Enter" && event.target.tagName === "BUTTON") return; // Confirm or Cancel, as pressed
      if (event.key === "Escape") {
        closePicker();
      } else if (event.key === "Enter") {
        confirmReason();
      } else if (!inNote && /^[1-9]$/.test(event.key)) {
        var radio = picker.querySelector('input[data-digit="' + event.key + '"]');
        if (!radio) return;
        radio.checked = true;
        radio.focus();
      } else {
        return;
      }
      event.preventDefault();
    }

    function choose(item, control) {
      if (control.dataset.asksReason) {
        askReason(item, control);
      } else {
        decide(item, control.value);
      }
    }

    function decide(item, decision, why) {
      var form = item.querySelector("form.mod-actions");
      if (!form || item.dataset.busy) return;
      item.dataset.busy = "1";
      var extra = { decision: decision };
      if (why) Object.keys(why).forEach(function (name) { extra[name] = why[name]; });
      post(form.action, form, extra).then(function (result) {
        delete item.dataset.busy;
        if (!result.ok) {
          say("The decision was not saved (" + result.status + "). Reload the page and try again.");
          return;
        }
        var list = items();
        var next = list[list.indexOf(item) + 1] || list[list.indexOf(item) - 1];
        item.hidden = true;
        showCounts(result.counts);
        if (lastUndo) clearTimeout(lastUndo.timer);
        lastUndo = result.event ? { event: result.event, form: form, item: item } : null;
        if (lastUndo) {
          lastUndo.timer = setTimeout(function () {
            lastUndo = null;
            status.textContent = "";
          }, Math.min(UNDO_SHOWN_MS, result.undo_seconds * 1000));
        }
        say(result.message, lastUndo && lastUndo.event, form);
        select(next && next !== item ? next : null, true);
        afterLast();
      }, function () {
        delete item.dataset.busy;
        say("The decision was not saved: the connection failed. Try again.");
      });
    }

    function undo() {
      if (!lastUndo) return;
      var pending = lastUndo;
      lastUndo = null;
      clearTimeout(pending.timer);
      post(page.dataset.undoUrl, pending.form, { event: pending.event }).then(function (result) {
        showCounts(result.counts);
        say(result.message);
        if (result.ok && !pending.item) {
          window.location.assign(page.dataset.reloadUrl); // the reply was on an earlier page: show it again
        } else if (result.ok) {
          pending.item.hidden = false;
          page.querySelector(".mod-empty").hidden = true;
          select(pending.item, true);
        }
      });
    }

    // Buttons go through the same path as keys, so a decision never reloads the page.
    page.addEventListener("submit", function (event) {
      var form = event.target;
      var button = event.submitter;
      if (!form.classList.contains("mod-actions") || !button || button.name !== "decision") return;
      event.preventDefault();
      var item = form.closest(".mod-item");
      select(item, false);
      choose(item, button);
    });
    if (picker) {
      picker.querySelector("[data-reason-confirm]").addEventListener("click", confirmReason);
      picker.querySelector("[data-reason-cancel]").addEventListener("click", closePicker);
    }
    page.addEventListener("click", function (event) {
      var item = event.target.closest ? event.target.closest(".mod-item") : null;
      if (item && item !== current) select(item, false);
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (asking) {
        pickerKey(event);
        return;
      }
      var target = event.target;
      if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
      var key = event.key;
      if (key === "?") {
        keys.open = !keys.open;
        if (keys.open) keys.querySelector("summary").focus();
      } else if (key === "j") {
        move(1);
      } else if (key === "k") {
        move(-1);
      } else if (key === "u") {
        undo();
      } else if ("arsfb".indexOf(key) !== -1 && key.length === 1) {
        if (!current) {
          move(1);
          return;
        }
        var control = current.querySelector('[data-key="' + key + '"]');
        if (!control) return;
        if (control.tagName === "A") {
          window.location.assign(control.href);
        } else {
          choose(current, control);
        }
      } else {
        return;
      }
      event.preventDefault();
    });

    // The decision offered for undo by the page itself (the last one before it loaded).
    var offered = status.querySelector("form.mod-undo");
    if (offered) {
      lastUndo = { event: offered.elements.event.value, form: offered, item: null };
      lastUndo.timer = setTimeout(function () { lastUndo = null; }, UNDO_SHOWN_MS);
    }
    select(items()[0], false);
  });
})();
