/* Mosty: small progressive enhancements. Every page works without this file.
 *
 * - Quick exit: replaces the current history entry (the back button does not return here) and goes to the
 *   server's exit URL, which ends the session, sends Clear-Site-Data and redirects somewhere neutral.
 *   Pressing Escape three times within 1.5 seconds does the same.
 * - Forms marked data-autosubmit (language and organisation switchers) submit when their select changes;
 *   their submit buttons stay for people without JavaScript.
 */
(function () {
  "use strict";

  var ESCAPE_PRESSES = 3;
  var ESCAPE_WINDOW_MS = 1500;

  function exitUrl() {
    var link = document.getElementById("quick-exit");
    return link ? link.href : "/exit/";
  }

  function quickExit() {
    try {
      // Leave nothing readable behind for someone who picks the device up afterwards.
      window.sessionStorage.clear();
      window.localStorage.clear();
    } catch (e) {
      /* storage may be disabled; the server's Clear-Site-Data covers it */
    }
    document.title = "";
    if (document.body) {
      document.body.hidden = true;
    }
    window.location.replace(exitUrl());
  }

  function onQuickExitClick(event) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    quickExit();
  }

  var escapeTimes = [];

  function onKeydown(event) {
    if (event.key !== "Escape" && event.key !== "Esc") {
      return;
    }
    var now = Date.now();
    escapeTimes.push(now);
    escapeTimes = escapeTimes.filter(function (t) {
      return now - t <= ESCAPE_WINDOW_MS;
    });
    if (escapeTimes.length >= ESCAPE_PRESSES) {
      escapeTimes = [];
      quickExit();
    }
  }

  function submitForm(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function onAutosubmitChange(event) {
    var target = event.target;
    if (!target || target.tagName !== "SELECT") {
      return;
    }
    var form = target.form;
    if (form && form.hasAttribute("data-autosubmit")) {
      submitForm(form);
    }
  }

  function init() {
    var link = document.getElementById("quick-exit");
    if (link) {
      link.addEventListener("click", onQuickExitClick);
    }
    document.addEventListener("keydown", onKeydown);
    document.addEventListener("change", onAutosubmitChange);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
