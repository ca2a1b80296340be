"""Compare a block's printed output with the expected output written under it.

Rules: lines are compared with trailing whitespace removed; a number in the expected
text matches a printed number that rounds to it at the decimals written (or within
``rtol``/``atol`` when given); a line holding only ``...`` matches any number of
lines; ``...`` inside a line matches any text.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
# A number is not part of a word or of a longer number ("mm5", "3.11.7"), but may
# carry a unit ("12.5x", "40ms").
_EDGE_BEFORE = r"(?<![\w.])"
_EDGE_AFTER = r"(?!\d)(?!\.\d)"
_TOKEN = re.compile(rf"(\.\.\.)|{_EDGE_BEFORE}({_NUMBER}){_EDGE_AFTER}")
_ACTUAL_NUMBER = rf"{_EDGE_BEFORE}({_NUMBER}|nan|inf|-inf){_EDGE_AFTER}"
ELLIPSIS = "..."


@dataclass(frozen=True)
class Tolerance:
    """How close a printed number must be to an expected one."""

    rtol: float | None = None
    atol: float | None = None


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    numbers: tuple[str, ...]


@lru_cache(maxsize=4096)
def _compile_line(expected: str) -> _Pattern:
    parts: list[str] = []
    numbers: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(expected):
        parts.append(re.escape(expected[pos : match.start()]))
        if match.group(1):
            parts.append(".*?")
        else:
            parts.append(_ACTUAL_NUMBER)
            numbers.append(match.group(2))
        pos = match.end()
    parts.append(re.escape(expected[pos:]))
    return _Pattern(re.compile("^" + "".join(parts) + "$"), tuple(numbers))


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


def line_matches(expected: str, actual: str, tolerance: Tolerance = Tolerance()) -> bool:
    """Whether one printed line matches one expected line."""
    expected, actual = expected.rstrip(), actual.rstrip()
    if expected == actual:
        return True
    pattern = _compile_line(expected)
    if not pattern.numbers:
        return bool(pattern.regex.match(actual))
    # In-line "..." makes the split ambiguous: try every way the regex can match.
    return _numbers_fit(pattern, actual, tolerance)


def _numbers_fit(pattern: _Pattern, actual: str, tolerance: Tolerance) -> bool:
    match = pattern.regex.match(actual)
    if not match:
        return False
    got = [g for g in match.groups() if g is not None]
    if len(got) == len(pattern.numbers) and all(
        number_matches(want, have, tolerance) for want, have in zip(pattern.numbers, got, strict=True)
    ):
        return True
    if ".*?" not in pattern.regex.pattern:
        return False
    # Rare: a lazy "..." took a split whose numbers do not fit; try the greedy split.
    greedy = re.compile(pattern.regex.pattern.replace(".*?", ".*"))
    match = greedy.match(actual)
    if not match:
        return False
    got = [g for g in match.groups() if g is not None]
    return all(number_matches(w, h, tolerance) for w, h in zip(pattern.numbers, got, strict=True))


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def output_matches(expected: str, actual: str, tolerance: Tolerance = Tolerance()) -> bool:
    """Whether the whole printed output matches the expected text."""
    want, have = _lines(expected), _lines(actual)

    @lru_cache(maxsize=None)
    def fits(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(have)
        if want[i].strip() == ELLIPSIS:
            return any(fits(i + 1, k) for k in range(j, len(have) + 1))
        return j < len(have) and line_matches(want[i], have[j], tolerance) and fits(i + 1, j + 1)

    return fits(0, 0)


def output_diff(expected: str, actual: str, expected_name: str) -> str:
    """A unified diff from the expected text to what was printed."""
    diff = difflib.unified_diff(
        _lines(expected), _lines(actual), fromfile=f"expected ({expected_name})", tofile="printed", lineterm=""
    )
    return "\n".join(diff)


def is_finite_number(text: str) -> bool:
    """Whether ``text`` is a finite number (used by quiz answers too)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
