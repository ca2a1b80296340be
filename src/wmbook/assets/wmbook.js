// Quizzes and copy buttons. Event delegation on the document, so it also works when
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

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest(".wmbook-copy") : null;
    if (!button) return;
    const source = document.getElementById(button.dataset.copyFrom);
    if (!source) return;
    const focusBack = document.activeElement;
    copyText(source.textContent).then(
      () => {
        button.dataset.copied = "true";
        button.textContent = "Copied";
        if (focusBack instanceof HTMLElement) focusBack.focus();
      },
      () => {
        button.textContent = "Copy failed: select the text";
      }
    );
  });
})();
