"""Parse stage of quizzes: a ``/// quiz | question`` block and its options, validated into
a ``Quiz`` (its kind, from its answer and choices; a numeric quiz's tolerance; its ``check:``
expression; an anchor unique on the page).  The kind itself is ``wmbook.kinds.quiz``."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

import msgspec

from wmbook.kinds.base import ParseContext, region_of
from wmbook.model import Diagnostic, Region, SourceLoc, StepKey, StepKind
from wmbook.parse.block_options import BlockOptions, read_options, slugify
from wmbook.parse.blocks import RawBlock

QUIZ_OPTIONS = ("answer", "check", "tol", "choices", "session", "id")


class QuizCheck(msgspec.Struct, frozen=True):
    """A quiz's ``check:``: an expression evaluated in a session at the quiz's place."""

    key: StepKey
    loc: SourceLoc
    session: str
    expression: str


class Quiz(msgspec.Struct, frozen=True):
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
