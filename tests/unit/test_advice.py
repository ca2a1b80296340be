"""The advice that ends the message of a block that raised."""

from __future__ import annotations

import pytest

from wmbook.check.advice import is_network_error, raised_advice


@pytest.mark.parametrize(
    "exc_type",
    [
        "NameError",
        "UnboundLocalError",
        "ModuleNotFoundError",
        "ImportError",
        "ConnectionError",
        "ConnectionRefusedError",
        "socket.gaierror",
        "urllib.error.URLError",
        "requests.exceptions.ConnectionError",
        "httpx.ConnectError",
        "aiohttp.client_exceptions.ClientConnectorError",
    ],
)
def test_illustration_errors_offer_not_running(exc_type: str) -> None:
    """Errors typical of an illustrative snippet offer exec="off" and execute: marked besides raises=."""
    advice = raised_advice(exc_type)
    assert 'exec="off"' in advice
    assert "execute: marked" in advice
    assert f'raises="{exc_type}"' in advice


@pytest.mark.parametrize("exc_type", ["ValueError", "ZeroDivisionError", "KeyError", "json.JSONDecodeError"])
def test_other_errors_ask_for_a_fix(exc_type: str) -> None:
    """A real bug is not told to stop running."""
    advice = raised_advice(exc_type)
    assert advice == f'fix the code or mark the block raises="{exc_type}"'
    assert "exec=" not in advice


@pytest.mark.parametrize(
    ("exc_type", "summary", "fix"),
    [
        ("SyntaxError", "SyntaxError: 'await' outside function", "asyncio.run()"),
        ("SyntaxError", "SyntaxError: 'async with' outside async function", "asyncio.run()"),
        ("SyntaxError", "SyntaxError: invalid syntax", "pseudo-code"),
        ("FileNotFoundError", "FileNotFoundError: [Errno 2] No such file or directory", "page's folder"),
        ("TypeError", "TypeError: Invalid type for url, got <class 'ellipsis'>: Ellipsis", "placeholder"),
    ],
)
def test_placeholders_and_pseudo_code_offer_not_running(exc_type: str, summary: str, fix: str) -> None:
    advice = raised_advice(exc_type, summary)
    assert fix in advice
    assert 'exec="off"' in advice


def test_advice_names_the_fix() -> None:
    """Each kind says what would make the block run."""
    assert "earlier block" in raised_advice("NameError")
    assert "install the package" in raised_advice("ModuleNotFoundError")
    assert "network" in raised_advice("socket.gaierror")
    assert raised_advice(None) == "fix the code"


@pytest.mark.parametrize(
    ("exc_type", "network"),
    [
        ("ConnectionResetError", True),
        ("ConnectionAbortedError", True),
        ("OSError", False),
        ("KeyError", False),
    ],
)
def test_network_names(exc_type: str, network: bool) -> None:
    assert is_network_error(exc_type) is network


@pytest.mark.parametrize(
    ("summary", "line"),
    [
        ("SyntaxError: invalid syntax", "%matplotlib inline"),
        ("SyntaxError: invalid syntax", "  !ls data"),
        ("SyntaxError: 'await' outside function", "result = await fetch()"),
    ],
)
def test_ipython_syntax_offers_ipython_semantics(summary: str, line: str) -> None:
    advice = raised_advice("SyntaxError", summary, line)
    assert 'ipython="on"' in advice and 'exec="off"' in advice


def test_a_plain_syntax_error_does_not_offer_ipython() -> None:
    assert "ipython" not in raised_advice("SyntaxError", "SyntaxError: invalid syntax", "x = (1,")
