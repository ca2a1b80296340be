"""Quizzes: true/false, numeric and multiple choice, with answers checked at build time.

Parse (``quiz_parse``, into a ``Quiz``): the ``/// quiz | question`` block and its options.
Steps: its ``check:`` expression, evaluated in its session at the quiz's place.  Check
(``quiz_grade``): the value computed against ``answer``.  Render: the interactive quiz
(``quiz.js``, shipped with ``quiz.css``, grades it in the browser around the centre
``quiz_grade`` works out; ``fill_centres`` sets a numeric quiz's centre once the value is
known).  Notebook: the question, choices and explanation as Markdown.
"""

from __future__ import annotations

from pathlib import Path

from wmbook.kinds.base import BlockKind, ExportContext, PlacedStep, RenderContext, StepContext
from wmbook.kinds.quiz_grade import check, fill_centres, graded_centre
from wmbook.kinds.quiz_parse import Quiz, parse
from wmbook.model import Step
from wmbook.notebook.cells import Cell, markdown_cell
from wmbook.templates import Markup, macros

__all__ = ["KIND", "Quiz", "notebook", "render", "steps"]


def _choices(quiz: Quiz) -> list[tuple[str, str]]:
    """(value, text) of each choice a reader picks from; none for a numeric quiz."""
    if quiz.kind == "truefalse":
        return [("true", "True"), ("false", "False")]
    return [(choice, choice) for choice in quiz.choices]


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
