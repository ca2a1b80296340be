// Quizzes, graded in the browser (the quiz kind ships this file with every page of a book
// that has a quiz). Event delegation on the document, so it also works when a theme swaps
// page content without a full reload.
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
})();
