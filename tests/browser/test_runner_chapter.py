"""The chapter's examples need numpy and matplotlib, which Pyodide loads from ``packages_url``
(its CDN by default); offline here, so the test checks that Run asks for exactly the lock
file's wheels there, says which package failed, and that page load fetched no Python."""

from __future__ import annotations

import json
from typing import Any

from .harness import PageLog

PACKAGES = "https://cdn.jsdelivr.net/pyodide/"


def test_chapter_block_requests_numpy_and_matplotlib_from_packages_url(page: Any, page_log: PageLog) -> None:
    page.goto("/world-models/", wait_until="networkidle")
    assert not [u for u in page_log.blocked if "pyodide" in u]
    data = json.loads(page.locator("#wmbook-runner-data").text_content())
    assert data["packages"].startswith(PACKAGES)
    ids = [b["id"] for b in data["blocks"]]
    drawing = next(b for b in data["blocks"] if "plot_xy(" in b["code"] or "import numpy" in b["code"])
    index = ids.index(drawing["id"])
    bar = page.locator(".wmbook-run__bar").nth(index)
    bar.get_by_role("button", name="Edit").click()
    bar.get_by_role("button", name="Run").click()
    mine = page.locator(".wmbook-run").nth(index).locator(".wmbook-run__yours")
    mine.wait_for(timeout=120_000)
    text = mine.inner_text()
    assert "could not load the package numpy from " + data["packages"] + "numpy-" in text
    assert "you may be offline" in text
    wheels = [u.removeprefix(data["packages"]) for u in page_log.blocked if u.startswith(data["packages"])]
    lock = json.loads(
        page.evaluate("fetch('../assets/wmbook/pyodide/pyodide-lock.json').then(r => r.text())")
    )
    names = {lock["packages"][name]["file_name"] for name in ("numpy", "matplotlib")}
    assert names <= set(wheels), wheels


def test_a_folded_block_is_edited_with_its_whole_source(page: Any) -> None:
    """Edit on a folded block (the drawing helpers) opens the editor on all of its code."""
    page.goto("/world-models/", wait_until="networkidle")
    folded = page.locator("details.wmbook-folded").first
    helpers = folded.evaluate("(d) => d.nextElementSibling.dataset.wmbookBlock")
    data = json.loads(page.locator("#wmbook-runner-data").text_content())
    (code,) = [b["code"] for b in data["blocks"] if b["id"] == helpers]
    assert "def canvas(" in code and "def arrow(" in code
    bar = folded.locator("xpath=preceding-sibling::*[1]")
    assert "wmbook-run__bar" in (bar.get_attribute("class") or "")
    bar.get_by_role("button", name="Edit").click()
    editor = page.locator(".wmbook-editor__text").first
    assert editor.input_value() == code
    assert folded.evaluate("(d) => d.hidden")  # the editor takes the folded code's place
