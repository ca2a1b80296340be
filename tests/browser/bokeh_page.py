"""Page scripts shared by the instrument browser tests and the instrument benchmark."""

from __future__ import annotations

# The Bokeh document whose root view sits inside the instrument box ``anchor``.
DOC_OF = """(anchor) => {
  for (const view of Bokeh.index.roots) {
    const box = view.el.closest ? view.el.closest(".wmbook-instrument") : null;
    if (box !== null && box.id === anchor) return view.model.document;
  }
  return null;
}"""

# True once every slider handle in the box carries the name the loader gives it.
HANDLES_NAMED = """(anchor) => {
  let total = 0, named = 0;
  const walk = (node) => {
    for (const el of node.querySelectorAll("*")) {
      if (!el.shadowRoot) continue;
      const h = el.shadowRoot.querySelector(".noUi-handle");
      if (h) { total += 1; if (h.getAttribute("aria-label")) named += 1; }
      walk(el.shadowRoot);
    }
  };
  walk(document.getElementById(anchor));
  return total > 0 && total === named;
}"""

# Focus the element matching ``selector`` whose aria-label is ``label`` inside box ``anchor``
# (or anywhere, for null), looking through Bokeh's shadow roots.
FOCUS_NAMED = """([anchor, selector, label]) => {
  const walk = (node) => {
    for (const el of node.querySelectorAll("*")) {
      if (!el.shadowRoot) continue;
      const h = el.shadowRoot.querySelector(selector);
      if (h && h.getAttribute("aria-label") === label) { h.focus(); return true; }
      if (walk(el.shadowRoot)) return true;
    }
    return false;
  };
  return walk(anchor ? document.getElementById(anchor) : document);
}"""

# Focus the slider handle, or the checkbox, named ``label``: ``[anchor, label]``.
FOCUS_HANDLE = f"""([anchor, label]) => ({FOCUS_NAMED})([anchor, ".noUi-handle", label])"""
FOCUS_CHECKBOX = f"""([anchor, label]) => ({FOCUS_NAMED})([anchor, "input[type=checkbox]", label])"""
