// The course player without full-page reloads. Without this file the same pages work with plain
// links and a Continue form; with it, progress is saved in the background and only the lesson changes.
"use strict";

(() => {
  const playerSelector = "#player";

  function showError(message) {
    let box = document.querySelector("[data-player-error]");
    if (!box) {
      box = document.createElement("p");
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      box.dataset.playerError = "";
      document.querySelector(playerSelector)?.prepend(box);
    }
    box.textContent = message;
  }

  // Replace the player with the one in the page at `url`; fall back to a normal load on any failure.
  async function load(url, push) {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok || !response.headers.get("Content-Type")?.startsWith("text/html")) throw new Error();
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const next = page.querySelector(playerSelector);
      if (!next) throw new Error();
      document.querySelector(playerSelector).replaceWith(document.adoptNode(next));
      document.title = next.dataset.title || page.title;
      if (push) history.pushState({ player: true }, "", response.url);
      window.scrollTo(0, 0);
      document.getElementById("lesson-title")?.focus();
      enhance();
    } catch {
      window.location.assign(url);
    }
  }

  async function submitContinue(form) {
    const button = form.querySelector("button");
    if (button.getAttribute("aria-disabled") === "true") {
      showError(document.querySelector("[data-video-status]")?.textContent.trim() || "");
      return;
    }
    button.disabled = true;  // a double tap saves once
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const data = await response.json();
      if (!response.ok) {
        showError(data.error);
        button.disabled = false;
        return;
      }
      // The page says whether Continue leads to another lesson (swapped in) or to the quiz (a page of its own).
      if (form.dataset.nextIsLesson === "true") await load(data.next, true);
      else window.location.assign(data.next);
    } catch {
      form.submit();
    }
  }

  // Report the ranges the browser says were played (video.played), every 10 s and when playback stops.
  function trackVideo(video) {
    const status = document.querySelector("[data-video-status]");
    const button = document.querySelector("[data-player-continue] button");
    const percent = new Intl.NumberFormat(document.documentElement.lang, { style: "percent" });
    let lastSent = "";
    async function report(keepalive) {
      const ranges = [];
      for (let i = 0; i < video.played.length; i += 1) ranges.push([video.played.start(i), video.played.end(i)]);
      const body = JSON.stringify({ ranges });
      if (!ranges.length || body === lastSent) return;
      lastSent = body;
      try {
        const response = await fetch(video.dataset.reportUrl, {
          method: "POST", body, keepalive, credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": video.dataset.csrf },
        });
        const data = await response.json();
        if (!response.ok) return;
        if (data.complete) {
          status.textContent = status.dataset.doneLabel;
          button.removeAttribute("aria-disabled");
        } else {
          status.textContent = status.dataset.watchedLabel.replace("{share}", percent.format(data.share));
        }
      } catch {
        lastSent = "";  // offline for a moment: the next report carries the same ranges
      }
    }
    const timer = setInterval(() => report(false), 10000);
    video.addEventListener("pause", () => report(false));
    video.addEventListener("ended", () => report(false));
    window.addEventListener("pagehide", () => report(true), { once: true });
    const observer = new MutationObserver(() => {
      if (!document.contains(video)) { clearInterval(timer); report(true); observer.disconnect(); }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }

  function enhance() {
    const player = document.querySelector(playerSelector);
    if (!player) return;
    player.querySelectorAll("a[data-player-nav]").forEach((link) => {
      link.addEventListener("click", (event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        load(link.href, true);
      });
    });
    const form = player.querySelector("form[data-player-continue]");
    form?.addEventListener("submit", (event) => {
      event.preventDefault();
      submitContinue(form);
    });
    const video = player.querySelector("video[data-report-url]");
    if (video) trackVideo(video);
  }

  window.addEventListener("popstate", () => load(window.location.href, false));
  document.addEventListener("DOMContentLoaded", enhance);
})();
