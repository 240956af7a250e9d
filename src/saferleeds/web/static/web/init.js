// Loaded as a module: marks the page as JS-enabled for GOV.UK Frontend and starts its
// components. Kept out of the HTML so a strict Content-Security-Policy needs no inline script.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Long selects marked data-sl-autocomplete (the case list's area filter: hundreds of
// areas) become GOV.UK accessible-autocomplete boxes: type to search. Without
// JavaScript they stay grouped selects. Loaded only on pages that have one.
const longSelects = document.querySelectorAll("select[data-sl-autocomplete]");
if (longSelects.length) {
  import("../vendor/accessible-autocomplete/accessible-autocomplete.min.js").then(() => {
    for (const select of longSelects) {
      const id = select.id;
      window.accessibleAutocomplete.enhanceSelectElement({
        selectElement: select,
        defaultValue: "",
        showAllValues: true,
        confirmOnBlur: false,
        dropdownArrow: () => "",
      });
      // What the box says when the form is sent is the choice: the autocomplete
      // leaves the select's last choice when the box is emptied or edited, so an
      // emptied box (or text naming no option) means no choice ("Any").
      select.form?.addEventListener("submit", () => {
        const input = document.getElementById(id);
        if (!input) return;
        const text = input.value.trim();
        const match = [...select.options].find((o) => o.text.trim() === text);
        select.value = match && text ? match.value : "";
      });
    }
  });
}
