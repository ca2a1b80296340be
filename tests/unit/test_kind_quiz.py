"""The quiz kind: option validation, default tolerance, anchors, checks against the
session's value, and markup."""

from __future__ import annotations

import msgspec
import pytest
from kind_support import check_context, clean_page, parse_block, render_context

from wmbook.kinds import quiz as kind
from wmbook.kinds import quiz_grade, quiz_parse
from wmbook.kinds.quiz_grade import grade_check
from wmbook.kinds.quiz_parse import QUIZ_OPTIONS, Quiz, QuizCheck, default_tolerance
from wmbook.model import Diagnostic, Outcome, Region, Severity, SourceLoc, StepKey, StepKind, StepResult

PATH = "docs/q.md"


def parse(
    options: list[str], question: str = "What is it?", body: str = "Because."
) -> tuple[Quiz | None, list[Diagnostic]]:
    """A quiz block at line 1 whose option lines are lines 2, 3, …"""
    header = f"/// quiz | {question}" if question else "/// quiz"
    text = "\n".join([header, *(f"    {line}" for line in options), body, "///"])
    return parse_block(quiz_parse.parse, text, PATH)


def valid(options: list[str]) -> Quiz:
    quiz, problems = parse(options)
    assert problems == [], [p.format() for p in problems]
    assert quiz is not None
    return quiz


# -- options that are right --


@pytest.mark.parametrize(
    ("options", "kind", "answer", "tol", "choices"),
    [
        (["answer: true"], "truefalse", True, 0.0, ()),
        (["answer: false", "check: x > 1"], "truefalse", False, 0.0, ()),
        (["answer: True"], "truefalse", True, 0.0, ()),
        (["answer: 2.3", "check: x"], "numeric", 2.3, 0.05, ()),
        (["answer: 19.4", "tol: 0.1", "check: gap"], "numeric", 19.4, 0.1, ()),
        (["answer: 12", "check: n"], "numeric", 12, 0.5, ()),
        (["answer: 2.30", "check: x"], "numeric", 2.3, 0.005, ()),
        (["answer: -0.963", "check: r"], "numeric", -0.963, 0.0005, ()),
        (["answer: 7", "tol: 0", "check: n"], "numeric", 7, 0.0, ()),
        (["answer: 1", "tol: 2", "check: n"], "numeric", 1, 2.0, ()),
        (
            ["answer: embedding", "choices: [pixel, embedding, token]"],
            "choice",
            "embedding",
            0.0,
            ("pixel", "embedding", "token"),
        ),
        (["answer: b", "choices:", "  - a", "  - b", "check: pick"], "choice", "b", 0.0, ("a", "b")),
        (['answer: "a: b"', 'choices: ["a: b", "c"]'], "choice", "a: b", 0.0, ("a: b", "c")),
    ],
)
def test_valid_quizzes(
    options: list[str], kind: str, answer: object, tol: float, choices: tuple[str, ...]
) -> None:
    quiz = valid(options)
    assert (quiz.kind, quiz.answer, quiz.choices) == (kind, answer, choices)
    assert quiz.tol == pytest.approx(tol, abs=1e-15)
    assert quiz.loc == SourceLoc(PATH, 1)
    assert quiz.question == "What is it?"
    assert quiz.index == 0


def test_record_keeps_its_region_and_explanation() -> None:
    quiz = valid(["answer: true"])
    lines = ["/// quiz | What is it?", "    answer: true", "Because.", "///"]
    assert quiz.region == Region(1, 4, "\n".join(lines))
    assert quiz.content == ("Because.",)


def test_check_is_placed_at_its_line_in_its_session() -> None:
    quiz = valid(["answer: b", "choices: [a, b]", "session: other", "check: pick()", "id: quiz-pick"])
    assert quiz.check == QuizCheck(StepKey(StepKind.CHECK, 0), SourceLoc(PATH, 5), "other", "pick()")
    assert quiz.anchor == "quiz-pick"


@pytest.mark.parametrize(
    ("written", "expression"),
    [("True", "True"), ("False  # never", "False"), ("true", "true"), ("1_000", "1_000"), ("0x10", "0x10")],
)
def test_a_check_yaml_reads_as_a_scalar_is_the_expression_as_written(written: str, expression: str) -> None:
    """`check: True` is a Python expression, though YAML reads a boolean."""
    quiz = valid(["answer: true", f"check: {written}"])
    assert quiz.check is not None and quiz.check.expression == expression


def test_check_defaults_to_the_main_session_and_a_number_is_an_expression() -> None:
    quiz = valid(["answer: 4", "check: 4"])
    assert quiz.check is not None
    assert (quiz.check.session, quiz.check.expression) == ("main", "4")
    assert valid(["answer: true"]).check is None


@pytest.mark.parametrize(
    ("question", "anchor"),
    [
        ("What is x?", "quiz-what-is-x"),
        ("True or false: a world model predicts the next latent state.", "quiz-true-or-false-a-world-model"),
        ("In the planner table, at model error 0.4", "quiz-in-the-planner-table-at-model"),
    ],
)
def test_default_anchor_is_the_first_six_words(question: str, anchor: str) -> None:
    quiz, problems = parse(["answer: true"], question=question)
    assert problems == [] and quiz is not None
    assert quiz.anchor == anchor


# -- quizzes on one page: indexes, check keys and unique anchors --


def _quiz_block(question: str, *options: str) -> str:
    return "\n".join([f"/// quiz | {question}", *(f"    {o}" for o in options), "Why.", "///", ""])


@pytest.mark.parametrize(
    ("blocks", "anchors"),
    [
        (
            [("What is x?",), ("What is x?",), ("What is x?",)],
            ["quiz-what-is-x", "quiz-what-is-x-2", "quiz-what-is-x-3"],
        ),
        ([("What is x?",), ("What is y?",)], ["quiz-what-is-x", "quiz-what-is-y"]),
        (
            [("One two three four five six seven",), ("One two three four five six eight",)],
            ["quiz-one-two-three-four-five-six", "quiz-one-two-three-four-five-six-2"],
        ),
        ([("A?", "id: mine"), ("A?",)], ["mine", "quiz-a"]),
    ],
)
def test_anchors_are_unique_on_a_page(blocks: list[tuple[str, ...]], anchors: list[str]) -> None:
    text = "\n".join(_quiz_block(question, "answer: true", *options) for question, *options in blocks)
    page = clean_page(text, PATH)
    assert [q.anchor for q in page.blocks_of(Quiz)] == anchors
    assert [q.index for q in page.blocks_of(Quiz)] == list(range(len(blocks)))


def test_check_keys_follow_the_quiz_index() -> None:
    text = _quiz_block("A?", "answer: true") + _quiz_block("B?", "answer: 3", "check: 1 + 2")
    page = clean_page(text, PATH)
    assert [q.check.key if q.check else None for q in page.blocks_of(Quiz)] == [
        None,
        StepKey(StepKind.CHECK, 1),
    ]
    assert str(StepKey(StepKind.CHECK, 1)) == "check-1"


# -- options that are wrong: each problem at its line --

KNOWN = "(known options: answer, check, tol, choices, session, id)"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ["answr: 4", "check: 2 + 2"],
            [(2, f"unknown quiz option 'answr' {KNOWN}"), (1, "no 'answer:' option")],
        ),
        (["answer: 4", "check: 2 + 2", "colour: red"], [(4, f"unknown quiz option 'colour' {KNOWN}")]),
        ([], [(1, "this quiz has no 'answer:' option")]),
        (["check: x"], [(1, "this quiz has no 'answer:' option")]),
        (["answer: 2.3"], [(1, "a numeric quiz needs 'check:'")]),
        (["answer: 2.3", "tol: -0.1", "check: x"], [(3, "'tol' must be a number >= 0")]),
        (["answer: 2.3", "tol: wide", "check: x"], [(3, "'tol' must be a number >= 0")]),
        (["answer: 2.3", "tol: true", "check: x"], [(3, "'tol' must be a number >= 0")]),
        (["answer: 2.3", "check: x", "choices: [a, b]"], [(1, "a numeric quiz takes no 'choices'")]),
        (["answer: .nan", "check: x"], [(2, "the answer must be a finite number")]),
        (["answer: .inf", "check: x"], [(2, "the answer must be a finite number")]),
        (["answer: true", "tol: 0.1"], [(1, "a true/false quiz takes no 'choices' or 'tol'")]),
        (["answer: true", "choices: [a, b]"], [(1, "a true/false quiz takes no 'choices' or 'tol'")]),
        (["answer: pixel", "choices: pixel"], [(3, "'choices' must be a list of two or more texts")]),
        (["answer: a", "choices: [a]"], [(3, "'choices' must be a list of two or more texts")]),
        (["answer: a", "choices: [a, 2]"], [(3, "'choices' must be a list of two or more texts")]),
        (["answer: a", "choices: {a: 1, b: 2}"], [(3, "'choices' must be a list of two or more texts")]),
        (["answer: a", "choices: [a, b, a]"], [(3, "'choices' has a repeated entry")]),
        (["answer: c", "choices: [a, b]"], [(2, "the answer 'c' is not one of the choices")]),
        (
            ["answer: embedding"],
            [(2, "'answer' must be true/false, a number, or (with 'choices:') the text")],
        ),
        (["answer: [1, 2]"], [(2, "'answer' must be true/false, a number")]),
        (["answer: ~"], [(2, "'answer' must be true/false, a number")]),
        (["answer: true", "check: [1, 2]"], [(3, "'check' must be a Python expression")]),
        (["answer: true", "check: {a: 1}"], [(3, "'check' must be a Python expression")]),
        (["answer: true", "check: ''"], [(3, "'check' must be a Python expression")]),
        (["answer: true", "check: x: y"], [(3, "not valid YAML"), (1, "no 'answer:' option")]),
    ],
)
def test_invalid_quizzes(options: list[str], expected: list[tuple[int, str]]) -> None:
    _, problems = parse(options)
    found = sorted((p.loc.line, p.message) for p in problems)
    assert len(found) == len(expected), found
    for line, fragment in expected:
        assert any(at == line and fragment in message for at, message in found), (line, fragment, found)
    assert all(p.loc.path == PATH for p in problems)
    assert all(p.severity is Severity.ERROR for p in problems)


def test_unknown_option_message_lists_every_known_option() -> None:
    _, problems = parse(["answr: 4", "check: 4"])
    message = next(p.message for p in problems if "answr" in p.message)
    for name in QUIZ_OPTIONS:
        assert name in message


def test_a_quiz_needs_a_question() -> None:
    _, problems = parse(["answer: true"], question="")
    assert [(p.loc.line, "needs its question" in p.message) for p in problems] == [(1, True)]


# -- default tolerance: half a unit of the last decimal written --


@pytest.mark.parametrize(
    ("written", "tol"),
    [
        ("2.3", 0.05),
        ("12", 0.5),
        ("100", 0.5),
        ("19.40", 0.005),
        ("0.963", 0.0005),
        ("-2.30", 0.005),
        ("+7.25", 0.005),
        (".5", 0.05),
        ("  2.3  ", 0.05),
        ("1e-3", 0.0005),
        ("1.5e2", 5.0),
        ("not a number", 0.5),
    ],
)
def test_default_tolerance(written: str, tol: float) -> None:
    assert default_tolerance(written) == pytest.approx(tol, rel=1e-12)


def test_default_tolerance_ignores_a_yaml_comment() -> None:
    quiz = valid(["answer: 2.3  # rounded", "check: x"])
    assert quiz.answer == 2.3
    assert quiz.tol == pytest.approx(0.05)


# -- grading what a check computed --

TRUE_FALSE = ["answer: true", "check: c"]
NUMERIC = ["answer: 2.3", "check: c"]
WIDE = ["answer: 19.4", "tol: 0.1", "check: c"]
CHOICE = ["answer: embedding", "choices: [pixel, embedding, token]", "check: c"]


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        (TRUE_FALSE, True, None),
        (TRUE_FALSE, False, "the quiz's answer is True but its check computes False"),
        (["answer: false", "check: c"], False, None),
        (["answer: false", "check: c"], True, "the quiz's answer is False but its check computes True"),
        (TRUE_FALSE, 1, "the check must compute True or False for a true/false quiz, not 1"),
        (TRUE_FALSE, 0, "the check must compute True or False for a true/false quiz, not 0"),
        (TRUE_FALSE, "true", "the check must compute True or False for a true/false quiz, not 'true'"),
        (TRUE_FALSE, None, "the check must compute True or False for a true/false quiz, not None"),
        (NUMERIC, 2.3, None),
        (NUMERIC, 2.34, None),
        (NUMERIC, 2.26, None),
        (NUMERIC, 2.35, None),
        (NUMERIC, 2.25, None),
        (NUMERIC, 2.36, "the quiz's answer is 2.3 but its check computes 2.36 (tolerance 0.05)"),
        (NUMERIC, 2.24, "the quiz's answer is 2.3 but its check computes 2.24 (tolerance 0.05)"),
        (NUMERIC, 2, "the quiz's answer is 2.3 but its check computes 2 (tolerance 0.05)"),
        (NUMERIC, True, "the check must compute a number for a numeric quiz, not True"),
        (NUMERIC, "2.3", "the check must compute a number for a numeric quiz, not '2.3'"),
        (NUMERIC, None, "the check must compute a number for a numeric quiz, not None"),
        (WIDE, 19.3, None),
        (WIDE, 19.5, None),
        (WIDE, 19.55, "(tolerance 0.1)"),
        (CHOICE, "embedding", None),
        (CHOICE, "pixel", "the quiz's answer is 'embedding' but its check computes 'pixel'"),
        (CHOICE, "Embedding", "the quiz's answer is 'embedding' but its check computes 'Embedding'"),
        (CHOICE, 1, "the quiz's answer is 'embedding' but its check computes 1"),
    ],
)
def test_grade_check(options: list[str], value: object, expected: str | None) -> None:
    why = grade_check(valid(options), value, repr(value))
    if expected is None:
        assert why is None
    else:
        assert why is not None and expected in why


# -- check: the session's result for the quiz's check, as diagnostics --

CHECK_PAGE = "Intro.\n\n/// quiz | What is x?\n    answer: 2.3\n    check: x\nBecause.\n///\n"
# The quiz is at line 3, its check at line 5.
KEY = StepKey(StepKind.CHECK, 0)
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "docs/q.md", line 5, in <module>\n'
    "NameError: name 'x' is not defined\n"
)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        pytest.param(StepResult(KEY, Outcome.OK, value=2.3, value_repr="2.3"), [], id="right"),
        pytest.param(StepResult(KEY, Outcome.OK, value=2.34, value_repr="2.34"), [], id="within-tolerance"),
        pytest.param(
            StepResult(KEY, Outcome.OK, value=3.0, value_repr="3.0"),
            [
                (
                    3,
                    Severity.ERROR,
                    "the quiz's answer is 2.3 but its check computes 3.0 (tolerance 0.05); "
                    "fix the answer or the check",
                )
            ],
            id="wrong-value",
        ),
        pytest.param(
            StepResult(KEY, Outcome.OK, value="2.3", value_repr="'2.3'"),
            [(3, Severity.ERROR, "the check must compute a number for a numeric quiz, not '2.3'")],
            id="wrong-type",
        ),
        pytest.param(
            StepResult(KEY, Outcome.RAISED, exc_type="NameError", error_line=5, traceback=TRACEBACK),
            [(5, Severity.ERROR, "the quiz's check failed: NameError: name 'x' is not defined")],
            id="raised",
        ),
        pytest.param(
            StepResult(KEY, Outcome.RAISED, exc_type="NameError"),
            [(5, Severity.ERROR, "the quiz's check failed: NameError")],
            id="raised-without-line",
        ),
        pytest.param(
            StepResult(KEY, Outcome.NOT_RUN, detail="docs/q.md:1"),
            [(5, Severity.WARNING, "the quiz's check was not run: an earlier block failed")],
            id="not-run",
        ),
        pytest.param(
            StepResult(KEY, Outcome.TIMEOUT, detail="timed out after 60 s"),
            [(5, Severity.ERROR, "the quiz's check did not finish: timed out after 60 s")],
            id="timeout",
        ),
        pytest.param(
            StepResult(KEY, Outcome.DIED, detail="the session's process exited with status 1"),
            [
                (
                    5,
                    Severity.ERROR,
                    "the quiz's check did not finish: the session's process exited with status 1",
                )
            ],
            id="died",
        ),
    ],
)
def test_check(result: StepResult, expected: list[tuple[int, Severity, str]]) -> None:
    page = clean_page(CHECK_PAGE, PATH)
    (quiz,) = page.blocks_of(Quiz)
    found = quiz_grade.check(quiz, check_context(page, [result]))
    assert [(d.loc.line, d.severity) for d in found] == [(line, severity) for line, severity, _ in expected]
    for diagnostic, (_, _, fragment) in zip(found, expected, strict=True):
        assert fragment in diagnostic.message
        assert diagnostic.loc.path == PATH


def test_check_keeps_the_traceback_as_detail() -> None:
    page = clean_page(CHECK_PAGE, PATH)
    result = StepResult(KEY, Outcome.RAISED, exc_type="NameError", error_line=5, traceback=TRACEBACK)
    (diagnostic,) = quiz_grade.check(page.blocks_of(Quiz)[0], check_context(page, [result]))
    assert diagnostic.detail == TRACEBACK


def test_nothing_to_check() -> None:
    """A quiz without a check, or whose check has no result (not run at all), gives nothing."""
    page = clean_page(CHECK_PAGE + _quiz_block("Plain?", "answer: true"), PATH)
    with_check, plain = page.blocks_of(Quiz)
    assert quiz_grade.check(with_check, check_context(page)) == []
    wrong = StepResult(KEY, Outcome.OK, value=False, value_repr="False")
    assert quiz_grade.check(plain, check_context(page, [wrong])) == []


def test_a_result_for_another_quiz_is_not_used() -> None:
    page = clean_page(CHECK_PAGE, PATH)
    other = StepResult(StepKey(StepKind.CHECK, 1), Outcome.OK, value=9.0, value_repr="9.0")
    code = StepResult(StepKey(StepKind.CODE, 0), Outcome.OK, value=9.0, value_repr="9.0")
    assert quiz_grade.check(page.blocks_of(Quiz)[0], check_context(page, [other, code])) == []


# -- markup --


def _markup(options: list[str], index: int = 0) -> str:
    return "\n".join(kind.render(msgspec.structs.replace(valid(options), index=index)))


@pytest.mark.parametrize(
    ("result", "centre"),
    [
        # The reader is graded around what the check computed, not the rounded answer:
        # 2.3 ± 0.05 around 2.26 admits 2.21, which 2.3 ± 0.05 alone would refuse.
        (StepResult(KEY, Outcome.OK, value=2.26, value_repr="2.26"), "2.26"),
        # No usable value (the check failed, or computed no number): the written answer.
        (StepResult(KEY, Outcome.RAISED, value=None, value_repr=""), "2.3"),
        (StepResult(KEY, Outcome.OK, value="x", value_repr="'x'"), "2.3"),
        (StepResult(KEY, Outcome.OK, value=True, value_repr="True"), "2.3"),
        (None, "2.3"),
    ],
)
def test_numeric_quiz_is_graded_around_the_exact_value(result: StepResult | None, centre: str) -> None:
    page = clean_page(CHECK_PAGE, PATH)
    results = [result] if result else []
    # Rendered once the check has run (a notebook page) …
    html = "\n".join(kind.render(page.blocks_of(Quiz)[0], render_context(page, results=results)))
    assert f'data-answer="{centre}" data-tol="0.05"' in html
    # … or before (a Markdown page), and filled in when the results come.
    early = "\n".join(kind.render(page.blocks_of(Quiz)[0], render_context(page)))
    assert 'data-answer="2.3" data-tol="0.05" data-wmbook-centre="quiz-what-is-x"' in early
    late = quiz_grade.fill_centres(early, page.blocks_of(Quiz), {r.key: r for r in results})
    assert f'data-answer="{centre}" data-tol="0.05"' in late
    # Markdown's md_in_html writes the attributes again, in another order.
    sorted_tag = (
        '<section aria-labelledby="x" class="wmbook-quiz" data-answer="2.3" data-kind="numeric" '
        'data-tol="0.05" data-wmbook-centre="quiz-what-is-x" id="quiz-what-is-x">'
    )
    filled = quiz_grade.fill_centres(sorted_tag, page.blocks_of(Quiz), {r.key: r for r in results})
    assert f'data-answer="{centre}" data-kind="numeric"' in filled
    assert ("data-wmbook-centre" in filled) is (centre == "2.3")


def test_true_false_markup() -> None:
    html = _markup(TRUE_FALSE, 2)
    assert 'class="wmbook-quiz" id="quiz-what-is-it" data-kind="truefalse" data-answer="true"' in html
    assert ">Quiz 3</a>" in html
    assert html.count('type="radio" name="value"') == 2
    assert 'value="true"' in html and 'value="false"' in html
    assert '<p class="wmbook-quiz__feedback" role="status" aria-live="polite"></p>' in html
    assert '<details class="wmbook-quiz__explanation" markdown="1">' in html
    assert "<summary>Explanation</summary>" in html and "Because." in html


def test_quizzes_are_numbered_in_page_order() -> None:
    page = clean_page(_quiz_block("A?", "answer: true") + _quiz_block("B?", "answer: false"), PATH)
    numbers = ["".join(kind.render(q)).count(f">Quiz {n}</a>") for n, q in enumerate(page.blocks_of(Quiz), 1)]
    assert numbers == [1, 1]


def test_numeric_markup_has_a_labelled_text_field() -> None:
    html = _markup(NUMERIC)
    assert 'data-kind="numeric" data-answer="2.3" data-tol="0.05"' in html
    assert '<label class="wmbook-quiz__field" for="quiz-what-is-it-value">' in html
    assert '<input id="quiz-what-is-it-value" name="value" type="text" inputmode="decimal"' in html
    assert 'type="radio"' not in html


def test_choice_markup_escapes_the_choices() -> None:
    html = _markup(['answer: "a < b"', 'choices: ["a < b", "c & d", "e"]'])
    assert html.count('type="radio" name="value"') == 3
    assert 'value="a &lt; b"' in html and 'value="c &amp; d"' in html
    assert 'data-answer="a &lt; b"' in html
    assert 'value="a < b"' not in html and 'value="c & d"' not in html
