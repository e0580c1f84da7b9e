/* Progressive enhancement for replies.

   "Reply" moves the form under the reply instead of reloading the page. Without JavaScript the
   link's ?replyto=N#respond does the same job.

   The story page is the same for every reader (a proxy may keep it), so its reply form has no
   security token and no signed timestamp, and it shows none of the reader's own replies. Those
   come from a small request of its own, never cached (comments.views.replies_for_me): made when
   the reader starts writing, and on page load only when the "newsroom_replied" cookie says this
   browser has replied or reported before, so readers who never posted cost no extra request. */
(function () {
  "use strict";

  function repliedBefore() {
    return document.cookie.split(";").some(function (part) {
      return part.trim().indexOf("newsroom_replied=") === 0;
    });
  }

  function hiddenField(form, name) {
    var field = form.elements[name];
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = name;
      form.appendChild(field);
    }
    return field;
  }

  function fillForm(form, mine) {
    hiddenField(form, "csrfmiddlewaretoken").value = mine.csrf_token;
    form.elements.timestamp.value = mine.timestamp;
    ["name", "email", "website"].forEach(function (name) {
      var field = form.elements[name];
      if (field && !field.value) field.value = mine.fields[name];
    });
    if (form.elements.remember && mine.fields.remember) form.elements.remember.checked = true;
  }

  function listFor(thread, parentId) {
    /* The list a reply goes in: its parent's answers, or the page's threads. */
    var list;
    if (parentId) {
      var parent = document.getElementById("comment-" + parentId);
      if (!parent) return null;
      list = parent.querySelector(":scope > ol.reply-list--children");
      if (!list) {
        list = document.createElement("ol");
        list.className = "reply-list reply-list--children";
        parent.appendChild(list);
      }
      return list;
    }
    list = thread.querySelector(":scope > ol.reply-list");
    if (!list) {
      list = document.createElement("ol");
      list.className = "reply-list";
      thread.insertBefore(list, thread.querySelector(":scope > noscript, :scope > .replies__pages"));
    }
    return list;
  }

  function showOwnReplies(thread, mine) {
    thread.querySelector(".replies__title").textContent = mine.heading;
    mine.replies.forEach(function (own) {
      if (document.getElementById("comment-" + own.id)) return; /* already on the page */
      var list = listFor(thread, own.parent);
      if (!list) return;
      var holder = document.createElement("template");
      holder.innerHTML = own.html.trim();
      var before = own.after ? document.getElementById("comment-" + own.after) : null;
      if (before && before.parentNode === list) before.after(holder.content);
      else if (own.after) list.appendChild(holder.content);
      else list.prepend(holder.content);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var thread = document.getElementById("comments");
    var form = document.getElementById("commentform");
    var asked = null;

    function askForMine() {
      /* Once per page: the reader's token, timestamp, remembered details and own replies. */
      if (!asked) {
        asked = fetch(thread.getAttribute("data-for-me"), {
          headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
        }).then(function (response) {
          if (!response.ok) throw new Error("replies for me: " + response.status);
          return response.json();
        }).then(function (mine) {
          if (form) fillForm(form, mine);
          showOwnReplies(thread, mine);
          return mine;
        });
      }
      return asked;
    }

    /* A form with a timestamp is a page of the reader's own (signed in, just posted): nothing to ask for. */
    if (thread && thread.hasAttribute("data-for-me") && !(form && form.elements.timestamp.value)) {
      if (repliedBefore()) askForMine();
      if (form) {
        form.addEventListener("focusin", askForMine);
        form.addEventListener("input", askForMine);
        form.addEventListener("submit", function (event) {
          if (form.elements.timestamp.value) return;
          /* Sent before the answer came: send once it has (or as it is, to the page that keeps the text). */
          event.preventDefault();
          askForMine().catch(function () {}).then(function () { form.submit(); });
        });
      }
    }

    var respond = document.getElementById("respond");
    if (!respond || !form || !form.elements.parent) return;
    var home = respond.parentNode, homeNext = respond.nextSibling;
    var note = respond.querySelector(".respond__replying");
    var to = respond.querySelector(".respond__to");
    var cancel = respond.querySelector(".respond__cancel");

    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-reply-to]") : null;
      if (!link) return;
      var reply = document.getElementById("comment-" + link.getAttribute("data-reply-to"));
      if (!reply) return;
      event.preventDefault();
      form.elements.parent.value = link.getAttribute("data-reply-to");
      to.textContent = reply.querySelector(".reply__author").textContent;
      note.hidden = false;
      reply.querySelector(".reply__card").after(respond);
      form.elements.body.focus();
    });

    cancel.addEventListener("click", function (event) {
      event.preventDefault();
      form.elements.parent.value = "";
      note.hidden = true;
      home.insertBefore(respond, homeNext);
      form.elements.body.focus();
    });
  });
})();
