// @ts-check
// A new api key, shown once: in a dialog with a copy button and the warning that it
// will not be shown again. Nothing keeps it: once the dialog closes, it is gone.
/** @import { PersonWithKey } from "../types.js" */
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { openDialog } from "./dialog.js";

/** @param {PersonWithKey} person */
export function revealKey(person) {
  const fieldId = uniqueId("new-key");
  const field = h("input", {
    id: fieldId,
    type: "text",
    class: "key-field",
    readonly: true,
    spellcheck: "false",
    autocomplete: "off",
    value: person.api_key,
    "data-role": "new-key",
  });
  const copy = h("button", { type: "button", class: "button button-primary", "data-action": "copy-key" }, t("key.copy"));
  const status = h("p", { class: "form-hint", role: "status", "data-role": "copy-status" });
  const done = h("button", { type: "button", class: "button", "data-action": "done" }, t("key.done"));
  const dialog = openDialog({
    title: t("key.title", { name: person.name }),
    className: "key-dialog",
    body: [
      h("p", { class: "key-warning", role: "alert" }, t("key.warning", { name: person.name })),
      h("label", { for: fieldId }, t("key.label")),
      h("div", { class: "key-row" }, field, copy),
      status,
      h("div", { class: "dialog-actions" }, done),
    ],
  });
  // A stray click beside the dialog must not lose the key: only its buttons and Esc close it.
  dialog.addEventListener(
    "click",
    (event) => {
      if (event.target === dialog) event.stopImmediatePropagation();
    },
    { capture: true },
  );
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(person.api_key);
      status.textContent = t("key.copied");
    } catch {
      // No clipboard for this page (not allowed, or an old browser): the key is
      // selected, for the person to copy with their keyboard or menu.
      field.focus();
      field.select();
      status.textContent = t("key.selected");
    }
  });
  done.addEventListener("click", () => dialog.close());
  copy.focus();
  return dialog;
}
