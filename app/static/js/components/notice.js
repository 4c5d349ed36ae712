// @ts-check
// Short messages at the bottom of the screen ("Tweet deleted", "Could not like…"),
// read out by screen readers through a live region.
/** @import { Child } from "../dom.js" */
import { h, icon } from "../dom.js";
import { t } from "../i18n.js";

const SHOW_FOR_MS = 6000;

/** @returns {HTMLElement} */
export function noticeArea() {
  let area = document.getElementById("notices");
  if (!area) {
    area = h("div", { id: "notices", class: "notices", role: "status", "aria-live": "polite" });
    document.body.append(area);
  }
  return area;
}

/**
 * @param {Child} message  text, or a sentence with people's texts isolated (tIsolated)
 * @param {{ kind?: "info" | "error" }} [options]
 */
export function notify(message, { kind = "info" } = {}) {
  const close = h("button", { type: "button", class: "icon-button", "aria-label": t("action.close") }, icon("close"));
  const item = h("div", { class: ["notice", `notice-${kind}`], dataset: { kind } }, h("p", null, message), close);
  const remove = () => item.remove();
  close.addEventListener("click", remove);
  noticeArea().append(item);
  setTimeout(remove, kind === "error" ? SHOW_FOR_MS * 2 : SHOW_FOR_MS);
}

export function clearNotices() {
  noticeArea().replaceChildren();
}

/** @param {Child} message */
export function notifyError(message) {
  notify(message, { kind: "error" });
}
