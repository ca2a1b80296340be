"""Which fences are marked to run, and what a page's ``execute`` setting makes of them.

A fence is *marked to run* when its options say ``exec="on"`` or one of markdown-exec's
spellings of yes (``exec="1"``, ``"true"``, ``"yes"``).  With ``execute: marked`` only
marked fences run; with ``execute: all`` (the default) every python fence runs unless
it says ``exec="off"`` (or ``"0"``, ``"false"``, ``"no"``).
"""

from __future__ import annotations

import enum
import re

TRUE_WORDS = ("on", "1", "true", "yes")
FALSE_WORDS = ("off", "0", "false", "no")
# The exec option in a fence's info string, quoted or not (the full reader is options.py).
_KEY = re.compile(r"""(?:^|\s)([A-Za-z_][\w-]*)\s*=""")
RUN_OPTIONS = ("exec", "session", "timeout", "raises", "run", "figure", "caption")
_EXEC = re.compile(r"""(?:^|\s)exec\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")


class ExecuteMode(enum.Enum):
    """Which python fences of a page run."""

    ALL = "all"  # every fence not marked exec="off"
    MARKED = "marked"  # only fences marked to run
    NONE = "none"  # none (front matter ``execute: false``, or a page matched by ``exclude:``)


def exec_flag(value: str) -> bool | None:
    """The truth an ``exec=`` value spells; None when it spells neither."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def exec_value(info: str) -> str | None:
    """The ``exec=`` value written in a fence's info string, if any."""
    match = _EXEC.search(info)
    return None if match is None else next(v for v in match.groups() if v is not None)


def has_run_options(info: str) -> bool:
    """Whether a fence's info string holds options about running it (``exec=``, ``session=``
    …), which Markdown's own fences do not understand."""
    return any(key in RUN_OPTIONS for key in _KEY.findall(info))


def is_marked(info: str) -> bool:
    """Whether a fence's options mark it to run (``exec="on"``, ``"1"``, ``"true"``, ``"yes"``)."""
    value = exec_value(info)
    return value is not None and exec_flag(value) is True


def claims_fence(info: str, mode: ExecuteMode) -> bool:
    """Whether wmbook reads a python fence with these options on a page in this mode.

    With ``all`` it reads every one (an ``exec="off"`` fence is then shown, not run);
    with ``marked`` the marked ones, and those whose ``exec=`` is misspelt (so the typo
    is reported); with ``none`` no fence.  A fence not read is left to Markdown as written.
    """
    if mode is ExecuteMode.ALL:
        return True
    if mode is ExecuteMode.NONE:
        return False
    value = exec_value(info)
    return value is not None and exec_flag(value) is not False


def mode_override(value: object) -> ExecuteMode | None:
    """The mode a page's ``wmbook: {execute: …}`` asks for; None if the value means nothing."""
    if value is False:
        return ExecuteMode.NONE
    if value is True:
        return ExecuteMode.ALL
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("all", "marked"):
            return ExecuteMode(word)
        if word in ("none", "false", "off", "no"):
            return ExecuteMode.NONE
    return None
