// Writes readout texts into the page's live region by element id. Only
// changed texts are written, so screen readers announce real changes only.

function setReadouts(ids, texts) {
  if (typeof document === "undefined") return;
  for (const key of Object.keys(texts)) {
    const el = document.getElementById(ids[key]);
    if (el !== null && el.textContent !== texts[key]) {
      el.textContent = texts[key];
    }
  }
}
