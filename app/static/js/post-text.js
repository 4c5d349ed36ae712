// @ts-check
// A post's text as page content. It is split once into segments (plain text, web
// addresses, mentions, hashtags), the words a search matched are marked in them, and
// only then are they made into text nodes, links and <mark>s: nothing a person typed
// is ever parsed as HTML.
/** @import { Mention, Tweet } from "./types.js" */
import { h } from "./dom.js";

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = ".,;:!?'\"»]";
// Characters that show as nothing (right-to-left overrides and other bidi controls,
// zero-width spaces and joiners, soft hyphens…): in an address they could make a
// link read as one place and go to another, so links are made without them.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
// Right-to-left letters (the blocks Unicode keeps for right-to-left scripts) reorder
// around the "/" and "." of an address; an address with one is shown in ASCII form.
const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
// `@handle` as the server finds a mention: not after a letter, digit, "_", "." or "@"
// (inside a word or an e-mail address). A handle may hold dots but not end with one
// that ends a sentence, so a candidate is shortened until it names a mention.
const MENTION = /(?<![\p{L}\p{N}_.@])@([a-z0-9_.]{3,30})/giu;
// `#tag` as the server finds one (app/core/hashtags.py): letters of any script, digits
// and "_", not after a letter, digit, "_", "&", "/", "#" or "@" (so neither an
// address's #fragment nor "a#b"). Which of them count is the server's word: the tweet's
// `hashtags`.
const HASHTAG = /(?<![\p{L}\p{N}_&/#@])#([\p{L}\p{N}_]+)/gu;
// What a word is made of, for "whole words only" around a searched word.
const WORD = "[\\p{L}\\p{M}\\p{N}_]";

/**
 * A piece of a post's text: `parts` is its text, split where marked words begin and end.
 * @typedef {{ text: string, marked: boolean }} Part
 * @typedef {{ kind: "text", parts: Part[] }
 *   | { kind: "url", href: string, parts: Part[] }
 *   | { kind: "mention", person: Mention, parts: Part[] }
 *   | { kind: "hashtag", tag: string, parts: Part[] }} Segment
 */

/**
 * What to mark in a post: the words a search matched (`words`, whole words, any
 * letter case) and the hashtags searched for (`tags`, lower case, without "#").
 * @typedef {{ words?: string[], tags?: string[] }} Marks
 */

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

/**
 * A found piece of text that becomes a link: where it starts, its length, the segment.
 * @typedef {{ start: number, length: number, segment: Segment }} Found
 */

/**
 * @param {string} text
 * @returns {Found[]}
 */
function addresses(text) {
  /** @type {Found[]} */
  const found = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const typed = trimAddress(match[0]);
    const href = linkTarget(typed);
    if (href === null) continue; // stays text
    // The link's text is where it goes (less invisible characters), never marked.
    found.push({ start: match.index, length: typed.length, segment: { kind: "url", href, parts: [{ text: href, marked: false }] } });
  }
  return found;
}

// The mentions the server resolved (by id: a handle changed since still leads to the
// person); an @word that is not one of them stays text.
/**
 * @param {string} text
 * @param {Mention[]} mentions
 * @returns {Found[]}
 */
function mentionsIn(text, mentions) {
  if (mentions.length === 0) return [];
  const byHandle = new Map(mentions.map((person) => [person.handle.toLowerCase(), person]));
  /** @type {Found[]} */
  const found = [];
  for (const match of text.matchAll(MENTION)) {
    let handle = match[1];
    while (handle.endsWith(".") && !byHandle.has(handle.toLowerCase())) handle = handle.slice(0, -1);
    const person = byHandle.get(handle.toLowerCase());
    if (!person) continue;
    const typed = `@${handle}`;
    found.push({ start: match.index, length: typed.length, segment: { kind: "mention", person, parts: [{ text: typed, marked: false }] } });
  }
  return found;
}

/**
 * @param {string} text
 * @param {string[]} hashtags the tweet's, as the server read them (lower case)
 * @returns {Found[]}
 */
function hashtagsIn(text, hashtags) {
  if (hashtags.length === 0) return [];
  const known = new Set(hashtags);
  /** @type {Found[]} */
  const found = [];
  for (const match of text.matchAll(HASHTAG)) {
    const tag = match[1].toLowerCase();
    if (!known.has(tag)) continue;
    found.push({
      start: match.index,
      length: match[0].length,
      segment: { kind: "hashtag", tag, parts: [{ text: match[0], marked: false }] },
    });
  }
  return found;
}

/** @param {string} text */
function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Every whole-word occurrence of any of the words, in any letter case; null for none.
/** @param {string[]} words */
function wordsPattern(words) {
  const wanted = words.filter((word) => word.trim() !== "").sort((a, b) => b.length - a.length); // longest first
  if (wanted.length === 0) return null;
  return new RegExp(`(?<!${WORD})(?:${wanted.map(escaped).join("|")})(?!${WORD})`, "giu");
}

/**
 * @param {string} text
 * @param {RegExp | null} pattern
 * @returns {Part[]}
 */
function marked(text, pattern) {
  if (pattern === null) return [{ text, marked: false }];
  /** @type {Part[]} */
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    parts.push({ text: text.slice(last, match.index), marked: false }, { text: match[0], marked: true });
    last = match.index + match[0].length;
  }
  parts.push({ text: text.slice(last), marked: false });
  return parts.filter((part) => part.text !== "");
}

/**
 * A post's text in segments, in order: addresses first (a mention or a #fragment
 * inside one is part of the address), then mentions and hashtags, the rest text;
 * searched words marked everywhere but in addresses, a searched hashtag whole.
 * @param {Pick<Tweet, "content" | "mentions" | "hashtags">} tweet
 * @param {Marks} [marks]
 * @returns {Segment[]}
 */
export function segments(tweet, { words = [], tags = [] } = {}) {
  const text = tweet.content;
  const links = addresses(text);
  /** @param {Found} item */
  const outside = (item) => !links.some((link) => item.start < link.start + link.length && link.start < item.start + item.length);
  const found = [
    ...links,
    ...mentionsIn(text, tweet.mentions ?? []).filter(outside),
    ...hashtagsIn(text, tweet.hashtags ?? []).filter(outside),
  ].sort((a, b) => a.start - b.start);
  const pattern = wordsPattern(words);
  /** @type {Segment[]} */
  const result = [];
  let last = 0;
  for (const { start, length, segment } of found) {
    if (start > last) result.push({ kind: "text", parts: marked(text.slice(last, start), pattern) });
    const whole = segment.parts[0].text;
    if (segment.kind === "hashtag" && tags.includes(segment.tag)) segment.parts = [{ text: whole, marked: true }];
    else if (segment.kind !== "url") segment.parts = marked(whole, pattern);
    result.push(segment);
    last = start + length;
  }
  if (last < text.length) result.push({ kind: "text", parts: marked(text.slice(last), pattern) });
  return result;
}

/** @param {Part[]} parts */
function partNodes(parts) {
  return parts.map((part) => (part.marked ? h("mark", null, part.text) : part.text));
}

// A link is its own left-to-right isolate, so bidi controls in the text around cannot
// turn it round (a hashtag in Arabic letters reads its own way: dir auto).
/** @param {Segment} segment */
function segmentNode(segment) {
  const content = partNodes(segment.parts);
  switch (segment.kind) {
    case "url":
      return h("a", { href: segment.href, dir: "ltr", target: "_blank", rel: "noopener noreferrer nofollow" }, content);
    case "mention":
      return h("a", { href: `/users/${segment.person.id}`, class: "mention", dir: "ltr", title: segment.person.name }, content);
    case "hashtag":
      return h("a", { href: hashtagPath(segment.tag), class: "hashtag", dir: "auto" }, content);
    default:
      return content;
  }
}

// The address of a hashtag's own page.
/** @param {string} tag lower case, without "#" */
export function hashtagPath(tag) {
  return `/hashtags/${encodeURIComponent(tag)}`;
}

// A post's text as page content: links, mentions and hashtags as links, marked words
// in <mark>, the rest text nodes.
/**
 * @param {Pick<Tweet, "content" | "mentions" | "hashtags">} tweet
 * @param {Marks} [marks]
 */
export function postText(tweet, marks) {
  return segments(tweet, marks).flatMap(segmentNode);
}
