// Enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // The institution filter suggests names as one types; without this it is a plain text box
  // that takes a name or an address name. Arrow keys move through the suggestions, Enter takes
  // one, Escape closes them; nothing is submitted until Apply.
  document.querySelectorAll("[data-suggest]").forEach((field) => {
    const input = field.querySelector("input[type=text]");
    if (!input) return;
    const list = document.createElement("ul");
    list.className = "suggestions";
    list.id = `${input.id}-suggestions`;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.after(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    let active = -1;
    let timer = null;
    const options = () => Array.from(list.querySelectorAll("[role=option]"));
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (index) => {
      const all = options();
      all.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (all[index]) input.setAttribute("aria-activedescendant", all[index].id);
    };
    const choose = (option) => {
      input.value = option.dataset.value;
      close();
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const text = input.value.trim();
      if (text.length < 2) return close();
      timer = setTimeout(async () => {
        const response = await fetch(`${field.dataset.suggest}?q=${encodeURIComponent(text)}`, {
          headers: { Accept: "application/json" },
        });
        if (input.value.trim() !== text) return; // an answer to what was typed before
        if (!response.ok) return close();
        const { results } = await response.json();
        if (input.value.trim() !== text) return;
        list.replaceChildren(
          ...results.map((result, i) => {
            const option = document.createElement("li");
            option.id = `${list.id}-${i}`;
            option.setAttribute("role", "option");
            option.dataset.value = result.slug;
            option.textContent = result.label;
            option.addEventListener("mousedown", (event) => {
              event.preventDefault();
              choose(option);
            });
            return option;
          }),
        );
        list.hidden = results.length === 0;
        input.setAttribute("aria-expanded", String(!list.hidden));
        active = -1;
      }, 150);
    });
    input.addEventListener("keydown", (event) => {
      const all = options();
      if (list.hidden || all.length === 0) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, all.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(all[active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  });
  // A "print" button on the brief.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
});
