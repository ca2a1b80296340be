"""The chapter's layout on a phone (390 × 844) and on a desktop: header, cite popovers, math."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import PageLog

CHAPTER = "/world-models/"
PHONE = {"width": 390, "height": 844}

# Rectangles of the visible text of every cite text, and of the copy icons next to them.
CITE_GEOMETRY = """(popover) => {
  const rows = [];
  for (const pre of popover.querySelectorAll("pre")) {
    const code = pre.querySelector("code");
    const range = document.createRange();
    range.selectNodeContents(code);
    const text = [...range.getClientRects()].map((r) => [r.left, r.top, r.right, r.bottom]);
    const icons = [...pre.parentElement.querySelectorAll("button")].map((b) => {
      const r = b.getBoundingClientRect();
      return [r.left, r.top, r.right, r.bottom];
    });
    rows.push({ text, icons, titles: [...pre.parentElement.querySelectorAll("button")].map((b) => b.title) });
  }
  const others = [...popover.querySelectorAll(".wmbook-cite__row > button")].length;
  return { rows, others };
}"""


def _rect(locator: Any) -> dict[str, float]:
    return locator.evaluate(
        "(e) => { const r = e.getBoundingClientRect();"
        " return {left: r.left, top: r.top + scrollY, right: r.right, bottom: r.bottom + scrollY}; }"
    )


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _phone(page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(CHAPTER, wait_until="networkidle")


def test_header_leaves_the_first_screen_to_the_chapter(page: Any, page_log: PageLog) -> None:
    _phone(page)
    header = _rect(page.locator(".wmbook-chapter-header"))
    # The title and the header together take little more than half of the first screen, so the
    # first lines of the chapter are read without scrolling (before: the header alone took half).
    assert header["bottom"] <= PHONE["height"] * 0.55, header
    first = _rect(page.locator(".wmbook-chapter-header ~ p").first)
    assert first["top"] < PHONE["height"] * 0.6
    # The breadcrumb is one line; the page's own crumb (the title again) is the one cut short.
    crumbs = page.locator(".wmbook-breadcrumb li")
    tops = {round(_rect(crumbs.nth(i))["top"]) for i in range(crumbs.count())}
    assert len(tops) == 1, tops
    last = page.locator(".wmbook-breadcrumb li[aria-current]")
    assert last.evaluate("(e) => e.scrollWidth > e.clientWidth")  # cut, with an ellipsis
    assert last.evaluate("(e) => getComputedStyle(e).textOverflow") == "ellipsis"
    ol = _rect(page.locator(".wmbook-breadcrumb ol"))
    assert ol["right"] <= PHONE["width"]
    assert page_log.console_errors == []


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_cite_popover_opens_in_the_text_column(
    page: Any, page_log: PageLog, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    page.goto(CHAPTER, wait_until="networkidle")
    button = page.locator('button.wmbook-cite-button[popovertarget="cite-sec-5-2"]')
    button.scroll_into_view_if_needed()
    button.click()
    popover = page.locator("#cite-sec-5-2")
    assert popover.evaluate("(e) => e.matches(':popover-open')")
    # Instruments above may still be finishing their layout: the popover follows its heading.
    page.wait_for_function(
        "(b) => Math.abs(document.querySelector('#cite-sec-5-2').getBoundingClientRect().top"
        " - b.getBoundingClientRect().bottom - 6) < 1",
        arg=button.element_handle(),
        timeout=5000,
    )
    # All rectangles in one frame: the page may still be moving under the popover.
    rects = page.evaluate(
        """() => {
          const rect = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
          const shown = (e) => e && e.offsetParent !== null && getComputedStyle(e).visibility !== "hidden";
          return {
            box: rect(document.querySelector("#cite-sec-5-2")),
            button: rect(document.querySelector('.wmbook-cite-button[popovertarget="cite-sec-5-2"]')),
            heading: rect(document.querySelector("h2#sec-5-2")),
            sidebars: [".md-sidebar--primary", ".md-sidebar--secondary"]
              .map((s) => document.querySelector(s)).filter(shown).map(rect),
          };
        }"""
    )
    box, heading = rects["box"], rects["heading"]
    # Under its section's heading, exactly as wide as the text column.
    assert box[1] >= rects["button"][3] - 1
    assert abs(box[0] - heading[0]) < 1 and abs(box[2] - heading[2]) < 1
    assert box[2] <= viewport["width"]
    for sidebar in rects["sidebars"]:
        assert not _overlap(box, sidebar), (box, sidebar)
    geometry = popover.evaluate(CITE_GEOMETRY)
    # One copy control per text: the theme's own icon, as on every code block; no second button.
    assert geometry["others"] == 0
    assert len(geometry["rows"]) == 3
    for row in geometry["rows"]:
        assert len(row["icons"]) == 1 and row["titles"] == ["Copy to clipboard"], row
        for line in row["text"]:
            assert not _overlap(line, row["icons"][0]), (line, row["icons"])
    # The close control is an icon button in the corner, named for assistive technology.
    close = popover.locator("button.wmbook-cite__close")
    assert close.get_attribute("aria-label") == "Close"
    close.click()
    assert not popover.evaluate("(e) => e.matches(':popover-open')")
    assert page_log.console_errors == []


def test_copy_icon_copies_the_citation(browser: Any, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    try:
        page = context.new_page()
        page.goto(CHAPTER, wait_until="networkidle")
        page.locator('button.wmbook-cite-button[popovertarget="cite-sec-5-1"]').click()
        bibtex = page.locator("#cite-sec-5-1-bibtex-text")
        bibtex.locator("xpath=../..").locator("button[title='Copy to clipboard']").click()
        page.wait_for_function("() => navigator.clipboard.readText().then((t) => t.length > 0)")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied.strip() == bibtex.inner_text().strip()
        assert copied.startswith("@incollection{")
    finally:
        context.close()


def test_wide_display_math_shows_that_it_scrolls(page: Any) -> None:
    _phone(page)
    wide = page.evaluate(
        "() => [...document.querySelectorAll('.wmbook-math--display')]"
        ".filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.id || e.parentElement.id)"
    )
    assert wide, "no display equation is wider than a phone's column"
    displays = page.locator(".wmbook-math--display")
    index = displays.evaluate_all("(all) => all.findIndex((e) => e.scrollWidth > e.clientWidth + 1)")
    math = displays.nth(index)
    assert math.get_attribute("tabindex") == "0"
    background = math.evaluate("(e) => getComputedStyle(e).backgroundImage")
    assert background.count("radial-gradient") == 2, background  # the edge shadows
    math.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(e) => e.scrollLeft > 0", arg=math.element_handle())
