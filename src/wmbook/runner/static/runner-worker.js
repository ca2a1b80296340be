// The interpreter of one page: Pyodide in a Web Worker, loaded on the first Run.
// Messages in:  {type: "run", runId, id, name, session, code, install, replay: [{id, name, code}]}
// (install: packages micropip installs before the block runs, a pyodide fence's install=)
// Messages out: {type: "loading"} · {type: "started", runId} (the block itself begins: its
// timeout counts from here) · {type: "result", runId, output, error, figures}
let pyodide = null;
let setup = null;
const sessions = new Map(); // session name -> {namespace, ran: Set of block ids}
let config = null;
let output = [];
let findImports = null;
const byImport = new Map(); // import name -> the lock file's package entry
const installed = new Set(); // packages micropip installed

async function start(message) {
  config = message;
  const { loadPyodide } = await import(config.indexURL + "pyodide.mjs");
  pyodide = await loadPyodide({
    indexURL: config.indexURL,
    packageBaseUrl: config.packagesURL,
    stdout: (text) => output.push(text + "\n"),
    stderr: (text) => output.push(text + "\n"),
  });
  const source = await (await fetch(config.setupURL)).text();
  const helper = await (await fetch(config.helperURL)).text();
  const namespace = pyodide.globals.get("dict")();
  pyodide.runPython(helper + "\n_plot_xy = plot_xy\n", { globals: namespace });
  pyodide.runPython(source, { globals: namespace });
  setup = { new_session: namespace.get("new_session"), run_block: namespace.get("run_block") };
  const lock = await (await fetch(config.indexURL + "pyodide-lock.json")).json();
  for (const entry of Object.values(lock.packages)) {
    for (const name of entry.imports || []) byImport.set(name, entry);
  }
  findImports = pyodide.pyimport("pyodide.code").find_imports;
}

async function loadImports(code) {
  const needed = [];
  let found = [];
  try {
    const names = findImports(code);
    found = names.toJs();
    names.destroy();
  } catch (error) {
    return ""; // a syntax error: running the block reports it
  }
  if (/\bplot_xy\s*\(/.test(code)) found.push("matplotlib"); // the figure helper draws with it
  for (const name of found) {
    const entry = byImport.get(name);
    if (entry && !pyodide.loadedPackages[entry.name]) needed.push(entry);
  }
  if (!needed.length) return "";
  await pyodide.loadPackage(needed.map((p) => p.name), { messageCallback: () => {}, errorCallback: () => {} });
  const missing = needed.filter((p) => !pyodide.loadedPackages[p.name]);
  if (!missing.length) return "";
  return missing
    .map((p) => `could not load the package ${p.name} from ${config.packagesURL}${p.file_name}; you may be offline, or the book's packages_url does not serve it`)
    .join("\n");
}

// Packages a block asks for by name (install=), from the packages' index through micropip.
async function installPackages(names) {
  const wanted = (names || []).filter((name) => !installed.has(name));
  if (!wanted.length) return "";
  try {
    await pyodide.loadPackage("micropip", { messageCallback: () => {}, errorCallback: () => {} });
    const micropip = pyodide.pyimport("micropip");
    await micropip.install(wanted);
    micropip.destroy();
  } catch (error) {
    return `could not install ${wanted.join(", ")}: ${error}`;
  }
  for (const name of wanted) installed.add(name);
  return "";
}

function session(name) {
  if (!sessions.has(name)) sessions.set(name, { namespace: setup.new_session(), ran: new Set() });
  return sessions.get(name);
}

async function runOne(state, id, code, name, raises, started) {
  const missing = await loadImports(code);
  if (missing) return { error: missing, figures: [], expected: false };
  if (started) started();
  const result = setup.run_block(code, state.namespace, name, raises || "");
  const [error, figures, expected] = result.toJs();
  result.destroy();
  state.ran.add(id);
  return { error, figures, expected };
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type !== "run") return;
  try {
    if (!pyodide) {
      self.postMessage({ type: "loading" });
      await start(message);
    }
    const state = session(message.session);
    const failed = await installPackages(message.install);
    if (failed) {
      self.postMessage({ type: "result", runId: message.runId, output: "", figures: [], error: failed });
      return;
    }
    for (const earlier of message.replay) {
      if (state.ran.has(earlier.id)) continue;
      output = [];
      const done = await runOne(state, earlier.id, earlier.code, earlier.name, earlier.raises);
      if (done.error && !done.expected) {
        self.postMessage({ type: "result", runId: message.runId, output: "", figures: [], error: `a block above this one failed when it was run first:\n${done.error}` });
        return;
      }
    }
    output = [];
    const started = () => self.postMessage({ type: "started", runId: message.runId });
    const done = await runOne(state, message.id, message.code, message.name, message.raises, started);
    self.postMessage({ type: "result", runId: message.runId, output: output.join(""), figures: done.figures, error: done.error });
  } catch (error) {
    self.postMessage({ type: "result", runId: message.runId, output: output.join(""), figures: [], error: `Python could not be started or run: ${error}` });
  }
};
