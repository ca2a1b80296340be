"""``--8<--`` snippet lines in python fences run with the site's pymdownx.snippets rules,
and errors in the included text point into the included file."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from .conftest import build_site, copy_fixture


def test_snippets_run_and_errors_name_the_included_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_fixture("adopt_snippets", tmp_path)
    monkeypatch.chdir(root)  # pymdownx.snippets' base_path is relative to where the build runs
    built = build_site(root, caplog)
    assert not built.failed, built.messages  # on_error: warn
    text = built.messages
    assert "docs/snippets/shop.py:14: KeyError: 'pear'" in text
    assert 'File "docs/snippets/shop.py", line 14, in restock' in text
    assert "shop.stock[item] = shop.stock[item] + 1" in text  # the traceback quotes the file
    assert "docs/snippets/typo.py:1: SyntaxError" in text
    assert 'File "docs/snippets/typo.py", line 1' in text
    assert "wmbook" not in re.sub(r"wmbook[-:]", "", text.split("KeyError")[0])  # no wmbook frames
    # A range that skips lines, a file that includes another, and a snippet indented in the
    # block's code: each error at the line that holds it.
    assert "docs/snippets/ranges.py:8: KeyError: 'missing'" in text
    assert "docs/snippets/inner.py:2: ZeroDivisionError" in text
    assert 'File "docs/snippets/inner.py", line 2' in text
    assert "docs/index.md:33: NameError: name 'not_defined_here' is not defined" in text
    # A formula of an included file that KaTeX cannot render: at its line in that file.
    assert "docs/snippets/formula.md:3: math does not render" in text
    assert "docs/index.md:1: math does not render" not in text  # the page that includes it
    assert "ast.py" not in text  # a SyntaxError's traceback shows no frame of the parser
    page = html.unescape(built.html())
    assert (
        "3" in re.findall(r'<div class="wmbook-output[^"]*"[^>]*>.*?<pre><code>(.*?)</code>', page, re.S)[0]
    )
    assert "class Shop:" in re.sub(r"<[^>]+>", "", page)  # shown expanded by the site's snippets extension
