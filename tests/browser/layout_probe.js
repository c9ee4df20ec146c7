// Injected into every page of a browser journey: measures what a person on a 360 px phone would notice
// and reports it to the test through the `reportLayout` binding once the page has loaded.
(() => {
  const TAP = 44;
  const quarter = () => window.innerHeight / 4;
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== "hidden" && style.display !== "none" && box.width > 0 && box.height > 0 && box.right > 0;
  };
  const name = (el) => `${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.getAttribute("aria-label") || el.id || "").trim().slice(0, 40)}"`;
  // A link inside running text is exempt (WCAG 2.5.8 "inline"): its line height is the text's.
  const inSentence = (el) => getComputedStyle(el).display === "inline" && el.parentElement &&
    el.parentElement.textContent.trim().length > el.textContent.trim().length;
  // A checkbox or radio button is tapped through its label, so the two together are the target.
  const targetBox = (el) => {
    let box = el.getBoundingClientRect();
    const label = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if ((el.type === "checkbox" || el.type === "radio") && label) {
      const other = label.getBoundingClientRect();
      const left = Math.min(box.left, other.left), top = Math.min(box.top, other.top);
      box = { width: Math.max(box.right, other.right) - left, height: Math.max(box.bottom, other.bottom) - top };
    }
    return box;
  };
  // A word the browser split over two lines shows as two rectangles of one range.
  const brokenWords = (el) => {
    const broken = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (const word of node.data.matchAll(/\S+/g)) {
        if (/@|\/\//.test(word[0])) continue;  // an email address or a URL wraps where it must
        for (const part of word[0].matchAll(/[^-]+-?/g)) {  // a line may end after a hyphen
          const range = document.createRange();
          range.setStart(node, word.index + part.index);
          range.setEnd(node, word.index + part.index + part[0].length);
          const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (lines.size > 1) broken.push(part[0]);
        }
      }
    }
    return broken;
  };

  function measure() {
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) problems.push(`wider than the screen: ${root.scrollWidth} px`);
    const main = document.querySelector("main");
    if (main) {
      // The page's title, or its first content where it has none, measured from the top of the document.
      const title = [...main.querySelectorAll("h1")].find(visible) || [...main.children].find(visible);
      const top = title ? title.getBoundingClientRect().top + window.scrollY : 0;
      if (top > quarter()) problems.push(`the title starts at ${Math.round(top)} px, below the top quarter`);
      const style = getComputedStyle(main);
      const right = main.getBoundingClientRect().right - parseFloat(style.paddingRight);
      for (const el of main.querySelectorAll("*")) {
        if (!visible(el) || el.closest("table, pre, [data-scrolls]")) continue;
        const box = el.getBoundingClientRect();
        if (box.right > right + 1) problems.push(`${name(el)} sticks out of the page by ${Math.round(box.right - right)} px`);
      }
      // Codes and table values are never split; an ordinary word (up to 24 characters) is never split either:
      // a column squeezed to a few letters' width shows as words broken everywhere. Longer words (an email
      // address, a URL) may wrap.
      for (const el of main.querySelectorAll(".code, table th, table td")) {
        for (const word of brokenWords(el)) problems.push(`"${word}" is broken over two lines`);
      }
      for (const word of brokenWords(main)) {
        if (word.length <= 24) problems.push(`"${word}" is broken over two lines`);
      }
      for (const table of main.querySelectorAll("table")) {
        const next = table.nextElementSibling;
        if (next && next.getBoundingClientRect().top - table.getBoundingClientRect().bottom < 8)
          problems.push("a table touches what follows it");
      }
    }
    const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary";
    for (const el of document.querySelectorAll(controls)) {
      if (!visible(el) || el.closest(".skip-link") || inSentence(el)) continue;
      const box = targetBox(el);
      if (box.width < TAP - 0.5 || box.height < TAP - 0.5)
        problems.push(`${name(el)} is ${Math.round(box.width)}×${Math.round(box.height)} px, under ${TAP}×${TAP}`);
    }
    for (const el of document.querySelectorAll("[hidden]")) {
      if (el.getClientRects().length > 0) problems.push(`${name(el)} is hidden but shown`);
    }
    return problems;
  }

  window.addEventListener("load", () => requestAnimationFrame(() => {
    if (typeof window.reportLayout === "function")
      window.reportLayout({ page: location.pathname, problems: measure() });
  }));
})();
