// @ts-check
// A text field with a live character count (a report's reason, an announcement):
// counted as the server counts, in code points of the trimmed text.
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";

/** @param {string} text */
export function countOf(text) {
  return [...text.trim()].length;
}

/**
 * @param {{ label: string, max: number, name: string, rows?: number, hint?: string }} options
 */
export function countedText({ label, max, name, rows = 4, hint }) {
  const id = uniqueId(name);
  const counterId = uniqueId(`${name}-counter`);
  const hintId = hint ? uniqueId(`${name}-hint`) : null;
  const field = h("textarea", { id, name, rows, "aria-describedby": [counterId, hintId].filter(Boolean).join(" ") });
  const counter = h("span", { id: counterId, class: "composer-counter", "data-role": "counter" });
  function show() {
    const used = countOf(field.value);
    counter.textContent = t("composer.counter", { used, max });
    counter.classList.toggle("is-over", used > max);
  }
  field.addEventListener("input", show);
  show();
  const element = h(
    "div",
    { class: "form-field" },
    h("div", { class: "form-label-row" }, h("label", { for: id }, label), counter),
    field,
    hint ? h("p", { id: hintId, class: "form-hint" }, hint) : null,
  );
  return {
    element,
    field,
    // The trimmed text, and what is wrong with it (null when nothing is).
    value: () => field.value.trim(),
    /** @param {string} emptyMessage what to say when nothing was written */
    problem: (emptyMessage) => {
      const used = countOf(field.value);
      if (used === 0) return emptyMessage;
      if (used > max) return t("text.tooLong", { count: used - max, max });
      return null;
    },
  };
}
