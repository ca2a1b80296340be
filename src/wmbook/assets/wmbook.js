// Cite popovers. Event delegation on the document, so it also works when a theme swaps
// page content without a full reload.
(function () {
  "use strict";

  // A cite popover opens under its section's heading, as wide as the text column: the native
  // default (the middle of the window) would cover the table of contents. The popover is in the
  // top layer, so "absolute" is relative to the document, whatever the page's own layout.
  function placeCite(popover) {
    const button = document.querySelector('.wmbook-cite-button[popovertarget="' + popover.id + '"]');
    const heading = button ? button.previousElementSibling || button.parentElement : null;
    if (!heading) return;
    const column = heading.getBoundingClientRect();
    const place = {
      "--wmbook-cite-top": window.scrollY + button.getBoundingClientRect().bottom + 6 + "px",
      "--wmbook-cite-left": window.scrollX + column.left + "px",
      "--wmbook-cite-width": column.width + "px",
    };
    for (const name in place) {
      if (popover.style.getPropertyValue(name) !== place[name]) popover.style.setProperty(name, place[name]);
    }
    popover.classList.add("wmbook-cite--placed");
  }

  // While a popover is open the page can still move under it (an instrument or a figure above
  // finishing its layout, the window resized): once a frame it is placed again, and only while
  // one is open.
  let following = false;
  function follow() {
    const open = document.querySelectorAll(".wmbook-cite--placed:popover-open");
    open.forEach(placeCite);
    following = open.length > 0;
    if (following) requestAnimationFrame(follow);
  }

  // A citation in the text shows its reference while it is hovered or focused, so the
  // reader need not jump to the list: the entry's first line (before its related works
  // and annotation), as text.
  let tip = null;
  let tipFor = null;
  function referenceText(link) {
    const id = decodeURIComponent((link.getAttribute("href") || "").slice(1));
    const entry = id ? document.getElementById(id) : null;
    if (!entry) return "";
    let text = "";
    for (const node of entry.childNodes) {
      if (node.nodeName === "BR") break;
      text += node.textContent;
    }
    return text.trim();
  }
  function showTip(link) {
    const text = referenceText(link);
    if (!text) return;
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "wmbook-reference-tip";
      tip.className = "wmbook-reference-tip";
      tip.setAttribute("role", "tooltip");
      tip.dataset.searchExclude = "";
      document.body.appendChild(tip);
    }
    tip.textContent = text;
    tip.hidden = false;
    tipFor = link;
    link.setAttribute("aria-describedby", tip.id);
    const box = link.getBoundingClientRect();
    const width = Math.min(480, document.documentElement.clientWidth - 16);
    tip.style.setProperty("--wmbook-tip-width", width + "px");
    const left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
    tip.style.setProperty("--wmbook-tip-left", window.scrollX + left + "px");
    tip.style.setProperty("--wmbook-tip-top", window.scrollY + box.bottom + 6 + "px");
  }
  function hideTip() {
    if (!tip || !tipFor) return;
    tipFor.removeAttribute("aria-describedby");
    tip.hidden = true;
    tipFor = null;
  }
  function citationLink(target) {
    return target instanceof Element ? target.closest("a.wmbook-citation__link") : null;
  }
  document.addEventListener("mouseover", function (event) {
    const link = citationLink(event.target);
    if (link && link !== tipFor) showTip(link);
  });
  document.addEventListener("mouseout", function (event) {
    const link = citationLink(event.target);
    if (link && link === tipFor && !link.contains(event.relatedTarget)) hideTip();
  });
  document.addEventListener("focusin", function (event) {
    const link = citationLink(event.target);
    if (link) showTip(link);
  });
  document.addEventListener("focusout", function (event) {
    if (citationLink(event.target)) hideTip();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hideTip();
  });

  // A citation names the address the reader sees the page at (unless the book gave its
  // published address) and the day the reader opened it: the build knows neither.
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  function two(n) {
    return String(n).padStart(2, "0");
  }
  function fillCite(popover) {
    const now = new Date();
    const iso = now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate());
    const long = MONTHS[now.getMonth()] + " " + now.getDate() + ", " + now.getFullYear();
    const page = location.origin + location.pathname;
    popover.querySelectorAll("[data-wmbook-cite]").forEach(function (slot) {
      const kind = slot.dataset.wmbookCite;
      let text = slot.textContent;
      if (kind === "url" && !("wmbookFixed" in slot.dataset) && /^https?:$/.test(location.protocol)) {
        text = page + "#" + slot.dataset.wmbookAnchor;
      } else if (kind === "bibtex-date") {
        text = "  urldate   = {" + iso + "},\n";
      } else if (kind === "apa-date") {
        text = "Retrieved " + long + ", from ";
      }
      if (slot.textContent !== text) slot.textContent = text;
    });
  }

  // "beforetoggle" does not bubble: listened for in the capture phase.
  document.addEventListener(
    "beforetoggle",
    function (event) {
      const popover = event.target;
      if (!(popover instanceof HTMLElement) || !popover.classList.contains("wmbook-cite")) return;
      if (event.newState !== "open") return;
      fillCite(popover);
      placeCite(popover);
      if (!following) {
        following = true;
        requestAnimationFrame(follow);
      }
    },
    true
  );
})();
