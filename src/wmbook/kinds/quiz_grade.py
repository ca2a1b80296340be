"""A quiz's answers: its ``check:`` expression's value against the answer written on the page
(at build time, a diagnostic when they disagree), and the value a reader's answer is graded
around in the browser (a numeric quiz: the exact value its check computed).  The kind itself is
``wmbook.kinds.quiz``."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping

from wmbook.check.steps import error_summary
from wmbook.kinds.base import CheckContext, RenderContext
from wmbook.kinds.quiz_parse import Quiz
from wmbook.model import Diagnostic, Outcome, Severity, SourceLoc, StepKey, StepResult


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
