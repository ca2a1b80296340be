"""The registry of block kinds: each kind's parse, check and render live in one module.

=============  ==========================  ==========================================
kind           written as                  module
=============  ==========================  ==========================================
code           ```python / py / python3    ``wmbook.kinds.code`` (record ``code_block``,
               (markdown-exec: pycon, md,  parse ``code_parse``)
               bash, sh, console; MyST:
               {code-cell})
output         ```output after code        ``wmbook.kinds.output``
quiz           /// quiz | question         ``wmbook.kinds.quiz``
equation       /// equation | EQ A.1       ``wmbook.kinds.equation``
instrument     /// instrument | MM5.1      ``wmbook.kinds.instrument``
references     /// references              ``wmbook.kinds.references``
tree           ```tree (markdown-exec's)   ``wmbook.kinds.tree``
=============  ==========================  ==========================================
"""

from __future__ import annotations

from typing import Any

from wmbook.kinds import code, equation, instrument, output, quiz, references, tree
from wmbook.kinds.base import BlockKind
from wmbook.kinds.code import CodeBlock
from wmbook.kinds.equation import Equation
from wmbook.kinds.instrument import InstrumentBlock
from wmbook.kinds.output import ExpectedOutput, OutputRewrite
from wmbook.kinds.quiz import Quiz
from wmbook.kinds.references import ReferenceList
from wmbook.kinds.tree import TreeBlock

KINDS: tuple[BlockKind[Any], ...] = (
    code.KIND,
    output.KIND,
    quiz.KIND,
    equation.KIND,
    instrument.KIND,
    references.KIND,
    tree.KIND,
)
BY_FENCE: dict[str, BlockKind[Any]] = {lang: kind for kind in KINDS for lang in kind.fences}
BY_BLOCK: dict[str, BlockKind[Any]] = {name: kind for kind in KINDS for name in kind.blocks}
BY_RECORD: dict[type, BlockKind[Any]] = {kind.record: kind for kind in KINDS}

Block = CodeBlock | ExpectedOutput | Quiz | Equation | InstrumentBlock | ReferenceList | TreeBlock

__all__ = [
    "BY_BLOCK",
    "BY_FENCE",
    "BY_RECORD",
    "KINDS",
    "Block",
    "BlockKind",
    "CodeBlock",
    "Equation",
    "ExpectedOutput",
    "InstrumentBlock",
    "OutputRewrite",
    "Quiz",
    "ReferenceList",
    "TreeBlock",
]
