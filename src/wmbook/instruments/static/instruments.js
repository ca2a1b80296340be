// Front-end loader for wmbook instruments.
//
// Each `.wmbook-instrument[data-item]` box holds a static SVG preview, an
// empty Bokeh target and the Bokeh item as JSON. When a box comes within
// 200px of the viewport, BokehJS is loaded (once per page), the item is
// embedded and the preview is hidden. Works with Material's instant
// navigation, re-themes plots when the colour scheme flips, and gives the
// slider handles and checkboxes accessible names.
(function () {
  "use strict";

  const OWN_SRC = document.currentScript ? document.currentScript.src : null;
  let bokehLoading = null;
  let observer = null;
  const live = []; // { box, views } for every embedded item

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      const el = document.createElement("script");
      el.src = url;
      el.async = false;
      el.onload = function () { resolve(); };
      el.onerror = function () { reject(new Error("could not load " + url)); };
      document.head.appendChild(el);
    });
  }

  function bokehBase(box) {
    const attr = box.getAttribute("data-bokeh-base");
    if (attr) {
      return new URL(attr.endsWith("/") ? attr : attr + "/", document.baseURI).href;
    }
    if (OWN_SRC) {
      return new URL("bokeh/", OWN_SRC).href;
    }
    return new URL("assets/wmbook/bokeh/", document.baseURI).href;
  }

  function loadBokeh(box) {
    const version = box.getAttribute("data-bokeh-version");
    if (window.Bokeh && window.Bokeh.embed && window.Bokeh.version === version &&
        window.Bokeh.Widgets) {
      return Promise.resolve();
    }
    if (bokehLoading === null) {
      const base = bokehBase(box);
      bokehLoading = loadScript(base + "bokeh-" + version + ".min.js")
        .then(function () { return loadScript(base + "bokeh-widgets-" + version + ".min.js"); });
      // A failed download may succeed on the next page visit.
      bokehLoading.catch(function () { bokehLoading = null; });
    }
    return bokehLoading;
  }

  // ---- theming -----------------------------------------------------------

  function setIfChanged(model, attrs) {
    const changed = {};
    let any = false;
    for (const key of Object.keys(attrs)) {
      if (key in model.properties && model[key] !== attrs[key]) {
        changed[key] = attrs[key];
        any = true;
      }
    }
    if (any) model.setv(changed);
  }

  function themeModel(model, fg) {
    const props = model.properties;
    if ("axis_line_color" in props) {
      setIfChanged(model, {
        axis_line_color: fg,
        major_tick_line_color: fg,
        minor_tick_line_color: fg,
        major_label_text_color: fg,
        axis_label_text_color: fg,
      });
    } else if ("grid_line_color" in props) {
      setIfChanged(model, { grid_line_color: fg });
    } else if ("label_text_color" in props) {
      setIfChanged(model, { label_text_color: fg });
    } else if (model.type === "Title") {
      setIfChanged(model, { text_color: fg });
    }
    const tags = model.tags || [];
    if (tags.indexOf("wmbook-fg-line") >= 0) {
      setIfChanged(model, { line_color: fg });
    }
  }

  function applyTheme(entry) {
    const fg = getComputedStyle(entry.box).color;
    for (const view of entry.views.roots) {
      const doc = view.model.document;
      if (doc === null) continue;
      for (const model of doc.all_models) themeModel(model, fg);
    }
  }

  function retheme() {
    for (const entry of live) applyTheme(entry);
  }

  // ---- accessibility -----------------------------------------------------

  function shadowRoots(node, out) {
    for (const el of node.querySelectorAll("*")) {
      if (el.shadowRoot) {
        out.push(el.shadowRoot);
        shadowRoots(el.shadowRoot, out);
      }
    }
    return out;
  }

  // noUiSlider handles are focusable and answer arrow keys, Page Up/Down,
  // Home and End, but carry no name and announce the raw slider position.
  // Name them after the slider title and mirror the shown value.
  function labelSliders(target) {
    for (const root of shadowRoots(target, [])) {
      const handle = root.querySelector(".noUi-handle");
      const title = root.querySelector(".bk-slider-title");
      if (handle === null || title === null) continue;
      const sync = function () {
        const first = title.firstChild;
        const name = first && first.nodeType === 3 ? first.textContent : title.textContent;
        handle.setAttribute("aria-label", name.replace(/:\s*$/, ""));
        const value = title.querySelector(".bk-slider-value");
        if (value !== null) handle.setAttribute("aria-valuetext", value.textContent);
      };
      sync();
      if (!handle.hasAttribute("data-wmbook-synced")) {
        handle.setAttribute("data-wmbook-synced", "");
        new MutationObserver(sync).observe(title, { childList: true, subtree: true, characterData: true });
      }
    }
  }

  // Bokeh's checkbox is an unnamed <input> beside a <div> holding its label.
  // Name the input after the label and let a click on the label toggle it,
  // as a <label> would.
  function labelCheckboxes(target) {
    for (const root of shadowRoots(target, [])) {
      const input = root.querySelector("input[type=checkbox]");
      const label = root.querySelector(".bk-label");
      if (input === null || label === null || input.hasAttribute("aria-label")) continue;
      input.setAttribute("aria-label", label.textContent);
      label.style.cursor = "pointer";
      label.addEventListener("click", function () { input.click(); });
    }
  }

  // ---- painting ----------------------------------------------------------

  // BokehJS rewrites the position style sheet of every renderer on each
  // paint, even when its text is unchanged, and every rewrite makes the next
  // CSS read of that paint (Bokeh reads its --bk-* variables throughout)
  // recompute styles; on a long page that is most of a repaint. Writing only
  // changed text gives the same styles. Found through a live renderer, so a
  // BokehJS without this internal is left as it is.
  let styleWritesChecked = false;
  function skipUnchangedStyleWrites() {
    const index = window.Bokeh.index;
    if (styleWritesChecked || !index || typeof index.query !== "function") return;
    for (const view of index.query(function (v) { return v.renderer_views instanceof Map; })) {
      for (const renderer of view.renderer_views.values()) {
        const sheet = renderer.position;
        if (!sheet || !sheet.el || sheet.el.tagName !== "STYLE") continue;
        styleWritesChecked = true;
        const proto = Object.getPrototypeOf(sheet);
        const write = proto._update;
        if (typeof write !== "function" || write.wmbookSkipsUnchanged) return;
        const skipping = function (css) {
          if (this.el.textContent !== css) write.call(this, css);
        };
        skipping.wmbookSkipsUnchanged = true;
        proto._update = skipping;
        return;
      }
    }
  }

  // ---- lifecycle ---------------------------------------------------------

  function activate(box) {
    if (box.hasAttribute("data-state")) return;
    box.setAttribute("data-state", "loading");
    const stage = box.querySelector(".wmbook-instrument-stage");
    const preview = box.querySelector(".wmbook-instrument-preview");
    const target = box.querySelector(".wmbook-instrument-target");
    const json = box.querySelector("script.wmbook-instrument-item");
    if (stage === null || target === null || json === null) return;
    loadBokeh(box)
      .then(function () {
        // Hold the box at its preview height while Bokeh lays out.
        stage.style.minHeight = stage.offsetHeight + "px";
        return window.Bokeh.embed.embed_item(JSON.parse(json.textContent), target.id);
      })
      .then(function (views) {
        const entry = { box: box, views: views };
        live.push(entry);
        skipUnchangedStyleWrites();
        applyTheme(entry);
        if (preview !== null) preview.hidden = true;
        box.setAttribute("data-state", "live");
        requestAnimationFrame(function () {
          labelSliders(target);
          labelCheckboxes(target);
          stage.style.minHeight = "";
        });
      })
      .catch(function (err) {
        box.setAttribute("data-state", "failed");
        stage.style.minHeight = "";
        if (window.console) console.warn("wmbook instrument", box.id, err);
      });
  }

  function forgetDetached() {
    for (let i = live.length - 1; i >= 0; i--) {
      if (!live[i].box.isConnected) {
        try { live[i].views.clear(); } catch (err) { /* already torn down */ }
        live.splice(i, 1);
      }
    }
  }

  function scan() {
    forgetDetached();
    if (observer !== null) observer.disconnect();
    const boxes = document.querySelectorAll(".wmbook-instrument[data-item]");
    if (boxes.length === 0) return;
    if (!("IntersectionObserver" in window)) {
      boxes.forEach(activate);
      return;
    }
    observer = new IntersectionObserver(function (entries) {
      for (const e of entries) {
        if (e.isIntersecting) {
          observer.unobserve(e.target);
          activate(e.target);
        }
      }
    }, { rootMargin: "200px 0px" });
    boxes.forEach(function (box) {
      if (!box.hasAttribute("data-state")) observer.observe(box);
    });
  }

  // Material flips data-md-color-scheme on <body>; watching the whole tree
  // for that one attribute also works when this script runs from <head>.
  new MutationObserver(retheme).observe(document.documentElement, {
    attributes: true,
    subtree: true,
    attributeFilter: ["data-md-color-scheme"],
  });

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(scan);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
})();
