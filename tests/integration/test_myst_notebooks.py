"""MyST Markdown notebooks (jupytext ``.md`` with ``{code-cell}`` fences): their code cells
run, and show what the same file run by Jupyter (jupytext + nbclient) shows, cell by cell."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import build_site

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")


def _shown(outputs: list[dict[str, Any]]) -> tuple[str, str, str | None]:
    """(printed text, value shown, exception name) of a cell's outputs."""
    printed = "".join(
        "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
        for o in outputs
        if o["output_type"] == "stream"
    )
    values = [
        o["data"].get("text/plain", "")
        for o in outputs
        if o["output_type"] in ("display_data", "execute_result")
    ]
    value = "".join("".join(v) if isinstance(v, list) else v for v in values)
    errors = [o for o in outputs if o["output_type"] == "error"]
    # IPython runs a !command on a terminal, which ends lines with \r\n
    return printed.replace("\r\n", "\n"), value, (errors[0].get("ename") if errors else None)


def test_code_cells_show_what_jupyter_shows(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Every cell wmbook runs shows the same printed text, value and error as in Jupyter."""
    root = fixture_site("myst")
    built = build_site(root, caplog)
    assert not built.failed, built.messages
    page = built.html()
    assert "area 12.566" in page and "ALPHA" in page and "radius is still 2.0" in page
    assert "{code-cell}" not in page and ":tags:" not in page and "+++" not in page
    assert page.count("only this output is shown") == 1  # remove-input: the output, not the code
    assert "ran_but_not_shown" not in page  # remove-cell: run, shown nowhere

    notebook = jupytext.read(root / "docs" / "index.md")
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True)
    client.execute()
    skipped = {i for i, c in enumerate(notebook.cells) if "skip-execution" in c.metadata.get("tags", [])}
    expected = [
        _shown(c.outputs) for i, c in enumerate(notebook.cells) if c.cell_type == "code" and i not in skipped
    ]

    ours = json.loads((built.site / "index.ipynb").read_text(encoding="utf-8"))
    code_cells = [
        c for c in ours["cells"] if c["cell_type"] == "code" and "setup" not in c["metadata"].get("tags", [])
    ]
    found = [_shown(c["outputs"]) for c in code_cells]
    assert len(found) == len(expected) == 8
    assert found == expected
    assert "".join(code_cells[0]["source"]).startswith("%matplotlib inline")  # shown as written


def test_a_failing_cell_is_reported_at_its_line(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    """An error names the line of the .md file; a cell of another kernel is left alone."""
    root = fixture_site("myst")
    (root / "docs" / "broken.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n---\n\n"
        "```{code-cell} ipython3\n:tags: [hide-output]\n\nvalues = [1, 2, 3]\nprint(values[7])\n```\n\n"
        "```{code-cell} r\nprint('not python')\n```\n\n"
        "```{code-cell} ipython3\nx = 1\n%who_ls\n```\n",
        encoding="utf-8",
    )
    built = build_site(root, caplog)
    assert built.failed
    assert "docs/broken.md:13: IndexError: list index out of range" in built.messages
    assert "broken.md:17" not in built.messages


MARKUP = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
---

(sec-a)=
## Section A

```{math}
:label: eq-energy
E = mc^2
```

:::{note}
See {ref}`sec-a` and {math}`y = x^2`.
:::

```{code-cell} ipython3
print("cell ran")
```

```{glossary}
term
  A term.
```

```{glossary}
again
```
"""


def test_common_myst_markup_is_rendered(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    """{math} directives and roles become the site's math, {note} and :::{note} admonitions,
    {ref} a link to its target; a directive wmbook does not render is named once, at its line."""
    root = fixture_site("myst")
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    extensions = "markdown_extensions:\n  - admonition\n  - pymdownx.superfences\n  - pymdownx.arithmatex:\n      generic: true\n"
    (root / "mkdocs.yml").write_text(config + extensions, encoding="utf-8")
    (root / "docs" / "markup.md").write_text(MARKUP, encoding="utf-8")
    built = build_site(root, caplog)
    page = built.html("markup")
    assert 'class="admonition note"' in page
    assert page.count('class="wmbook-math') == 2  # the directive and the role, rendered by KaTeX
    assert '<a href="#sec-a">Section A</a>' in page and 'id="sec-a"' in page
    assert "{math}" not in page and "{ref}" not in page and "{note}" not in page and "cell ran" in page
    assert "docs/markup.md:25: the MyST directive {glossary} is not rendered" in built.messages
    assert "markup.md:30" not in built.messages  # named once
