/* Privacy-first embeds: a card (sanitize/embeds.py) shows the source and the link, and a button that says where
   the content would come from. Only when the reader presses it does the provider's page load, in a sandboxed
   frame whose address the server built from the link (the Content-Security-Policy allows those hosts only,
   for frames only). Before that, nothing is asked of anyone but this site. Without this script the card is a
   plain link. Cards that arrive later (live updates) work the same. */
(function () {
  "use strict";
  document.documentElement.classList.add("embeds-ready");

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".embed__show") : null;
    var card = button && button.closest(".embed[data-embed]");
    if (!card) return;
    var address = card.getAttribute("data-embed");
    if (address.indexOf("https://") !== 0) return;
    var frame = document.createElement("iframe");
    frame.className = "embed__frame";
    frame.src = address;
    frame.title = card.getAttribute("data-embed-title") || "Embedded content";
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation");
    frame.setAttribute("allow", "fullscreen; picture-in-picture; encrypted-media");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.setAttribute("tabindex", "0");
    button.replaceWith(frame);
    frame.focus();
  });
})();
