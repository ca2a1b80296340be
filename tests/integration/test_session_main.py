"""A session's namespace is its ``__main__`` module, as a script's is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import build_site

PAGE = """# Main

```python
import dataclasses
import pickle
import sys
import typing


@dataclasses.dataclass
class Point:
    x: "Coordinate"


Coordinate = int
print("hint:", typing.get_type_hints(Point)["x"].__name__)
print("pickled:", pickle.loads(pickle.dumps(Point(3))).x)
print("package:", sys.modules["__main__"].__package__)
```
"""


def test_names_of_a_block_are_found_in_main(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    """pickle and typing look a block's classes up in __main__; a CLI names its program from
    it: they see the block's names, not the worker server's module."""
    root = fixture_site("myst")
    (root / "docs" / "main.md").write_text(PAGE, encoding="utf-8")
    built = build_site(root, caplog)
    assert not built.failed, built.messages
    page = built.html("main")
    assert "hint: int" in page and "pickled: 3" in page and "package: None" in page
