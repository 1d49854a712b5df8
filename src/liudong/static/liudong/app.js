/* The staff pages' small behaviours, declared in the markup with data attributes: the
   Content-Security-Policy allows no inline script and no on*= handler (decision 180).

   - <select data-autosubmit>: choosing sends its form; data-clears="township branch"
     empties those fields of the form first (a county chosen: its townships start over).
   - data-ask="question" on a form (or a submit button): asks before sending.
   - <button data-print>: prints the page. */
(function () {
  "use strict";

  function send(form) {
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field || !field.form || !field.hasAttribute("data-autosubmit")) return;
    var clears = (field.getAttribute("data-clears") || "").split(/\s+/);
    clears.forEach(function (name) {
      var other = name && field.form.elements.namedItem(name);
      if (other && "value" in other) other.value = "";
    });
    send(field.form);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM") return;
    var button = event.submitter;
    var ask = (button && button.getAttribute("data-ask")) || form.getAttribute("data-ask");
    if (ask && !window.confirm(ask)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target.closest("[data-print]") : null;
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
})();
