// Enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Apply a filter as soon as a select or checkbox changes.
  document.querySelectorAll("form.filters[data-autosubmit]").forEach((form) => {
    form.addEventListener("change", (event) => {
      if (event.target.matches("select, input[type=checkbox]")) form.requestSubmit();
    });
  });
  // Switch the language as soon as another one is picked (the button serves without JavaScript).
  document.querySelectorAll("form.language-switcher[data-autosubmit]").forEach((form) => {
    form.querySelector("select").addEventListener("change", () => form.requestSubmit());
  });
  // On a narrow screen the filters start folded so the results come first.
  if (window.matchMedia("(max-width: 52rem)").matches) {
    document.querySelectorAll(".filters__details:not([data-keep-open])").forEach((details) => {
      details.open = false;
    });
  }
  // A "print" button on the brief.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
});
