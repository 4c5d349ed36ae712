// @ts-check
// Modal dialogs on the native <dialog>: it traps focus, closes with Esc and gives
// focus back to what opened it.
/** @import { Child } from "../dom.js" */
import { h, icon, uniqueId } from "../dom.js";
import { t } from "../i18n.js";

// `labelled`: the title is shown as the dialog's heading; else it is only its aria-label.
/**
 * @param {{ title: string, body: Child, className?: string, labelled?: boolean }} options
 * @returns {HTMLDialogElement}
 */
export function openDialog({ title, body, className, labelled = true }) {
  const titleId = uniqueId("dialog-title");
  const close = h("button", { type: "button", class: "icon-button dialog-close", "aria-label": t("action.close") }, icon("close"));
  const dialog = h(
    "dialog",
    { class: ["dialog", className], "aria-labelledby": labelled ? titleId : null, "aria-label": labelled ? null : title },
    h("header", { class: "dialog-header" }, labelled ? h("h2", { id: titleId }, title) : null, close),
    body,
  );
  close.addEventListener("click", () => dialog.close());
  // A click on the backdrop (the dialog element itself, outside its box) closes it.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

// Resolves true when the person confirms, false when they cancel or press Esc.
/**
 * @param {{ title: string, message: string, confirmLabel: string }} options
 * @returns {Promise<boolean>}
 */
export function confirmDialog({ title, message, confirmLabel }) {
  return new Promise((resolve) => {
    const cancel = h("button", { type: "button", class: "button", "data-action": "cancel" }, t("action.cancel"));
    const confirm = h("button", { type: "button", class: "button button-danger", "data-action": "confirm" }, confirmLabel);
    const dialog = openDialog({
      title,
      className: "confirm",
      body: [h("p", null, message), h("div", { class: "dialog-actions" }, cancel, confirm)],
    });
    let answer = false;
    cancel.addEventListener("click", () => dialog.close());
    confirm.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener("close", () => resolve(answer));
    cancel.focus();
  });
}
