// @ts-check
// How long a post's text is, counted as the server counts it (code points of the
// trimmed text): "12 / 280", amber near the limit, red over it, and said in words
// when over (not only by the colour). The composer and editing in place share it.
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";

/** @param {string} text */
export function textLength(text) {
  return [...text.trim()].length;
}

/**
 * @param {number} maxLength
 * @returns {{ counter: HTMLSpanElement, tooLong: HTMLParagraphElement, show: (text: string) => number }} `show` answers the length
 */
export function lengthCounter(maxLength) {
  const counter = h("span", { id: uniqueId("counter"), class: "composer-counter" });
  const tooLong = h("p", { class: "composer-too-long", "aria-live": "polite" });
  /** @param {string} text */
  function show(text) {
    const used = textLength(text);
    counter.textContent = t("composer.counter", { used, max: maxLength });
    counter.classList.toggle("is-near", used > maxLength * 0.9 && used <= maxLength);
    counter.classList.toggle("is-over", used > maxLength);
    tooLong.textContent = used > maxLength ? t("composer.tooLong", { count: used - maxLength, max: maxLength }) : "";
    return used;
  }
  return { counter, tooLong, show };
}
