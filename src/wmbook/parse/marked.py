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


def is_marked(info: str) -> bool:
    """Whether a fence's options mark it to run (``exec="on"``, ``"1"``, ``"true"``, ``"yes"``)."""
    value = exec_value(info)
    return value is not None and exec_flag(value) is True


def fence_runs(info: str, mode: ExecuteMode) -> bool:
    """Whether a python fence with these options runs on a page in this mode."""
    if mode is ExecuteMode.NONE:
        return False
    value = exec_value(info)
    flag = None if value is None else exec_flag(value)
    if mode is ExecuteMode.MARKED:
        return flag is True
    return flag is not False
