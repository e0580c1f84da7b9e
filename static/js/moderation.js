/* The moderation page from the keyboard: j/k move between replies; a, r, s and f approve, remove, mark as
   spam and feature the current one, then move on; u undoes the last decision for a few seconds; b opens
   the ban form; ? shows the keys. Removing and marking as spam open the reason picker under the reply:
   1-7 pick a reason, Enter confirms, Escape cancels. Buttons do the same. Without JavaScript every button
   is a plain form post (and the server asks for the reason on a page of its own).

   With colleagues on the same queue: the reply this moderator has open is claimed (and the claim renewed),
   so their pages mark it "Anna is looking at this" and move past it; every few seconds the page asks whether
   its queue changed (304 while nothing did), shows the replies that arrived and drops those decided elsewhere.
   A decision that lost a race anyway is told by the server (409) and the page moves on. */
(function () {
  "use strict";
  var UNDO_SHOWN_MS = 8000;
  // A key pressed this soon after the page moved on by itself (a colleague took or decided the reply shown)
  // was meant for the reply that was there: it is not applied to the one that took its place.
  var SHIFT_GUARD_MS = 700;

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.getElementById("moderation");
    if (!page) return;
    var status = document.getElementById("mod-status");
    var keys = document.getElementById("mod-keys");
    var current = null;
    var lastUndo = null; // {event, form, item, timer}
    var arrivals = document.getElementById("mod-arrivals");
    var checkSeconds = parseInt(page.dataset.checkSeconds, 10) || 5;
    var claimSeconds = parseInt(page.dataset.claimSeconds, 10) || 60;
    var decisions = 0; // decisions and undos sent: a check asked before one of them is out of date
    var checkTag = null;
    var claimTimer = null;
    var shiftedAt = 0;
    var picker = document.getElementById("mod-reason-picker");
    var asking = null; // {item, control}: the decision the picker asks a reason for

    function items() {
      return Array.prototype.slice.call(page.querySelectorAll(".mod-item:not([hidden])"));
    }

    // `how`: "user" (j, k, a click), "next" (after this moderator's decision or on loading), "shifted" (a
    // colleague took or decided the reply shown: the page moved on by itself).
    // `claimed`: the server has already claimed it for this moderator (it handed it out after a decision).
    function select(item, focus, how, claimed) {
      if (how === "shifted") shiftedAt = Date.now();
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
      if (claimed) renewClaim(current);
      else claim(current, how !== "user");
    }

    // The colleagues' claims as the server last told them ({reply id: who}), on every reply shown.
    function markClaims(claims) {
      if (!claims) return;
      items().forEach(function (item) { markClaim(item, claims[item.dataset.reply] || ""); });
    }

    function claimedByOthers(item) {
      return Boolean(item.dataset.claimedBy);
    }

    function markClaim(item, holder) {
      var line = item.querySelector(".mod-item__claim");
      if (holder) item.dataset.claimedBy = holder;
      else delete item.dataset.claimedBy;
      if (!line) return;
      line.textContent = holder ? holder + " is looking at this" : "";
      line.hidden = !holder;
    }

    // The reply to move on to from `item` (or from the top): the next one nobody else has open, else the next.
    function nextFree(item) {
      var list = items().filter(function (each) { return each !== item; });
      var after = item ? list.filter(function (each) {
        return item.compareDocumentPosition(each) & Node.DOCUMENT_POSITION_FOLLOWING;
      }) : list;
      var before = list.filter(function (each) { return after.indexOf(each) === -1; });
      var free = function (each) { return !claimedByOthers(each); };
      return after.filter(free)[0] || before.filter(free).pop() || after[0] || before.pop() || null;
    }

    function renewClaim(item) {
      clearTimeout(claimTimer);
      // Renewed while the page is in view: a tab left in the background lets the claim run out.
      claimTimer = setTimeout(function () {
        if (item === current && !document.hidden) claim(item, false);
      }, claimSeconds * 1000 / 3);
    }

    // The reply the server handed out to move on to after a decision on `item`, if the page shows it; else
    // the next one free here.
    function following(item, result) {
      var handed = result.next ? document.getElementById("comment-" + result.next) : null;
      return handed && !handed.hidden && handed !== item ? handed : nextFree(item);
    }

    // Tell the colleagues which reply this moderator has open; a reply someone else holds is marked, and
    // when the page chose it (after a decision, on loading) the page moves on to a free one.
    function claim(item, automatic) {
      var form = item.querySelector("form.mod-actions");
      clearTimeout(claimTimer);
      if (!form || !page.dataset.claimUrl) return;
      post(page.dataset.claimUrl, form, {}).then(function (result) {
        if (!result.ok || item !== current) return;
        markClaim(item, result.mine ? "" : result.holder);
        if (result.mine) {
          renewClaim(item);
        } else if (automatic && result.holder) {
          var other = nextFree(item);
          if (other && !claimedByOthers(other)) select(other, true, "shifted");
        }
      }, function () {});
    }

    function move(step) {
      var list = items();
      if (!list.length) return;
      var at = list.indexOf(current);
      var next = at === -1 ? 0 : Math.min(Math.max(at + step, 0), list.length - 1);
      select(list[next], true, "user");
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
      decisions += 1;
      var extra = { decision: decision };
      if (why) Object.keys(why).forEach(function (name) { extra[name] = why[name]; });
      post(form.action, form, extra).then(function (result) {
        delete item.dataset.busy;
        markClaims(result.claims);
        if (result.lost) {
          // A colleague decided it since this page showed it: nothing was applied; say so and move on.
          var after = following(item, result);
          item.hidden = true;
          showCounts(result.counts);
          say(result.message);
          select(after, true, "next", after && after.id === "comment-" + result.next);
          afterLast();
          return;
        }
        if (!result.ok) {
          say("The decision was not saved (" + result.status + "). Reload the page and try again.");
          return;
        }
        var next = following(item, result);
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
        select(next, true, "next", next && next.id === "comment-" + result.next);
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
      decisions += 1;
      post(page.dataset.undoUrl, pending.form, { event: pending.event }).then(function (result) {
        showCounts(result.counts);
        say(result.message);
        if (result.ok && !pending.item) {
          window.location.assign(page.dataset.reloadUrl); // the reply was on an earlier page: show it again
        } else if (result.ok) {
          pending.item.hidden = false;
          page.querySelector(".mod-empty").hidden = true;
          select(pending.item, true, "user");
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
      select(item, false, "user");
      choose(item, button);
    });
    if (picker) {
      picker.querySelector("[data-reason-confirm]").addEventListener("click", confirmReason);
      picker.querySelector("[data-reason-cancel]").addEventListener("click", closePicker);
    }
    page.addEventListener("click", function (event) {
      var item = event.target.closest ? event.target.closest(".mod-item") : null;
      if (item && item !== current) select(item, false, "user");
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
        if (Date.now() - shiftedAt < SHIFT_GUARD_MS) {
          say("Another reply is shown now (a colleague took or decided the one before): press again to decide this one.");
          event.preventDefault();
          return;
        }
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
    // Every few seconds: has the queue changed? (304 while it has not.)
    function check() {
      var asked = decisions;
      var headers = { Accept: "application/json" };
      if (checkTag) headers["If-None-Match"] = checkTag;
      var query = page.dataset.reloadUrl.split("?")[1] || "";
      return fetch(page.dataset.checkUrl + "?" + query, { credentials: "same-origin", cache: "no-store", headers: headers })
        .then(function (response) {
          if (response.status !== 200 || asked !== decisions) return null;
          checkTag = response.headers.get("ETag");
          return response.json();
        })
        .then(function (state) { if (state) return applyState(state); }, function () {});
    }

    function applyState(state) {
      showCounts(state.counts);
      var wanted = state.ids.map(String);
      var all = Array.prototype.slice.call(page.querySelectorAll(".mod-item"));
      var known = all.map(function (item) { return item.dataset.reply; });
      all.forEach(function (item) {
        if (item.hidden || item.dataset.busy) return;
        if (wanted.indexOf(item.dataset.reply) === -1) {
          // Decided by a colleague (or moved off this page of the queue).
          var after = item === current ? nextFree(item) : null;
          item.hidden = true;
          if (item === current) select(after, false, "shifted");
        }
      });
      markClaims(state.claims);
      var arrived = wanted.filter(function (id) { return known.indexOf(id) === -1; });
      if (arrived.length) return showArrived(arrived, wanted);
      afterLast();
    }

    // Fetch this page of the queue again and put the replies that arrived in their places.
    function showArrived(arrived, wanted) {
      return fetch(page.dataset.reloadUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var list = page.querySelector(".mod-list");
          if (!list) {
            if (!current) window.location.assign(page.dataset.reloadUrl); // the queue was empty: show it whole
            return;
          }
          var shown = 0;
          arrived.forEach(function (id) {
            var item = fresh.getElementById("comment-" + id);
            if (!item || document.getElementById("comment-" + id)) return;
            var later = wanted.slice(wanted.indexOf(id) + 1).map(function (each) {
              return document.getElementById("comment-" + each);
            }).filter(Boolean)[0];
            list.insertBefore(document.importNode(item, true), later || null);
            shown += 1;
          });
          if (!shown) return;
          page.querySelector(".mod-empty").hidden = true;
          arrivals.textContent = shown + " more repl" + (shown === 1 ? "y" : "ies") + " in this queue.";
          if (!current) select(nextFree(null), false, "shifted");
        }, function () {});
    }

    function poll() {
      var again = function () { setTimeout(poll, checkSeconds * 1000); };
      if (document.hidden) { again(); return; }
      check().then(again, again);
    }
    setTimeout(poll, checkSeconds * 1000);

    select(nextFree(null), false, "next");
  });
})();
