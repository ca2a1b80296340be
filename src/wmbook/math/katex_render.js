// Render a JSON list of {tex, display} read from stdin with KaTeX; print a JSON list
// of {html} or {error} in the same order. argv[2] is the path of katex.min.js.
"use strict";
const katex = require(process.argv[2]);

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const rendered = JSON.parse(input).map(({ tex, display }) => {
    try {
      const html = katex.renderToString(tex, {
        displayMode: display,
        throwOnError: true,
        output: "htmlAndMathml",
        strict: "ignore",
      });
      return { html };
    } catch (err) {
      return { error: String(err && err.message ? err.message : err) };
    }
  });
  process.stdout.write(JSON.stringify(rendered));
});
