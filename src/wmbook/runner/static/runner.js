// Edit and run a page's python blocks in the reader's browser, with the page's sessions.
// Nothing of Python is fetched until the first Run (see runner-worker.js).
(function () {
  "use strict";
  let data = null;
  let base = null;
  let worker = null;
  let started = false; // a worker has run code before (a new one replays the session)
  let runId = 0;
  let running = null; // {runId, block, timer}
  const edited = new Map(); // block id -> the reader's code
  const views = new Map(); // block id -> {box, code, editor, textarea, status, buttons}

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(label, action, hidden) {
    const b = el("button", { type: "button", class: "md-button wmbook-run__button" }, label);
    b.addEventListener("click", action);
    b.hidden = Boolean(hidden);
    return b;
  }

  function attach(block, number) {
    const box = document.querySelector(`.wmbook-run[data-wmbook-block="${block.id}"]`);
    if (!box || views.has(block.id)) return;
    // The highlighted code just above (a notebook cell keeps it in the cell's input area).
    const above = box.previousElementSibling;
    const cell = box.closest(".jp-Cell");
    const code = cell ? cell.querySelector(".jp-Cell-inputWrapper") : above;
    const bar = el("div", { class: "wmbook-run__bar", role: "toolbar", "aria-label": `Example ${number}` });
    const status = el("span", { class: "wmbook-run__status", role: "status", "aria-live": "polite" });
    const view = { box, code, bar, status, editor: null, textarea: null, block, number };
    view.edit = button("Edit", () => openEditor(view));
    view.run = button("Run", () => run(view), true);
    view.stop = button("Stop", () => stop("stopped by you"), true);
    view.reset = button("Reset", () => reset(view), true);
    for (const b of [view.edit, view.run, view.stop, view.reset]) bar.appendChild(b);
    bar.appendChild(status);
    (code || box).insertAdjacentElement("beforebegin", bar);
    views.set(block.id, view);
  }

  function lineNumbers(view) {
    const count = view.textarea.value.split("\n").length;
    view.lines.textContent = Array.from({ length: count }, (_, i) => String(i + 1)).join("\n");
  }

  function openEditor(view) {
    if (!view.editor) {
      const source = edited.get(view.block.id) ?? view.block.code;
      const editor = el("div", { class: "wmbook-editor" });
      const lines = el("pre", { class: "wmbook-editor__lines", "aria-hidden": "true" });
      const textarea = el("textarea", {
        class: "wmbook-editor__text",
        spellcheck: "false",
        autocapitalize: "off",
        "aria-label": `Code of example ${view.number}. Tab indents; press Escape, then Tab, to leave; Control+Enter runs.`,
      });
      textarea.value = source;
      textarea.rows = Math.max(3, source.split("\n").length + 1);
      editor.append(lines, textarea);
      view.editor = editor;
      view.textarea = textarea;
      view.lines = lines;
      let leaving = false;
      textarea.addEventListener("keydown", (event) => {
        if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
          event.preventDefault();
          run(view);
        } else if (event.key === "Enter" && !event.shiftKey && !event.altKey) {
          event.preventDefault();
          newline(textarea);
          lineNumbers(view);
          edited.set(view.block.id, textarea.value);
          leaving = false;
        } else if (event.key === "Escape") {
          leaving = true;
        } else if (event.key === "Tab" && !leaving) {
          event.preventDefault();
          indent(textarea, event.shiftKey);
          lineNumbers(view);
          edited.set(view.block.id, textarea.value);
        } else {
          leaving = false;
        }
      });
      textarea.addEventListener("input", () => {
        edited.set(view.block.id, textarea.value);
        lineNumbers(view);
      });
      textarea.addEventListener("scroll", () => (lines.scrollTop = textarea.scrollTop));
      lineNumbers(view);
      if (view.code) {
        view.code.hidden = true;
        view.code.insertAdjacentElement("afterend", editor);
      } else {
        view.box.insertAdjacentElement("beforebegin", editor);
      }
    }
    view.edit.hidden = true;
    view.run.hidden = view.stop.hidden = view.reset.hidden = false;
    view.textarea.focus();
  }

  // A new line keeps the indentation of the one above, one level more after a colon.
  function newline(textarea) {
    const { selectionStart: start, value } = textarea;
    const line = value.slice(value.lastIndexOf("\n", start - 1) + 1, start);
    const keep = line.match(/^[ \t]*/)[0] + (/:\s*$/.test(line) ? "    " : "");
    textarea.setRangeText("\n" + keep, start, textarea.selectionEnd, "end");
  }

  function indent(textarea, outdent) {
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    const lineStart = value.lastIndexOf("\n", start - 1) + 1;
    if (!outdent && start === end) {
      textarea.setRangeText("    ", start, end, "end");
      return;
    }
    const block = value.slice(lineStart, end);
    const changed = outdent
      ? block.replace(/^ {1,4}/gm, "")
      : block.replace(/^/gm, "    ");
    textarea.setRangeText(changed, lineStart, end, "select");
  }

  function codeOf(id) {
    return edited.get(id) ?? data.code[id];
  }

  // Tracebacks name the example as the page numbers it ("example 2", line numbers of its code).
  function nameOf(id) {
    return `example ${Object.keys(data.code).indexOf(id) + 1}`;
  }

  function ensureWorker() {
    if (worker) return false;
    worker = new Worker(new URL("runner-worker.js", base), { type: "module" });
    worker.onmessage = (event) => received(event.data);
    const fresh = started;
    started = true;
    return fresh;
  }

  function run(view) {
    if (running) stop("stopped: another example was started");
    const restarted = ensureWorker();
    const block = view.block;
    runId += 1;
    running = { runId, view, timer: null, restarted };
    view.status.textContent = "running…";
    worker.postMessage({
      type: "run",
      runId,
      id: block.id,
      session: block.session,
      install: block.install || [],
      code: codeOf(block.id),
      name: nameOf(block.id),
      raises: data.raises[block.id] || "",
      replay: block.replay.map((id) => ({ id, name: nameOf(id), code: codeOf(id), raises: data.raises[id] || "" })),
      indexURL: new URL("pyodide/", base).href,
      packagesURL: data.packages,
      setupURL: new URL("runner_setup.py", base).href,
      helperURL: new URL("plot_helper.py", base).href,
    });
  }

  function received(message) {
    if (!running) return;
    if (message.type === "loading") {
      running.view.status.textContent = `loading Python… ${(data.runtimeBytes / 1e6).toFixed(1)} MB`;
      return;
    }
    if (message.type === "started" && message.runId === running.runId) {
      // The block's own time starts now (not while Python or its packages load), as at build time.
      const limit = running.view.block.timeout;
      running.timer = setTimeout(() => {
        stop(`timed out after ${limit} s; make the block faster or set timeout="S"`, true);
      }, limit * 1000);
      return;
    }
    if (message.type !== "result" || message.runId !== running.runId) return;
    const { view, timer, restarted } = running;
    clearTimeout(timer);
    running = null;
    const notice = restarted ? "Python was started afresh, so the blocks above were run again.\n" : "";
    show(view, message.output, message.error, message.figures, notice);
    view.status.textContent = message.error ? "your run failed" : "done";
  }

  function stop(reason, asError) {
    if (!worker) return;
    worker.terminate();
    worker = null;
    if (!running) return;
    const { view, timer } = running;
    clearTimeout(timer);
    running = null;
    if (asError) show(view, "", reason, [], "");
    view.status.textContent = reason;
  }

  function show(view, output, error, figures, notice) {
    clear(view);
    const mine = el("div", { class: "wmbook-run__yours" });
    const kind = error ? "error" : "ok";
    const box = el("div", { class: `wmbook-output wmbook-output--${kind}`, role: "group", "aria-label": "Your run" });
    box.appendChild(el("span", { class: "wmbook-output__title" }, "Your run"));
    const pre = el("pre");
    pre.appendChild(el("code", {}, notice + output + (error ? error : "")));
    box.appendChild(pre);
    mine.appendChild(box);
    // A figure is shown as an image of its SVG, never as markup of the page: the block's code
    // decides what the worker sends as a figure, and an image runs no script and loads nothing.
    // Its ink (currentColor) is the page's text colour at the time of the run.
    const ink = getComputedStyle(view.box).color;
    for (const svg of figures || []) {
      const figure = el("figure", { class: "wmbook-figure" });
      const source = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg.replaceAll("currentColor", ink));
      figure.appendChild(el("img", { class: "wmbook-svg", alt: "Figure from your run", src: source }));
      mine.appendChild(figure);
    }
    const toggle = button("Show the built output", () => {
      const hidden = builtParts(view).some((node) => node.hidden);
      for (const node of builtParts(view)) node.hidden = !hidden;
      toggle.textContent = hidden ? "Hide the built output" : "Show the built output";
    });
    mine.appendChild(toggle);
    for (const node of builtParts(view)) node.hidden = true;
    view.box.prepend(mine);
  }

  function builtParts(view) {
    return Array.from(view.box.children).filter((node) => !node.classList.contains("wmbook-run__yours"));
  }

  function clear(view) {
    const mine = view.box.querySelector(".wmbook-run__yours");
    if (mine) mine.remove();
    for (const node of builtParts(view)) node.hidden = false;
  }

  function reset(view) {
    if (running && running.view === view) stop("stopped");
    edited.delete(view.block.id);
    clear(view);
    if (view.editor) {
      view.editor.remove();
      view.editor = view.textarea = null;
    }
    if (view.code) view.code.hidden = false;
    view.run.hidden = view.stop.hidden = view.reset.hidden = true;
    view.edit.hidden = false;
    view.status.textContent = "";
    view.edit.focus();
  }

  function setup() {
    const source = document.getElementById("wmbook-runner-data");
    if (!source) return;
    data = JSON.parse(source.textContent);
    base = new URL(data.base, document.baseURI);
    data.blocks.forEach((block) => attach(block, Object.keys(data.code).indexOf(block.id) + 1));
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setup); // Material's instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
