// Screen readers hear a live page change through #announcer, a polite status region that
// stays in the page: a polled part (a job's progress, an MP3 being made) carries what to say
// in data-announce, and it is said when it differs from what was said last, not at every poll.
(function () {
  "use strict";
  var said = {};

  function remember(root) {
    root.querySelectorAll("[data-announce][id]").forEach(function (el) {
      said[el.id] = el.dataset.announce;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    remember(document); // what the page says as it loads is read with the page
    document.body.addEventListener("htmx:load", function (event) {
      var el = event.detail.elt;
      if (!el.matches || !el.matches("[data-announce][id]")) return;
      if (said[el.id] === el.dataset.announce) return;
      said[el.id] = el.dataset.announce;
      if (!el.dataset.announce) return;
      var announcer = document.getElementById("announcer");
      if (announcer) announcer.textContent = el.dataset.announce;
    });
  });
})();
