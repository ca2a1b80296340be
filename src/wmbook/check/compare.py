"""Compare a block's printed output with the expected output written under it.

Rules: lines are compared with trailing whitespace removed; a number in the expected
text matches a printed number that rounds to it at the decimals written (or within
``rtol``/``atol`` when given); a line holding only ``...`` matches any number of
lines; ``...`` inside a line matches any text.
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import msgspec

_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
# A number is not part of a word or of a longer number ("mm5", "3.11.7"), but may
# carry a unit ("12.5x", "40ms").
_EDGE_BEFORE = r"(?<![\w.])"
_EDGE_AFTER = r"(?!\d)(?!\.\d)"
_TOKEN = re.compile(rf"(\.\.\.)|{_EDGE_BEFORE}({_NUMBER}){_EDGE_AFTER}")
_ACTUAL_NUMBER = rf"{_EDGE_BEFORE}({_NUMBER}|nan|inf|-inf){_EDGE_AFTER}"
ELLIPSIS = "..."


class Tolerance(msgspec.Struct, frozen=True):
    """How close a printed number must be to an expected one."""

    rtol: float | None = None
    atol: float | None = None


DEFAULT_TOLERANCE = Tolerance()  # numbers as printed: the defaults of ``number_matches``


@lru_cache(maxsize=4096)
def _tokens(expected: str) -> tuple[tuple[str, str], ...]:
    """Expected line as ("text", s), ("any", "...") and ("number", s) tokens."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    for match in _TOKEN.finditer(expected):
        if match.start() > pos:
            tokens.append(("text", expected[pos : match.start()]))
        tokens.append(("any", ELLIPSIS) if match.group(1) else ("number", match.group(2)))
        pos = match.end()
    if pos < len(expected):
        tokens.append(("text", expected[pos:]))
    return tuple(tokens)


_ACTUAL_AT = re.compile(_ACTUAL_NUMBER)


def number_matches(expected: str, actual: str, tolerance: Tolerance) -> bool:
    """Whether a printed number ``actual`` is close enough to the written ``expected``."""
    try:
        want = Decimal(expected)
        got = Decimal(actual)
    except InvalidOperation:
        return False
    if not got.is_finite():
        return False
    if tolerance.rtol is not None or tolerance.atol is not None:
        diff = abs(float(got) - float(want))
        return diff <= (tolerance.atol or 0.0) + (tolerance.rtol or 0.0) * abs(float(want))
    # Half a unit in the last place written: 0.96 admits [0.955, 0.965].
    exponent = want.as_tuple().exponent
    assert isinstance(exponent, int)
    half_unit = Decimal(5) * Decimal(10) ** (exponent - 1)
    return abs(got - want) <= half_unit


def line_matches(expected: str, actual: str, tolerance: Tolerance = DEFAULT_TOLERANCE) -> bool:
    """Whether one printed line matches one expected line."""
    expected, actual = expected.rstrip(), actual.rstrip()
    if expected == actual:
        return True
    tokens = _tokens(expected)
    # Every way an in-line "..." can split the line is tried, each (token, position) once.
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        t, p = stack.pop()
        if (t, p) in seen:
            continue
        seen.add((t, p))
        if t == len(tokens):
            if p == len(actual):
                return True
            continue
        kind, value = tokens[t]
        if kind == "text":
            if actual.startswith(value, p):
                stack.append((t + 1, p + len(value)))
        elif kind == "any":
            stack.extend((t + 1, q) for q in range(p, len(actual) + 1))
        else:
            match = _ACTUAL_AT.match(actual, p)
            if match and number_matches(value, match.group(1), tolerance):
                stack.append((t + 1, match.end()))
    return False


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def output_matches(expected: str, actual: str, tolerance: Tolerance = DEFAULT_TOLERANCE) -> bool:
    """Whether the whole printed output matches the expected text."""
    want, have = _lines(expected), _lines(actual)
    # reachable[j]: the expected lines so far can match exactly the first j printed lines.
    reachable = [True] + [False] * len(have)
    for line in want:
        if line.strip() == ELLIPSIS:
            for j in range(1, len(have) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
            continue
        step = [False] * (len(have) + 1)
        for j in range(len(have)):
            if reachable[j] and line_matches(line, have[j], tolerance):
                step[j + 1] = True
        reachable = step
    return reachable[len(have)]


def output_diff(expected: str, actual: str, expected_name: str) -> str:
    """A unified diff from the expected text to what was printed."""
    diff = difflib.unified_diff(
        _lines(expected),
        _lines(actual),
        fromfile=f"expected ({expected_name})",
        tofile="printed",
        lineterm="",
    )
    return "\n".join(diff)
