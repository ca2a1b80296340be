"""What to change when a block raised: the advice that ends its error message.

An example that raises ``NameError``, cannot import or reach the network, does not parse,
awaits at the top level, opens a file the session lacks or passes ``...`` as a placeholder
is most often an illustration written for a reader, not code meant to run at build time:
the advice then offers to stop running it, besides fixing it or declaring the error.
"""

from __future__ import annotations

import re

# The last part of exception names that mean "the network could not be reached" (builtins,
# socket, urllib, requests, httpx, aiohttp …): the build runs without a network.
_NETWORK = re.compile(
    r"(?:^|\.)(?:Connection\w*Error|Connect\w*|\w*ConnectorError|ConnectTimeout|gaierror|herror|"
    r"URLError|HTTPError|NewConnectionError|MaxRetryError|NameResolutionError|ProxyError|"
    r"RemoteDisconnected|SSLError|Timeout|ReadTimeout)$"
)
_IPYTHON = 'add ipython="on" to the fence (or ipython: true to the front matter)'
_NOT_RUN = 'if it only illustrates, mark it exec="off" (or run only marked blocks: execute: marked)'


def is_network_error(exc_type: str) -> bool:
    """Whether an exception's name says the network could not be reached."""
    return bool(_NETWORK.search(exc_type))


def raised_advice(exc_type: str | None, summary: str = "", line: str = "") -> str:
    """What to change about a block that raised ``exc_type`` (its qualified name), given the
    last line of its traceback (``summary``) and the block's line that raised it."""
    if not exc_type:
        return "fix the code"
    declared = f'mark the block raises="{exc_type}"'
    name = exc_type.rpartition(".")[2]
    if name in ("NameError", "UnboundLocalError"):
        fix = "define the name in an earlier block of the same session"
    elif name in ("ModuleNotFoundError", "ImportError"):
        fix = "install the package where the book is built"
    elif is_network_error(exc_type):
        fix = "a build may have no network: use local data"
    elif name == "SyntaxError" and "outside" in summary and ("await" in summary or "async" in summary):
        fix = (
            f"top-level await runs with IPython's semantics: {_IPYTHON} (or wrap the code in an "
            "async function run by asyncio.run())"
        )
    elif name == "SyntaxError" and line.lstrip().startswith(("%", "!")):
        fix = f"a magic or !command is IPython's syntax: {_IPYTHON}"
    elif name == "SyntaxError":
        fix = "fix the syntax (pseudo-code does not parse)"
    elif name == "FileNotFoundError":
        fix = "put the file in the page's folder (relative paths start there, as in Jupyter)"
    elif "ellipsis" in summary.lower():
        fix = "replace the ... placeholder with a real value"
    else:
        return f"fix the code or {declared}"
    return f"{fix}; {_NOT_RUN}; or, if the error is the point, {declared}"
