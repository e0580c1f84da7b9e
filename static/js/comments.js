/* Progressive enhancement for replies: "Reply" moves the form under the reply instead of
   reloading the page. Without JavaScript the link's ?replyto=N#respond does the same job. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var respond = document.getElementById("respond");
    var form = document.getElementById("commentform");
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
