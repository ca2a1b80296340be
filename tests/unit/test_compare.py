"""Comparing printed output with expected output: rounding, tolerances and ``...``."""

from __future__ import annotations

import pytest

from wmbook.check.compare import Tolerance, line_matches, number_matches, output_diff, output_matches

NONE = Tolerance()


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        ("0.96", "0.96", True),
        ("0.96", "0.9612", True),
        ("0.96", "0.955", True),
        ("0.96", "0.9649", True),
        ("0.96", "0.9651", False),
        ("0.96", "0.9549", False),
        ("0.960", "0.9612", False),
        ("2.3", "2.4", False),
        ("2.3", "2.34", True),
        ("42", "42", True),
        ("42", "43", False),
        ("42", "42.4", True),
        ("42", "42.6", False),
        ("10000", "10001", False),
        ("-0.5", "-0.49", True),
        ("-0.5", "-0.56", False),
        ("-1.2", "1.2", False),
        ("1.2", "-1.2", False),
        ("1e-3", "0.001", True),
        ("1e-3", "0.0014", True),
        ("1e-3", "0.0016", False),
        ("1.0e-3", "1.04e-3", True),
        ("1.0e-3", "1.1e-3", False),
        ("2.5E+2", "250.4", True),
        ("0.5", "nan", False),
        ("0.5", "inf", False),
        ("abc", "1", False),
    ],
)
def test_number_matches(expected: str, actual: str, matches: bool) -> None:
    """A printed number matches when it rounds to the written one at its decimals."""
    assert number_matches(expected, actual, NONE) is matches


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        ("mean: 0.96", "mean: 0.9612", True),
        ("mean: 0.96", "mean: 0.9651", False),
        ("x = 2.3", "x = 2.4", False),
        ("n = 10000", "n = 10000", True),
        ("n = 10000", "n = 9999", False),
        ("delta -0.25", "delta -0.2512", True),
        ("delta -0.25", "delta 0.25", False),
        ("eps 1e-3", "eps 0.001", True),
        ("eps 1e-3", "eps 0.002", False),
        ("speedup 12.5x", "speedup 12.46x", True),
        ("speedup 12.5x", "speedup 12.56x", False),
        ("speedup 12.5x", "speedup 12.5y", False),
        ("took 40ms", "took 40.4ms", True),
        ("took 40ms", "took 41ms", False),
        ("took 40ms", "took 40s", False),
        ("size mm5", "size mm5", True),
        ("size mm5", "size mm6", False),
        ("size mm5", "size mm5.0", False),
        ("Python 3.11", "Python 3.11", True),
        ("Python 3.11", "Python 3.11.7", False),
        ("Python 3.11.7", "Python 3.11.8", False),
        ("Python 3.11.7", "Python 3.11.7", True),
        ("[0.1 0.2]", "[0.1003 0.1998]", True),
        ("[0.1, 0.2]", "[0.1, 0.3]", False),
        ("a=1 b=2", "a=1 b=2 c=3", False),
        ("count 3", "count 3   ", True),
        ("count 3   ", "count 3", True),
        ("  indented", "indented", False),
        ("took ... s", "took 3.2 s", True),
        ("took ... s", "took  s", True),
        ("took ... s", "took 3.2 ms", False),
        ("took ... s", "ran 3.2 s", False),
        ("<...>", "<object at 0x7f3a>", True),
        ("mean 0.96 ... done", "mean 0.9612 (n=3) done", True),
        ("mean 0.96 ... done", "mean 0.99 (n=3) done", False),
        ("a ... b ... c", "a 1 b 2 c", True),
        ("a ... b ... c", "a 1 c 2 b", False),
        ("value: ...", "value: [1, 2, 3]", True),
    ],
)
def test_line_matches(expected: str, actual: str, matches: bool) -> None:
    """Numbers, units, literal words, trailing whitespace and in-line ``...``."""
    assert line_matches(expected, actual) is matches


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("[... 0.5 ...]", "[0.1 0.2 0.5 0.7 0.9]"),
        ("... 5 ...", "1 9 5 8 3"),
    ],
)
def test_line_ellipsis_around_a_middle_number(expected: str, actual: str) -> None:
    """``...`` matches any text, so the written number may sit anywhere in between."""
    assert line_matches(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual", "tolerance", "matches"),
    [
        ("1.0", "1.09", Tolerance(rtol=0.1), True),
        ("1.0", "1.2", Tolerance(rtol=0.1), False),
        ("100", "104", Tolerance(rtol=0.05), True),
        ("100", "106", Tolerance(rtol=0.05), False),
        ("100", "104.9", Tolerance(atol=5), True),
        ("100", "106", Tolerance(atol=5), False),
        # Explicit tolerance replaces rounding, in both directions.
        ("0.96", "0.9612", Tolerance(atol=0.001), False),
        ("0.96", "0.9605", Tolerance(atol=0.001), True),
        ("2", "2.4", Tolerance(atol=0.1), False),
        ("2", "2.9", Tolerance(atol=1), True),
        ("5", "5", Tolerance(rtol=0.0, atol=0.0), True),
        ("5", "5.0000001", Tolerance(rtol=0.0, atol=0.0), False),
        ("10", "10.6", Tolerance(rtol=0.01, atol=0.5), True),
        ("10", "10.7", Tolerance(rtol=0.01, atol=0.5), False),
        ("1.0", "nan", Tolerance(rtol=1.0), False),
    ],
)
def test_tolerances(expected: str, actual: str, tolerance: Tolerance, matches: bool) -> None:
    """rtol/atol, when given, decide instead of the written decimals."""
    assert number_matches(expected, actual, tolerance) is matches
    assert line_matches(f"loss {expected}", f"loss {actual}", tolerance) is matches
    assert output_matches(f"loss {expected}\n", f"loss {actual}\n", tolerance) is matches


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        ("a\nb", "a\nb", True),
        ("a\nb", "a  \nb\t", True),
        ("a  \nb", "a\nb", True),
        ("\n\na\nb\n\n", "a\nb", True),
        ("a\nb", "\n\na\nb\n\n\n", True),
        ("a\n\nb", "a\nb", False),
        ("a\nb", "a\nc", False),
        ("a", "a\nb", False),
        ("a\nb", "a", False),
        ("", "", True),
        ("", "something", False),
        ("...\nz", "x\ny\nz", True),
        ("...\nz", "z", True),
        ("...\nz", "x\ny", False),
        ("a\n...\nz", "a\nz", True),
        ("a\n...\nz", "a\n1\n2\nz", True),
        ("a\n...\nz", "a\n1\n2\ny", False),
        ("a\n...", "a", True),
        ("a\n...", "a\nb\nc", True),
        ("a\n...", "b\nc", False),
        ("...", "", True),
        ("...", "anything\nat all", True),
        ("...\nb\n...\nd\n...", "a\nb\nc\nd\ne", True),
        ("...\nb\n...\nd\n...", "b\nd", True),
        ("...\nb\n...\nd\n...", "a\nc\nd", False),
        ("...\nb\n...\nd\n...", "d\nb", False),
        ("    ...\nz", "q\nz", True),
        ("mean 0.96\n...\ndone", "mean 0.9612\nx\ndone", True),
        ("mean 0.96\n...\ndone", "mean 0.97\nx\ndone", False),
    ],
)
def test_output_matches(expected: str, actual: str, matches: bool) -> None:
    """Whole outputs: blank edges and trailing whitespace ignored, ``...`` lines skip lines."""
    assert output_matches(expected, actual) is matches


@pytest.mark.parametrize("lines", [1000, 5000])
def test_long_output_matches(lines: int) -> None:
    """A long printed table is compared like a short one."""
    text = "\n".join(f"row {i}: {i / 7:.3f}" for i in range(lines))
    assert output_matches(text, text)
    assert output_matches("...\n" + text.split("\n")[-1], text)


def test_short_output_matches_line_by_line() -> None:
    """Outputs of a few hundred lines compare fine."""
    text = "\n".join(f"row {i}: {i / 7:.3f}" for i in range(200))
    assert output_matches(text, text)
    assert not output_matches(text, text.replace("row 150", "row 151"))


def test_output_diff() -> None:
    """The diff names the expected fence and marks removed and added lines."""
    diff = output_diff("a\nb\nc\n", "a\nB\nc\n", "docs/p.md:12")
    lines = diff.split("\n")
    assert lines[0] == "--- expected (docs/p.md:12)"
    assert lines[1] == "+++ printed"
    assert "-b" in lines
    assert "+B" in lines
    assert " a" in lines


def test_output_diff_ignores_blank_edges() -> None:
    """Trailing whitespace and blank edges are not reported as differences."""
    diff = output_diff("\na  \nb\n", "a\nb\n\n", "docs/p.md:3")
    assert diff == ""
