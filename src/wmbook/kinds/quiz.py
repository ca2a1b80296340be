"""Quizzes: true/false, numeric and multiple choice, with answers checked at build time.

Parse: the ``/// quiz | question`` block and its options.  Steps: its ``check:``
expression, evaluated in its session at the quiz's place.  Check: the value computed
against ``answer``.  Render: the interactive quiz (``quiz.js``, shipped with ``quiz.css``,
grades it in the browser; ``fill_centres`` sets a numeric quiz's centre once the value is
known).
Notebook: the question, choices and explanation as Markdown.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from wmbook.check.steps import error_summary
from wmbook.kinds.base import (
    BlockKind,
    CheckContext,
    ExportContext,
    ParseContext,
    PlacedStep,
    RenderContext,
    StepContext,
    region_of,
)
from wmbook.model import Diagnostic, Outcome, Region, Severity, SourceLoc, Step, StepKey, StepKind, StepResult
from wmbook.notebook.cells import Cell, markdown_cell
from wmbook.parse.block_options import BlockOptions, read_options, slugify
from wmbook.parse.blocks import RawBlock
from wmbook.templates import Markup, macros

QUIZ_OPTIONS = ("answer", "check", "tol", "choices", "session", "id")


@dataclass(frozen=True)
class QuizCheck:
    """A quiz's ``check:``: an expression evaluated in a session at the quiz's place."""

    key: StepKey
    loc: SourceLoc
    session: str
    expression: str


@dataclass(frozen=True)
class Quiz:
    """A validated quiz."""

    region: Region
    loc: SourceLoc
    index: int  # position among the page's quizzes
    kind: str  # "truefalse" | "numeric" | "choice"
    question: str
    answer: bool | float | str
    tol: float  # numeric only
    choices: tuple[str, ...]
    check: QuizCheck | None
    anchor: str
    content: tuple[str, ...]  # the explanation, Markdown


def default_tolerance(written: str) -> float:
    """Half a unit in the last decimal written: '2.3' -> 0.05, '12' -> 0.5."""
    try:
        exponent = Decimal(written.strip()).as_tuple().exponent
    except InvalidOperation:
        return 0.5
    assert isinstance(exponent, int)
    return 0.5 * 10.0**exponent


def _numeric_tolerance(raw: RawBlock, options: BlockOptions, path: str, problems: list[Diagnostic]) -> float:
    """A numeric quiz's tolerance (``tol:``, else half a unit of the answer's last digit)."""
    values, at = options.values, SourceLoc(path, raw.start)
    answer = values["answer"]
    if not math.isfinite(answer):
        problems.append(
            Diagnostic(options.loc(path, "answer", raw.start), "the answer must be a finite number")
        )
    tol = default_tolerance(options.written.get("answer", str(answer)))
    if "tol" in values:
        given = values["tol"]
        if isinstance(given, bool) or not isinstance(given, int | float) or given < 0:
            problems.append(Diagnostic(options.loc(path, "tol", raw.start), "'tol' must be a number >= 0"))
        else:
            tol = float(given)
    if "check" not in values:
        problems.append(
            Diagnostic(at, "a numeric quiz needs 'check:', a Python expression computing its answer")
        )
    if values.get("choices") is not None:
        problems.append(Diagnostic(at, "a numeric quiz takes no 'choices'"))
    return tol


def _choice_problems(raw: RawBlock, options: BlockOptions, path: str) -> list[Diagnostic]:
    """What is wrong with a multiple-choice quiz's choices and answer."""
    answer, choices = options.values["answer"], options.values["choices"]
    if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) for c in choices):
        return [
            Diagnostic(
                options.loc(path, "choices", raw.start), "'choices' must be a list of two or more texts"
            )
        ]
    if len(set(choices)) != len(choices):
        return [Diagnostic(options.loc(path, "choices", raw.start), "'choices' has a repeated entry")]
    if answer not in choices:
        message = f"the answer {answer!r} is not one of the choices"
        return [Diagnostic(options.loc(path, "answer", raw.start), message)]
    return []


def _kind(
    raw: RawBlock, options: BlockOptions, path: str, problems: list[Diagnostic]
) -> tuple[str, float] | None:
    """The quiz's kind (from its answer and choices) and numeric tolerance; None, with the
    problem said, for an answer of no kind."""
    values = options.values
    answer, choices = values["answer"], values.get("choices")
    if isinstance(answer, bool):
        if choices is not None or "tol" in values:
            problems.append(
                Diagnostic(SourceLoc(path, raw.start), "a true/false quiz takes no 'choices' or 'tol'")
            )
        return "truefalse", 0.0
    if isinstance(answer, int | float):
        return "numeric", _numeric_tolerance(raw, options, path, problems)
    if isinstance(answer, str) and choices is not None:
        problems += _choice_problems(raw, options, path)
        return "choice", 0.0
    message = "'answer' must be true/false, a number, or (with 'choices:') the text of the right choice"
    problems.append(Diagnostic(options.loc(path, "answer", raw.start), message))
    return None


def _check(
    raw: RawBlock, options: BlockOptions, path: str, index: int, problems: list[Diagnostic]
) -> QuizCheck | None:
    """The quiz's ``check:`` expression, evaluated where the quiz is, if it has one."""
    values = options.values
    if "check" not in values:
        return None
    expression = values["check"]
    if isinstance(expression, bool | int | float):
        # YAML read a Python expression as a scalar (`check: True`, `check: 1_000`): as written.
        expression = options.written.get("check", str(expression))
    if not isinstance(expression, str) or not expression.strip():
        problems.append(
            Diagnostic(options.loc(path, "check", raw.start), "'check' must be a Python expression")
        )
        return None
    session = str(values.get("session", "main"))
    line = options.lines.get("check", raw.start)
    return QuizCheck(StepKey(StepKind.CHECK, index), SourceLoc(path, line), session, str(expression))


def _anchor(
    raw: RawBlock, options: BlockOptions, path: str, ctx: ParseContext, problems: list[Diagnostic]
) -> str:
    """The quiz's anchor: its ``id``, else made from its question, unique on the page."""
    values = options.values
    anchor = str(values.get("id") or "quiz-" + "-".join(slugify(raw.argument).split("-")[:6]))
    # Quizzes whose questions start alike get -2, -3 … so every anchor is unique.
    used = {b.anchor for b in ctx.blocks if isinstance(b, Quiz)}
    if "id" in values and anchor in used:
        message = f"the quiz id {anchor!r} is already used on this page; give each quiz its own id"
        problems.append(Diagnostic(options.loc(path, "id", raw.start), message))
    unique, count = anchor, 1
    while unique in used:
        count += 1
        unique = f"{anchor}-{count}"
    return unique


def parse(raw: RawBlock, ctx: ParseContext) -> tuple[Quiz | None, list[Diagnostic]]:
    """Validate one quiz block; every problem is a diagnostic at its line."""
    path, index = ctx.path, ctx.count(Quiz)
    options, problems = read_options(raw, path, QUIZ_OPTIONS)
    values = options.values
    at = SourceLoc(path, raw.start)
    if not raw.argument:
        problems.append(Diagnostic(at, "a quiz needs its question after '|': /// quiz | The question?"))
    if "answer" not in values:
        problems.append(Diagnostic(at, "this quiz has no 'answer:' option"))
        return None, problems
    answer = values["answer"]
    found = _kind(raw, options, path, problems)
    if found is None:
        return None, problems
    kind, tol = found
    choices = values.get("choices")
    quiz = Quiz(
        region_of(ctx.lines, raw.start, raw.end),
        at,
        index,
        kind,
        raw.argument,
        answer,
        tol,
        tuple(choices or ()),
        _check(raw, options, path, index, problems),
        _anchor(raw, options, path, ctx, problems),
        raw.content,
    )
    return quiz, problems


def check(quiz: Quiz, ctx: CheckContext) -> list[Diagnostic]:
    """A quiz whose check computes something else than its answer fails the build."""
    if quiz.check is None:
        return []
    result = ctx.results.get(quiz.check.key)
    if result is None:
        return []
    if result.outcome is Outcome.OK:
        why = grade_check(quiz, result.value, result.value_repr)
        return [Diagnostic(quiz.loc, f"{why}; fix the answer or the check")] if why else []
    if result.outcome is Outcome.RAISED:
        where = SourceLoc(quiz.loc.path, result.error_line or quiz.check.loc.line)
        summary = error_summary(result)
        return [Diagnostic(where, f"the quiz's check failed: {summary}", detail=result.traceback)]
    if result.outcome is Outcome.NOT_RUN:
        message = "the quiz's check was not run: an earlier block failed"
        return [Diagnostic(quiz.check.loc, message, Severity.WARNING)]
    return [Diagnostic(quiz.check.loc, f"the quiz's check did not finish: {result.detail}")]


def grade_check(quiz: Quiz, value: object, value_repr: str) -> str | None:
    """Why the value computed by the quiz's check disagrees with its answer, or None."""
    if quiz.kind == "truefalse":
        if not isinstance(value, bool):
            return f"the check must compute True or False for a true/false quiz, not {value_repr}"
        if value != quiz.answer:
            return f"the quiz's answer is {quiz.answer} but its check computes {value}"
        return None
    if quiz.kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"the check must compute a number for a numeric quiz, not {value_repr}"
        assert isinstance(quiz.answer, int | float)
        if abs(value - quiz.answer) > quiz.tol + 1e-12:
            return f"the quiz's answer is {quiz.answer} but its check computes {value_repr} (tolerance {quiz.tol:g})"
        return None
    if value != quiz.answer:
        return f"the quiz's answer is {quiz.answer!r} but its check computes {value_repr}"
    return None


def _choices(quiz: Quiz) -> list[tuple[str, str]]:
    """(value, text) of each choice a reader picks from; none for a numeric quiz."""
    if quiz.kind == "truefalse":
        return [("true", "True"), ("false", "False")]
    return [(choice, choice) for choice in quiz.choices]


def exact_value(quiz: Quiz, results: Mapping[StepKey, StepResult]) -> float | None:
    """The number a numeric quiz's check computed, if it computed one."""
    if quiz.kind != "numeric" or quiz.check is None:
        return None
    result = results.get(quiz.check.key)
    value = result.value if result is not None and result.outcome is Outcome.OK else None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _centre_marker(quiz: Quiz) -> str:
    return f' data-wmbook-centre="{html.escape(quiz.anchor)}"'


def graded_centre(quiz: Quiz, ctx: RenderContext | None) -> tuple[bool | float | str, str]:
    """What a reader's answer is compared with, and a marker for filling it in later.

    A numeric quiz is graded around the exact value its check computed (so the tolerance is
    centred on the truth, not on the rounded answer written on the page).  A page's
    Markdown is rendered before its sessions end: then the written answer stands in, with a
    marker that ``fill_centres`` replaces once the value is known.
    """
    if quiz.kind == "truefalse":
        return ("true" if quiz.answer else "false"), ""
    value = exact_value(quiz, ctx.results) if ctx is not None else None
    if value is not None:
        return value, ""
    return quiz.answer, _centre_marker(quiz) if quiz.kind == "numeric" and quiz.check else ""


def fill_centres(content: str, quizzes: Iterable[Quiz], results: Mapping[StepKey, StepResult]) -> str:
    """Each numeric quiz's grading centre set to its check's exact value, in the page's HTML."""
    for quiz in quizzes:
        value = exact_value(quiz, results)
        if value is None:
            continue
        # The quiz's opening tag, wherever Markdown put its attributes (md_in_html sorts them).
        marker = _centre_marker(quiz)
        found = re.search(r"<section\b[^>]*" + re.escape(marker) + r"[^>]*>", content)
        if found is None:
            continue
        opening = re.sub(
            r'\bdata-answer="[^"]*"', f'data-answer="{value!r}"', found.group(0).replace(marker, "")
        )
        content = content[: found.start()] + opening + content[found.end() :]
    return content


def render(quiz: Quiz, ctx: RenderContext | None = None) -> list[str]:
    """Markdown lines (raw HTML around Markdown content) replacing the block."""
    number = quiz.index + 1
    answer, marker = graded_centre(quiz, ctx)
    html_of = macros("quiz.html")
    explanation = list(quiz.content)
    return [
        str(html_of.start(quiz.anchor, quiz.kind, str(answer), repr(quiz.tol), Markup(marker))),
        str(html_of.label(quiz.anchor, number)),
        "",
        str(html_of.question(Markup(quiz.question))),
        "",
        str(html_of.form(quiz.anchor, quiz.kind, _choices(quiz))),
        "",
        *(
            [
                *str(html_of.explanation_start()).split("\n"),
                "",
                *explanation,
                "",
                str(html_of.explanation_end()),
            ]
            if "".join(explanation).strip()
            else []
        ),
        str(html_of.end()),
    ]


def steps(quiz: Quiz, ctx: StepContext) -> list[PlacedStep]:
    """The quiz's ``check:`` expression, evaluated in its session where the quiz is."""
    if quiz.check is None:
        return []
    check = quiz.check
    return [
        PlacedStep(
            check.loc.line,
            check.session,
            Step(check.key, check.expression, check.loc.line, ctx.timeout, evaluate=True),
        )
    ]


def notebook(quiz: Quiz, ctx: ExportContext) -> list[Cell]:
    """The question, its choices, and the answer with the explanation folded away."""
    lines = [f"**Quiz {quiz.index + 1}.** {quiz.question}", ""]
    if quiz.kind == "truefalse":
        lines.append("True or false?")
    elif quiz.kind == "choice":
        lines += [f"- {choice}" for choice in quiz.choices]
    answer = ("true" if quiz.answer else "false") if quiz.kind == "truefalse" else str(quiz.answer)
    parts = macros("quiz.html")
    lines += [
        "",
        str(parts.answer_start()),
        "",
        f"**{answer}**",
        "",
        *quiz.content,
        "",
        str(parts.answer_end()),
    ]
    return [markdown_cell(ctx.cite("\n".join(lines)))]


KIND = BlockKind(
    name="quiz",
    record=Quiz,
    blocks=("quiz",),
    parse=parse,
    steps=steps,
    check=check,
    render=render,
    finish=fill_centres,
    notebook=notebook,
    files=(Path(__file__).with_name("quiz.css"), Path(__file__).with_name("quiz.js")),
)
