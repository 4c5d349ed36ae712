// @ts-check
// Pieces of text made into page elements: times that stay current, links in posts.
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

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = ".,;:!?'\"»]";

/**
 * @param {string} text
 * @param {string} char
 */
function count(text, char) {
  return text.split(char).length - 1;
}

// Punctuation after an address ends the sentence, not the address; a closing bracket
// stays when the address opened one, as in Wikipedia's "Foo_(bar)".
/** @param {string} url */
function trimAddress(url) {
  while (url.length > 0) {
    const last = url.slice(-1); // the last character: the address is not empty
    if (TRAILING.includes(last) || (last === ")" && count(url, ")") > count(url, "("))) {
      url = url.slice(0, -1);
    } else break;
  }
  return url;
}

// The post's text as text nodes, with web addresses made into links.
/** @param {string} text */
export function linkified(text) {
  /** @type {Array<string | HTMLAnchorElement>} */
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = trimAddress(match[0]);
    parts.push(text.slice(last, match.index));
    parts.push(h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow" }, url));
    last = match.index + url.length;
  }
  parts.push(text.slice(last));
  return parts.filter((part) => part !== "");
}
