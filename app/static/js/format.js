// @ts-check
// Pieces of text made into page elements: times that stay current, links in posts.
/** @import { Mention } from "./types.js" */
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
// Characters that show as nothing (right-to-left overrides and other bidi controls,
// zero-width spaces and joiners, soft hyphens…): in an address they could make a
// link read as one place and go to another, so links are made without them.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
// Right-to-left letters (the blocks Unicode keeps for right-to-left scripts) reorder
// around the "/" and "." of an address; an address with one is shown in ASCII form.
const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

/**
 * @param {string} text
 * @param {string} char
 */
function count(text, char) {
  return text.split(char).length - 1;
}

// Punctuation after an address ends the sentence, not the address; a closing bracket
// stays when the address opened one, as in Wikipedia's "Foo_(bar)". Invisible
// characters at the end go with the text too (a bidi control closing the text around).
/** @param {string} url */
function trimAddress(url) {
  while (url.length > 0) {
    const last = url.slice(-1); // the last character: the address is not empty
    const closes = last === ")" && count(url, ")") > count(url, "(");
    if (TRAILING.includes(last) || closes || last.replace(INVISIBLE, "") === "") {
      url = url.slice(0, -1);
    } else break;
  }
  return url;
}

// The address a link goes to, which is also exactly the link's text: as typed, less
// the invisible characters; its ASCII form (punycode host, %-escapes) when it has
// right-to-left letters. null when it is no address a browser would follow.
/** @param {string} typed */
function linkTarget(typed) {
  const visible = typed.replace(INVISIBLE, "");
  let url;
  try {
    url = new URL(visible);
  } catch {
    return null;
  }
  return RIGHT_TO_LEFT.test(visible) ? url.href : visible;
}

// The post's text as text nodes, with web addresses made into links. A link is its
// own left-to-right isolate, so bidi controls in the text around cannot turn it round.
/** @param {string} text */
export function linkified(text) {
  /** @type {Array<string | HTMLAnchorElement>} */
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const typed = trimAddress(match[0]);
    const target = linkTarget(typed);
    if (target === null) continue; // stays text
    parts.push(text.slice(last, match.index));
    parts.push(h("a", { href: target, dir: "ltr", target: "_blank", rel: "noopener noreferrer nofollow" }, target));
    last = match.index + typed.length;
  }
  parts.push(text.slice(last));
  return parts.filter((part) => part !== "");
}

// `@handle` as the server finds a mention: not after a letter, digit, "_", "." or "@"
// (inside a word or an e-mail address). A handle may hold dots but not end with one
// that ends a sentence, so a candidate is shortened until it names a mention.
const MENTION = /(?<![\p{L}\p{N}_.@])@([a-z0-9_.]{3,30})/giu;

// The text's mentions made into links to the people's profiles, from the tweet's own
// `mentions` (who the server says was meant, by id: a handle changed since still
// leads to the person); an @word that is not one of them stays text.
/**
 * @param {string} text
 * @param {Mention[]} mentions
 * @returns {Array<string | HTMLAnchorElement>}
 */
function mentionLinks(text, mentions) {
  if (mentions.length === 0) return [text];
  const byHandle = new Map(mentions.map((person) => [person.handle.toLowerCase(), person]));
  /** @type {Array<string | HTMLAnchorElement>} */
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    let handle = match[1];
    while (handle.endsWith(".") && !byHandle.has(handle.toLowerCase())) handle = handle.slice(0, -1);
    const person = byHandle.get(handle.toLowerCase());
    if (!person) continue;
    parts.push(text.slice(last, match.index));
    const typed = `@${handle}`;
    parts.push(h("a", { href: `/users/${person.id}`, class: "mention", dir: "ltr", title: person.name }, typed));
    last = match.index + typed.length;
  }
  parts.push(text.slice(last));
  return parts.filter((part) => part !== "");
}

// A post's text as page content: addresses and mentions made into links, the rest text.
/**
 * @param {string} text
 * @param {Mention[]} [mentions]
 */
export function postText(text, mentions = []) {
  return linkified(text).flatMap((part) => (typeof part === "string" ? mentionLinks(part, mentions) : [part]));
}
