"""Checks of the reader blocks: quiz answers against their checks, labels, links, citations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from wmbook.blocks.quiz import grade_check
from wmbook.check.diagnose import error_summary
from wmbook.cite.bibliography import Reference
from wmbook.model import Diagnostic, Outcome, PageSource, Severity, SourceLoc, StepResult
from wmbook.parse.reader import ReaderPage


def check_quizzes(page: PageSource, results: Mapping[str, StepResult]) -> list[Diagnostic]:
    """A quiz whose check computes something else than its answer fails the build."""
    reader: ReaderPage = page.reader
    problems: list[Diagnostic] = []
    for quiz in reader.quizzes:
        if quiz.check is None:
            continue
        result = results.get(quiz.check.key)
        if result is None:
            continue
        if result.outcome is Outcome.OK:
            why = grade_check(quiz, result.value, result.value_repr)
            if why:
                problems.append(Diagnostic(quiz.loc, f"{why}; fix the answer or the check"))
        elif result.outcome is Outcome.RAISED:
            where = SourceLoc(page.path, result.error_line or quiz.check.loc.line)
            summary = error_summary(result)
            problems.append(Diagnostic(where, f"the quiz's check failed: {summary}", detail=result.traceback))
        elif result.outcome is Outcome.NOT_RUN:
            problems.append(
                Diagnostic(
                    quiz.check.loc, "the quiz's check was not run: an earlier block failed", Severity.WARNING
                )
            )
        else:
            problems.append(Diagnostic(quiz.check.loc, f"the quiz's check did not finish: {result.detail}"))
    return problems


def _first_places(items: Iterable[Any], what: str, problems: list[Diagnostic]) -> dict[str, SourceLoc]:
    """Where each anchor is first used; a repeat is a diagnostic at the repeat."""
    seen: dict[str, SourceLoc] = {}
    for item in items:
        if item.anchor in seen:
            problems.append(
                Diagnostic(
                    item.loc, f"{item.label} is already the label of the {what} at {seen[item.anchor]}"
                )
            )
        seen.setdefault(item.anchor, item.loc)
    return seen


def check_labels_and_links(page: PageSource) -> list[Diagnostic]:
    """Equation and instrument labels are unique on a page; links to its equations resolve."""
    reader: ReaderPage = page.reader
    problems: list[Diagnostic] = []
    seen = _first_places(reader.equations, "equation", problems)
    _first_places(reader.instruments, "instrument", problems)
    for loc, anchor in reader.equation_links:
        if anchor not in seen:
            known = ", ".join(sorted(seen)) or "none"
            problems.append(
                Diagnostic(loc, f"link to #{anchor}, but this page has no such equation (equations: {known})")
            )
    return problems


def check_citations(
    page: PageSource, bibliography: Mapping[str, Reference], bib_path: str
) -> list[Diagnostic]:
    """Every cited key is in the bibliography; a page that cites has a reference list."""
    reader: ReaderPage = page.reader
    problems: list[Diagnostic] = []
    for loc, keys in reader.citations:
        for key in keys:
            if key not in bibliography:
                problems.append(
                    Diagnostic(loc, f"unknown citation key '{key}'; add it to {bib_path} or fix the key")
                )
    if reader.citations and not reader.reference_lists:
        first = reader.citations[0][0]
        problems.append(
            Diagnostic(
                first, "this page cites works but has no reference list; add '/// references' and '///'"
            )
        )
    return problems
