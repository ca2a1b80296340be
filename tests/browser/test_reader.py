"""The chapter's reader blocks in Chromium, used with the keyboard only."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .harness import LOCAL_HOST, ROOT, PageLog, serve

CHAPTER = "/world-models/"
RIGHT = "Correct."
WRONG = "Not quite. Try again, or open the explanation."
NOT_A_NUMBER = "Enter a number, for example 2.3."
NOTHING_CHOSEN = "Choose an answer first."

# The chapter's quizzes in page order (docs/world-models.md): start of the question, kind, right
# answer, a wrong answer, and an answer within the tolerance (numeric quizzes only).
QUIZZES = [
    ("Predict before the next program splits the sum", "choice", "the error in A_hat", None, None),
    ("Predict before you try it: fitted to one episode", "truefalse", "false", "true", None),
    ("True or false: with a trained world model", "truefalse", "true", "false", None),
    # 0.214 was accepted when the tolerance was centred on the rounded answer (0.21 ± 0.005);
    # centred on 0.9 ** 15 = 0.2059 it is refused.
    ("The program's last lines roll", "numeric", "0.21", "0.214", "0.209"),
    ("Predict before running: in both versions the KL pulls", "truefalse", "true", "false", None),
    ("Predict before the table: the policies learned", "choice", "one in between", None, None),
    ("Predict before running: even a perfect pixel predictor", "numeric", "0.25", "0.5", "0.254"),
    ("Predict before running: with no defence, both sides", "truefalse", "true", "false", None),
    ("True or false: the JEPA loss compares", "truefalse", "true", "false", None),
    ("Predict: with a single code", "numeric", "0.13", "0.5", "0.125"),
    ("Predict: with 64 codes, each code", "truefalse", "true", "false", None),
    ("True or false: Genie's latent action model", "truefalse", "false", "true", None),
    ("Predict before running the next program", "truefalse", "false", "true", None),
]
CHOICES = {
    "Predict before the next program splits the sum": [
        "the error in A_hat",
        "the error in B_hat",
        "the process noise",
    ],
    "Predict before the table: the policies learned": [
        "the shortest, H = 1",
        "one in between",
        "the longest, H = 40",
    ],
}

VISIBLE_RAW_TEX = """() => {
    const text = document.body.innerText;
    return ["$$", "\\\\mathrm", "\\\\frac", "\\\\("].filter((raw) => text.includes(raw));
}"""


KATEX_MAIN_LOADED = """() => [...document.fonts].some(
    (face) => face.family.replace(/["']/g, "") === "KaTeX_Main" && face.status === "loaded"
)"""


@pytest.fixture(scope="module")
def fixture_book_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reader_good fixture book (it has a multiple-choice quiz), built and served on 127.0.0.1."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = tmp_path_factory.mktemp("reader_book") / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / "reader_good", root)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("WMBOOK_ACCEPT", raising=False)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    with serve(root / "site", LOCAL_HOST) as url:
        yield url


# -- keyboard helpers --


def _start_at(quiz: Any) -> None:
    """Put the keyboard focus on the quiz's own anchor, the element just before its form."""
    quiz.locator(".wmbook-quiz__label a").focus()


def _feedback(quiz: Any) -> str:
    text: str = quiz.locator(".wmbook-quiz__feedback").inner_text()
    return text.strip()


def _focused(page: Any) -> dict[str, str]:
    described: dict[str, str] = page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), type: e.type || '', value: e.value || '', text: e.textContent.trim()}; }"
    )
    return described


def _choose_by_keyboard(page: Any, quiz: Any, values: list[str], right: str) -> None:
    """Tab into the radio group, submit with nothing chosen, then try every answer with Space and
    the arrow keys; Tab to the Check button; end on the right answer."""
    _start_at(quiz)
    page.keyboard.press("Tab")
    assert _focused(page) == {"tag": "input", "type": "radio", "value": values[0], "text": ""}
    page.keyboard.press("Enter")
    assert _feedback(quiz) == NOTHING_CHOSEN
    for index, value in enumerate(values):
        page.keyboard.press("ArrowDown" if index else "Space")
        assert _focused(page)["value"] == value
        assert quiz.locator("input[name=value]:checked").get_attribute("value") == value
        page.keyboard.press("Enter")
        assert _feedback(quiz) == (RIGHT if value == right else WRONG), value
        assert quiz.get_attribute("data-state") == ("correct" if value == right else "wrong")
    page.keyboard.press("ArrowDown")  # the group wraps round to its first answer
    assert quiz.locator("input[name=value]:checked").get_attribute("value") == values[0]
    page.keyboard.press("Tab")
    assert _focused(page) == {"tag": "button", "type": "submit", "value": "", "text": "Check"}
    page.keyboard.press("Enter")
    assert _feedback(quiz) == (RIGHT if values[0] == right else WRONG)
    page.keyboard.press("Shift+Tab")  # back into the group, on the checked answer
    while _focused(page)["value"] != right:
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert _feedback(quiz) == RIGHT


def _type_answer(page: Any, quiz: Any, typed: str) -> str:
    field = quiz.locator("input[name=value]")
    assert field.evaluate("(e) => e === document.activeElement")
    page.keyboard.press("Control+A")
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    return _feedback(quiz)


def _answer_quizzes(page: Any) -> None:
    quizzes = page.locator("section.wmbook-quiz")
    assert quizzes.count() == len(QUIZZES)
    for index, (question, kind, right, wrong, near) in enumerate(QUIZZES):
        quiz = quizzes.nth(index)
        assert quiz.locator(".wmbook-quiz__question").inner_text().startswith(question)
        assert quiz.get_attribute("data-kind") == kind
        details = quiz.locator("details.wmbook-quiz__explanation")
        assert not details.evaluate("(d) => d.open")
        if kind == "truefalse":
            _choose_by_keyboard(page, quiz, ["true", "false"], right)
        elif kind == "choice":
            _choose_by_keyboard(page, quiz, CHOICES[question], right)
        else:
            _start_at(quiz)
            page.keyboard.press("Tab")
            assert _focused(page)["type"] == "text"
            assert _type_answer(page, quiz, wrong) == WRONG, (question, wrong)
            assert _type_answer(page, quiz, "about two") == NOT_A_NUMBER
            assert _type_answer(page, quiz, near) == RIGHT, (question, near)
            assert _type_answer(page, quiz, wrong) == WRONG
            assert _type_answer(page, quiz, right.replace(".", ",")) == RIGHT, (question, "decimal comma")
        assert _feedback(quiz) == RIGHT
        assert details.evaluate("(d) => d.open"), f"explanation of quiz {index + 1} did not open"
        feedback = quiz.locator(".wmbook-quiz__feedback")
        assert (feedback.get_attribute("role"), feedback.get_attribute("aria-live")) == ("status", "polite")


def _open_explanation_by_keyboard(page: Any) -> None:
    """Before answering: Tab from the quiz's anchor over the radio group and Check to 'Explanation'."""
    quiz = page.locator("section.wmbook-quiz").first
    details = quiz.locator("details.wmbook-quiz__explanation")
    explanation = details.locator("p").first
    _start_at(quiz)
    for _ in range(3):
        page.keyboard.press("Tab")
    assert _focused(page) == {"tag": "summary", "type": "", "value": "", "text": "Explanation"}
    assert not explanation.is_visible()
    page.keyboard.press("Enter")
    assert details.evaluate("(d) => d.open")
    assert explanation.is_visible()
    assert "Its input to the sum is" in explanation.inner_text()
    page.keyboard.press("Space")
    assert not details.evaluate("(d) => d.open")
    assert _feedback(quiz) == ""  # opening the explanation answers nothing


def _cite_by_keyboard(page: Any, base_url: str) -> None:
    button = page.locator('button.wmbook-cite-button[popovertarget="cite-sec-5-1"]')
    popover = page.locator("#cite-sec-5-1")
    assert button.count() == 1
    assert not popover.is_visible()
    button.focus()
    page.keyboard.press("Enter")
    assert popover.evaluate("(e) => e.matches(':popover-open')")
    assert popover.is_visible()
    bibtex = popover.locator("code#cite-sec-5-1-bibtex-text")
    assert bibtex.is_visible()
    text = bibtex.inner_text()
    assert text.startswith("@incollection{")
    # The book names no address: the citation gives the one the reader sees the page at, and
    # the reader's own date (not the build's) as the access date.
    assert f"url       = {{{base_url}/world-models/#sec-5-1}}" in text
    today = page.evaluate(
        "() => { const d = new Date(); return d.getFullYear() + '-' +"
        " String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); }"
    )
    assert f"urldate   = {{{today}}}," in text
    assert "example.org" not in popover.inner_text()
    assert "title     = {World Models — JEPA, Genie \\& Dreamer — §5.1 What a world model is}" in text
    assert popover.locator("code#cite-sec-5-1-link-text").inner_text() == f"{base_url}/world-models/#sec-5-1"
    assert (
        popover.locator("code#cite-sec-5-1-apa-text")
        .inner_text()
        .endswith(f", from {base_url}/world-models/#sec-5-1")
    )
    page.keyboard.press("Escape")
    assert not popover.evaluate("(e) => e.matches(':popover-open')")
    assert not popover.is_visible()
    # A second Enter opens it again; Escape closes it again.
    button.focus()
    page.keyboard.press("Enter")
    assert popover.is_visible()
    page.keyboard.press("Escape")
    assert not popover.is_visible()


def _math_is_rendered(page: Any, fonts: list[tuple[str, int]], base_url: str) -> None:
    assert page.locator(".katex").count() >= 100
    assert page.locator(".katex-display").count() >= 5
    assert page.locator(".arithmatex, .wmbook-math-error").count() == 0
    assert page.evaluate(VISIBLE_RAW_TEX) == []
    assert fonts, "no KaTeX font was fetched"
    for url, status in fonts:
        assert url.startswith(f"{base_url}/assets/wmbook/katex/fonts/KaTeX_"), url
        assert status == 200, url
    assert page.evaluate(KATEX_MAIN_LOADED)


def _reference_on_focus(page: Any) -> None:
    link = page.locator("a.wmbook-citation__link").first
    target = link.get_attribute("href")
    assert target and target.startswith("#ref-")
    entry = page.locator(f"li{target}").inner_text().split("\n")[0].strip()
    tip = page.locator("#wmbook-reference-tip")
    link.focus()
    assert tip.is_visible()
    assert link.get_attribute("aria-describedby") == "wmbook-reference-tip"
    assert tip.get_attribute("role") == "tooltip"
    assert tip.inner_text().strip() == entry[: len(tip.inner_text().strip())] and len(tip.inner_text()) > 20
    page.keyboard.press("Escape")
    assert not tip.is_visible() and link.get_attribute("aria-describedby") is None
    link.hover()
    assert tip.is_visible()
    page.mouse.move(0, 0)
    assert not tip.is_visible()


def test_chapter_by_keyboard(page: Any, page_log: PageLog, base_url: str) -> None:
    """Quizzes, explanations, cite popovers and math of the chapter; nothing leaves 127.0.0.1."""
    fonts: list[tuple[str, int]] = []
    page.on("response", lambda r: fonts.append((r.url, r.status)) if r.url.endswith(".woff2") else None)
    page.goto(CHAPTER, wait_until="networkidle")

    _open_explanation_by_keyboard(page)
    _answer_quizzes(page)
    _cite_by_keyboard(page, base_url)
    _reference_on_focus(page)
    _math_is_rendered(page, fonts, base_url)

    page.wait_for_load_state("networkidle")
    assert page_log.blocked == []
    assert page_log.console_errors == []


def test_multiple_choice_quiz_by_keyboard(page: Any, page_log: PageLog, fixture_book_url: str) -> None:
    """The chapter has no multiple-choice quiz; the fixture book's one is answered with arrow keys."""
    page.goto(f"{fixture_book_url}/chapter/", wait_until="networkidle")
    quiz = page.locator("section#quiz-space")
    assert quiz.get_attribute("data-kind") == "choice"
    _choose_by_keyboard(page, quiz, ["pixel", "embedding", "token"], "embedding")
    assert quiz.locator("details.wmbook-quiz__explanation").evaluate("(d) => d.open")
    page.wait_for_load_state("networkidle")
    assert page_log.blocked == []
    assert page_log.console_errors == []
