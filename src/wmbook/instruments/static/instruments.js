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
        if (value === null) return;
        handle.setAttribute("aria-valuetext", value.textContent);
        // noUiSlider announces its own rounding of the position (0.99 for 0.994, say):
        // the value the title shows is the one a reader is told.
        const shown = Number(value.textContent.replace(/\u2212/g, "-").replace(/[^0-9eE+.-]/g, ""));
        if (Number.isFinite(shown) && handle.getAttribute("aria-valuenow") !== String(shown)) {
          handle.setAttribute("aria-valuenow", String(shown));
        }
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

  // Three changes to how BokehJS paints an instrument's figures, each made
  // through an internal found on a live view and skipped when that internal
  // is missing, so another BokehJS paints as it always does.
  //
  // 1. BokehJS rewrites the position style sheet of every renderer on each
  //    paint, even when its text is unchanged; only changed text is written.
  // 2. A glyph renderer's sheet does change whenever its data moves, and each
  //    change makes the next CSS read of the paint (BokehJS reads its --bk-*
  //    variables throughout) recompute the page's styles. During a paint of
  //    ours these writes wait until the paint is over: nothing in the paint
  //    reads where a glyph renderer's element is, and the page ends with the
  //    same styles.
  // 3. During a paint of ours, each --bk-* value is read once per element.
  let deferredWrites = null; // [sheet, css] pairs while a paint of ours runs
  const deferredSheets = new WeakSet(); // glyph renderers' position sheets
  let cssValues = null; // element -> { style, values } while a paint of ours runs

  let styleWritesPatched = false;
  function patchStyleWrites(sheet) {
    if (styleWritesPatched) return;
    styleWritesPatched = true;
    const proto = Object.getPrototypeOf(sheet);
    const write = proto._update;
    if (typeof write !== "function" || write.wmbookSkipsUnchanged) return;
    const skipping = function (css) {
      if (deferredWrites !== null && deferredSheets.has(this)) {
        deferredWrites.push([this, css]);
      } else if (this.el.textContent !== css) {
        write.call(this, css);
      }
    };
    skipping.wmbookSkipsUnchanged = true;
    proto._update = skipping;
  }

  let cssReadsPatched = false;
  function patchCssReads(visuals) {
    if (cssReadsPatched || visuals === null || typeof visuals !== "object") return;
    for (const visual of Object.values(visuals)) {
      let proto = visual !== null && typeof visual === "object" ? Object.getPrototypeOf(visual) : null;
      while (proto !== null && !Object.prototype.hasOwnProperty.call(proto, "_get_css_value")) {
        proto = Object.getPrototypeOf(proto);
      }
      if (proto === null) continue;
      cssReadsPatched = true;
      const read = proto._get_css_value;
      if (typeof read !== "function" || read.wmbookOncePerPaint) return;
      const once = function (name) {
        const el = this.obj && this.obj.el;
        if (cssValues === null || !(el instanceof Element) || typeof this.css_prefix !== "string") {
          return read.call(this, name);
        }
        let known = cssValues.get(el);
        if (known === undefined) {
          known = { style: getComputedStyle(el), values: new Map() };
          cssValues.set(el, known);
        }
        const key = this.css_prefix + name;
        let value = known.values.get(key);
        if (value === undefined) {
          value = known.style.getPropertyValue(key);
          known.values.set(key, value);
        }
        return value;
      };
      once.wmbookOncePerPaint = true;
      proto._get_css_value = once;
      return;
    }
  }

  // Runs ``paint`` with the changes above in force.
  function paintOurWay(paint) {
    if (deferredWrites !== null) {
      paint();
      return;
    }
    deferredWrites = [];
    cssValues = new Map();
    try {
      paint();
    } finally {
      const writes = deferredWrites;
      deferredWrites = null;
      cssValues = null;
      for (const [sheet, css] of writes) sheet._update(css);
    }
  }

  function watchStyle(renderer, isGlyph) {
    const sheet = renderer.position;
    if (sheet && sheet.el && sheet.el.tagName === "STYLE") {
      patchStyleWrites(sheet);
      if (isGlyph) deferredSheets.add(sheet);
    }
    if (renderer.visuals) patchCssReads(renderer.visuals);
  }

  // A figure asks BokehJS for a paint on every change of its data or ranges,
  // and BokehJS paints on the next animation frame, which in a browser busy
  // with the input that caused the change is most of a frame away. Instead,
  // a figure paints as soon as the change is complete: when the task that
  // made it has no new data still being taken in (BokehJS takes data in over
  // several promise callbacks). All of a step's changes make one paint, in the
  // same task as the input, so the next frame shows it. A paint asked for
  // within a frame of the last one waits for the next animation frame, as
  // BokehJS would, so a drag or an animation paints at most once a frame. A
  // figure without these internals is left to BokehJS.
  const FRAME_MS = 1000 / 60;

  function paintWhenComplete(view) {
    const own = view.throttled_paint;
    if (typeof own !== "function" || own.wmbookWhenComplete || typeof view.repaint !== "function" ||
        !(view.renderer_views instanceof Map) || typeof queueMicrotask !== "function") {
      return;
    }
    let last = -Infinity;
    let taking = 0; // renderers taking in new data
    let queued = null; // { promise, resolve, reject, soon, waited } of the paint asked for
    let frame = null;

    const run = function () {
      const request = queued;
      queued = null;
      if (frame !== null) cancelAnimationFrame(frame);
      frame = null;
      last = performance.now();
      try {
        if (!view.is_destroyed) paintOurWay(function () { view.repaint(); });
        request.resolve();
      } catch (err) {
        request.reject(err);
      }
    };
    const onTask = function () {
      if (queued !== null && queued.soon && taking === 0) run();
    };
    const onFrame = function () {
      frame = null;
      if (queued === null) return;
      // Data still arriving paints when it is in (at once: this frame has passed), but
      // waits at most one more frame, so a renderer slow to take its data in does
      // not hold the others back.
      if (taking === 0 || queued.waited) {
        run();
      } else {
        queued.soon = true;
        queued.waited = true;
        frame = requestAnimationFrame(onFrame);
      }
    };
    const watchRenderers = function () {
      for (const renderer of view.renderer_views.values()) {
        const update = renderer.update_data;
        watchStyle(renderer, typeof update === "function");
        if (typeof update !== "function" || update.wmbookCounted) continue;
        const counted = function () {
          taking += 1;
          let result;
          try {
            result = update.apply(this, arguments);
          } catch (err) {
            taking -= 1;
            throw err;
          }
          const settle = function () {
            taking -= 1;
            if (taking === 0 && queued !== null && queued.soon) queueMicrotask(onTask);
          };
          Promise.resolve(result).then(settle, settle);
          return result;
        };
        counted.wmbookCounted = true;
        renderer.update_data = counted;
      }
    };

    const paint = function () {
      watchRenderers();
      if (queued === null) {
        let resolve = null;
        let reject = null;
        const promise = new Promise(function (yes, no) { resolve = yes; reject = no; });
        queued = { promise: promise, resolve: resolve, reject: reject,
                   soon: performance.now() - last >= FRAME_MS, waited: false };
        frame = requestAnimationFrame(onFrame);
        if (queued.soon) queueMicrotask(onTask);
      }
      return queued.promise;
    };
    paint.stop = function () {
      if (frame !== null) cancelAnimationFrame(frame);
      frame = null;
      if (queued !== null) queued.resolve();
      queued = null;
      if (typeof own.stop === "function") own.stop();
    };
    paint.wmbookWhenComplete = true;
    watchRenderers();
    view.throttled_paint = paint;
  }

  function paintFiguresWhenComplete(entry) {
    const index = window.Bokeh.index;
    if (!index || typeof index.query !== "function") return;
    const docs = new Set();
    for (const view of entry.views.roots) docs.add(view.model.document);
    for (const view of index.query(function (v) {
      return docs.has(v.model.document) && v.renderer_views instanceof Map;
    })) {
      for (const renderer of view.renderer_views.values()) {
        watchStyle(renderer, typeof renderer.update_data === "function");
      }
      paintWhenComplete(view);
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
    // The height the page reserved for the live layout (see page.py), kept once it is live.
    const reserved = stage.style.minHeight;
    loadBokeh(box)
      .then(function () {
        // Hold the box at its preview height while Bokeh lays out.
        stage.style.minHeight = stage.offsetHeight + "px";
        return window.Bokeh.embed.embed_item(JSON.parse(json.textContent), target.id);
      })
      .then(function (views) {
        const entry = { box: box, views: views };
        live.push(entry);
        paintFiguresWhenComplete(entry);
        applyTheme(entry);
        if (preview !== null) preview.hidden = true;
        box.setAttribute("data-state", "live");
        requestAnimationFrame(function () {
          labelSliders(target);
          labelCheckboxes(target);
          stage.style.minHeight = reserved;
        });
      })
      .catch(function (err) {
        box.setAttribute("data-state", "failed");
        stage.style.minHeight = reserved;
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
