"""Folded blocks (``code="folded"``): the source is collapsed behind a ``<details>`` on the
page, but the block runs, is checked and is cached like any other, and the in-browser runner
gets its whole source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import SiteBuild, build_site, build_strict
from .test_figure_labels import _reported, _site  # a book with the runner

GOOD = """# Folded

```python code="folded" title="Helpers"
def twice(x):
    return 2 * x
print("helpers ready")
```

```output
helpers ready
```

```python
print(twice(21))
```

```output
42
```

- in a list item

    ```python code="folded"
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.set_title("Folded drawing")
    ```
"""


def test_folded_block_runs_and_its_code_is_collapsed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = build_site(_site(tmp_path, GOOD), caplog, strict=True)
    assert not site.failed, site.messages
    html = site.html()
    folds = re.findall(
        r'<details class="wmbook-folded">(.*?)</details>\s*(<div class="wmbook-run"[^>]*>.*?)\n', html, re.S
    )
    assert len(folds) == 2, html
    (first, first_after), (second, second_after) = folds
    assert "<summary" in first and "Helpers · 3 lines" in first and "twice" in first
    assert "helpers ready" in first_after  # its output, outside the fold, under it
    assert (
        "Code · 3 lines" in second and 'aria-label="Folded drawing"' in second_after
    )  # its figure, unfolded
    assert "open" not in re.findall(r"<details[^>]*>", html)[0]  # closed until the reader opens it
    manifest = json.loads(re.search(r'id="wmbook-runner-data">(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    codes = [block["code"] for block in manifest["blocks"]]
    assert codes[0] == 'def twice(x):\n    return 2 * x\nprint("helpers ready")'  # the whole source


# Each on a page of its own (index.md, p1.md …), all in one strict build.
MISTAKES = [
    (
        '```python code="folded"\nprint(1)\n```\n\n```output\n2\n```\n',
        7,
        "other than this expected output",
    ),
    ('```python code="folded"\n1 / 0\n```\n', 4, "ZeroDivisionError"),
    ('```python code="hidden"\nx = 1\n```\n', 3, 'code=\'hidden\' must be "shown", "folded"'),
]


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    pages = ["# P\n\n" + body for body, _, _ in MISTAKES]
    return build_strict(_site(tmp_path_factory.mktemp("folded"), *pages), may_fail=True)


@pytest.mark.parametrize(("body", "line", "fragment"), MISTAKES)
def test_folded_block_is_checked_like_any_other(
    mistakes: SiteBuild, body: str, line: int, fragment: str
) -> None:
    number = [text for text, _, _ in MISTAKES].index(body)
    assert _reported(mistakes, number, line, fragment), mistakes.messages
