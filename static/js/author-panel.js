/* The author of a reply, at a glance: a link marked data-author-panel opens, under it, the author's panel
   (their replies, the moderators' notes, their bans), fetched from the author's page; a second click closes
   it. Without JavaScript the link opens that page. */
(function () {
  "use strict";

  function toggle(link) {
    var holder = link.parentNode;
    var open = holder.nextElementSibling;
    if (open && open.classList.contains("author-panel-box")) {
      open.remove();
      link.setAttribute("aria-expanded", "false");
      return;
    }
    link.setAttribute("aria-busy", "true");
    fetch(link.dataset.authorPanel, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var box = document.createElement("div");
        box.className = "author-panel-box";
        var parsed = new DOMParser().parseFromString(html, "text/html");
        Array.prototype.forEach.call(parsed.body.childNodes, function (node) {
          box.appendChild(document.importNode(node, true));
        });
        // A note written in the panel brings the moderator back here, to the reply it was opened from.
        Array.prototype.forEach.call(box.querySelectorAll("input[data-back]"), function (input) {
          var reply = link.closest(".mod-item");
          input.value = window.location.pathname + window.location.search + (reply ? "#" + reply.id : "");
        });
        holder.parentNode.insertBefore(box, holder.nextSibling);
        link.setAttribute("aria-expanded", "true");
        var heading = box.querySelector("h2");
        if (heading) {
          heading.tabIndex = -1;
          heading.focus();
        }
      })
      .catch(function () {
        window.location.assign(link.href); // the page itself says what went wrong
      })
      .finally(function () {
        link.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-author-panel]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    toggle(link);
  });
})();
