// @ts-check
// Times made into page elements that stay current ("5 minutes ago" moves on).
import { h } from "./dom.js";
import { fullDate, relativeTime } from "./i18n.js";

/** @param {string} iso */
export function timeElement(iso) {
  const date = new Date(iso);
  return h("time", { datetime: iso, title: fullDate(date), dataset: { relative: "" } }, relativeTime(date));
}

// "5 minutes ago" becomes "6 minutes ago" without a reload.
/** @param {ParentNode} [root] */
export function refreshTimes(root = document) {
  for (const element of /** @type {NodeListOf<HTMLTimeElement>} */ (root.querySelectorAll("time[data-relative]"))) {
    const date = new Date(element.dateTime);
    element.textContent = relativeTime(date);
    element.title = fullDate(date);
  }
}
