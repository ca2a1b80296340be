// Quizzes and cite popovers. Event delegation on the document, so it also works when
// a theme swaps page content without a full reload.
(function () {
  "use strict";

  function parseNumber(text) {
    const cleaned = String(text).trim().replace(/\u2212/g, "-").replace(/,/g, ".");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(cleaned)) return NaN;
    return Number(cleaned);
  }

  function grade(quiz, form) {
    const kind = quiz.dataset.kind;
    const answer = quiz.dataset.answer;
    if (kind === "numeric") {
      const field = form.querySelector('input[name="value"]');
      const value = parseNumber(field.value);
      if (Number.isNaN(value)) return { ok: false, message: "Enter a number, for example 2.3." };
      const tol = Number(quiz.dataset.tol);
      const ok = Math.abs(value - Number(answer)) <= tol + 1e-12;
      return { ok, message: ok ? "Correct." : "Not quite. Try again, or open the explanation." };
    }
    const chosen = form.querySelector('input[name="value"]:checked');
    if (!chosen) return { ok: false, message: "Choose an answer first." };
    const ok = chosen.value === answer;
    return { ok, message: ok ? "Correct." : "Not quite. Try again, or open the explanation." };
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("wmbook-quiz__form")) return;
    event.preventDefault();
    const quiz = form.closest(".wmbook-quiz");
    const result = grade(quiz, form);
    const feedback = form.querySelector(".wmbook-quiz__feedback");
    feedback.textContent = result.message;
    feedback.dataset.state = result.ok ? "correct" : "wrong";
    quiz.dataset.state = result.ok ? "correct" : "wrong";
    const details = quiz.querySelector(".wmbook-quiz__explanation");
    if (details && result.ok) details.open = true;
  });

  // A cite popover opens under its section's heading, as wide as the text column: the native
  // default (the middle of the window) would cover the table of contents. The popover is in the
  // top layer, so "absolute" is relative to the document, whatever the page's own layout.
  function placeCite(popover) {
    const button = document.querySelector('.wmbook-cite-button[popovertarget="' + popover.id + '"]');
    const heading = button ? button.previousElementSibling || button.parentElement : null;
    if (!heading) return;
    const column = heading.getBoundingClientRect();
    const place = {
      "--wmbook-cite-top": window.scrollY + button.getBoundingClientRect().bottom + 6 + "px",
      "--wmbook-cite-left": window.scrollX + column.left + "px",
      "--wmbook-cite-width": column.width + "px",
    };
    for (const name in place) {
      if (popover.style.getPropertyValue(name) !== place[name]) popover.style.setProperty(name, place[name]);
    }
    popover.classList.add("wmbook-cite--placed");
  }

  // While a popover is open the page can still move under it (an instrument or a figure above
  // finishing its layout, the window resized): once a frame it is placed again, and only while
  // one is open.
  let following = false;
  function follow() {
    const open = document.querySelectorAll(".wmbook-cite--placed:popover-open");
    open.forEach(placeCite);
    following = open.length > 0;
    if (following) requestAnimationFrame(follow);
  }

  // "beforetoggle" does not bubble: listened for in the capture phase.
  document.addEventListener(
    "beforetoggle",
    function (event) {
      const popover = event.target;
      if (!(popover instanceof HTMLElement) || !popover.classList.contains("wmbook-cite")) return;
      if (event.newState !== "open") return;
      placeCite(popover);
      if (!following) {
        following = true;
        requestAnimationFrame(follow);
      }
    },
    true
  );
})();
