// Pieces of text made into page elements: times that stay current, links in posts.
import { h } from "./dom.js";
import { fullDate, relativeTime } from "./i18n.js";

export function timeElement(iso) {
  const date = new Date(iso);
  return h("time", { datetime: iso, title: fullDate(date), dataset: { relative: "" } }, relativeTime(date));
}

// "5 minutes ago" becomes "6 minutes ago" without a reload.
export function refreshTimes(root = document) {
  for (const element of root.querySelectorAll("time[data-relative]")) {
    const date = new Date(element.dateTime);
    element.textContent = relativeTime(date);
    element.title = fullDate(date);
  }
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = /[.,;:!?'"»)\]]+$/;

// The post's text as text nodes, with web addresses made into links.
export function linkified(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trailing = url.match(TRAILING);
    // Keep a closing bracket that belongs to the address, as in Wikipedia links.
    if (trailing && !(trailing[0].startsWith(")") && url.includes("("))) {
      url = url.slice(0, -trailing[0].length);
    }
    parts.push(text.slice(last, match.index));
    parts.push(h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow" }, url));
    last = match.index + url.length;
  }
  parts.push(text.slice(last));
  return parts.filter((part) => part !== "");
}
