// @ts-check
// "3 new posts — show": what arrived while the person reads, told without moving the
// list under them; they choose when to see it. Sticks to the top of the window.
/** @import { MessageKey } from "../i18n.js" */
import { h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * @param {MessageKey} message a plural message with {count}
 * @param {() => void} onShow the person asked to see them
 */
export function newItemsBar(message, onShow) {
  /** @type {Set<number>} */
  const waiting = new Set();
  const button = h("button", { type: "button", class: "button button-primary", "data-action": "show-new" });
  // A live region from the start, so the bar's coming is announced.
  const element = h("div", { class: "new-items", role: "status" });
  button.addEventListener("click", () => {
    waiting.clear();
    element.replaceChildren();
    onShow();
  });
  return {
    element,
    // Each item counted once, however often it is announced.
    /** @param {number} key */
    add(key) {
      if (waiting.has(key)) return;
      waiting.add(key);
      button.textContent = t(message, { count: waiting.size });
      if (!button.isConnected) element.replaceChildren(button);
    },
  };
}
