// Progressive enhancements only: every page works without this file.
"use strict";

// A "show password" button under each password field, so people on phones can check what they typed.
document.addEventListener("DOMContentLoaded", () => {
  // The labels come from the page, translated by the server.
  const labels = [document.body.dataset.showPassword, document.body.dataset.hidePassword];
  document.querySelectorAll("input[type=password]").forEach((input) => {
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "password-toggle";
    toggle.textContent = labels[0];
    toggle.setAttribute("aria-controls", input.id);
    toggle.setAttribute("aria-pressed", "false");
    toggle.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      toggle.textContent = labels[show ? 1 : 0];
      toggle.setAttribute("aria-pressed", String(show));
    });
    input.insertAdjacentElement("afterend", toggle);
  });
  // A second tap on a button that must submit once (the quiz) does nothing; the server also counts it once.
  document.querySelectorAll("button[data-submit-once]").forEach((button) => {
    button.form.addEventListener("submit", () => setTimeout(() => { button.disabled = true; }, 0));
  });
  // Focus the error summary after a failed submit, or the answer a page was reloaded to give (a station
  // search), so screen readers announce it and a phone scrolls it into view.
  const answer = document.querySelector(".form-summary, [data-focus-on-load]");
  if (answer) answer.focus();
});
