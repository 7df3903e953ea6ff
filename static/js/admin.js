// Names for what the admin's scripts draw without one (axe-core: aria-input-field-name, label,
// list, aria-prohibited-attr): the autocomplete boxes (select2), the filter widgets' search icons
// and the date and time boxes. Watches the page, since those scripts draw after it loads.
(function () {
  "use strict";

  function nameOf(field) {
    const label = field.id && document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
    if (label) {
      if (!label.id) label.id = `${field.id}-label`;
      return { id: label.id, text: label.textContent.trim().replace(/[:：]$/, "") };
    }
    const text = field.getAttribute("aria-label");
    return text ? { id: null, text: text } : null;
  }

  function nameAutocomplete(select) {
    const container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2") || container.dataset.named) return;
    const name = nameOf(select);
    if (!name) return;
    container.dataset.named = "yes";
    const box = container.querySelector(".select2-selection");
    const rendered = container.querySelector(".select2-selection__rendered");
    if (name.id) {
      box.setAttribute("aria-labelledby", [name.id, rendered && rendered.id].filter(Boolean).join(" "));
    } else {
      box.removeAttribute("aria-labelledby");
      box.setAttribute("aria-label", name.text);
    }
    if (rendered && rendered.getAttribute("role") === "textbox") {
      // Only shows the choice, which the box's name already reads out.
      rendered.removeAttribute("role");
      rendered.removeAttribute("aria-readonly");
    }
    const search = container.querySelector(".select2-search__field");
    if (search) search.setAttribute("aria-label", name.text);
    if (rendered && rendered.tagName === "UL") {
      // A list holds only items: the "remove all" button goes beside it, where its handler still finds it.
      const moveClear = () =>
        rendered.querySelectorAll(":scope > .select2-selection__clear").forEach((clear) => rendered.after(clear));
      moveClear();
      new MutationObserver(moveClear).observe(rendered, { childList: true });
    }
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(nameAutocomplete);
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach((icon) => icon.setAttribute("role", "img"));
    document.querySelectorAll("p.datetime input:not([aria-label])").forEach((input) => {
      const before = input.previousSibling;
      const text = before && before.nodeType === Node.TEXT_NODE ? before.textContent.trim().replace(/[:：]$/, "") : "";
      if (text) input.setAttribute("aria-label", text);
    });
  }

  let scheduled = false;
  new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      nameAll();
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", nameAll);
})();
