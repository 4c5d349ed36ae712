// @ts-check
// Every sentence the page shows comes from the active language's message catalogue,
// through t(); numbers, plural forms, times and dates come from the browser's Intl.
import { h } from "./dom.js";
import en from "./messages/en.js";
import ru from "./messages/ru.js";
import { read, write } from "./storage.js";

/** @typedef {"en" | "ru"} Language */

/**
 * A message's key: the English catalogue has them all, and every other one the same.
 * @typedef {keyof typeof en} MessageKey
 */

/**
 * A sentence with {name} slots, or its plural forms by Intl.PluralRules category.
 * @typedef {string | ({ other: string } & Partial<Record<Intl.LDMLPluralRule, string>>)} Message
 */

/**
 * The values for a message's slots; `count` also chooses the plural form.
 * @typedef {{ count?: number, [slot: string]: string | number | undefined }} MessageParams
 */

/**
 * Hears that the language changed; `here` is true when the choice was made in this tab.
 * @callback LanguageListener
 * @param {Language} code
 * @param {{ here: boolean }} how
 * @returns {void}
 */

/** @type {Record<Language, Record<MessageKey, Message>>} */
const catalogues = { en, ru };
const STORAGE_KEY = "microblog.language";
const FALLBACK = "en";

export const languages = /** @type {Language[]} */ (Object.keys(catalogues));

/** @type {Language} */
let language;
/** @type {Intl.PluralRules} */
let plurals;
/** @type {Intl.NumberFormat} */
let numbers;
/** @type {Set<LanguageListener>} */
const listeners = new Set();

/**
 * @param {unknown} code
 * @returns {code is Language}
 */
function known(code) {
  return typeof code === "string" && Object.hasOwn(catalogues, code);
}

// The person's own choice if they made one; else the first of the browser's preferred
// languages that we have ("ru-RU" → Russian); else English.
/** @returns {Language} */
function preferredLanguage() {
  const chosen = read("localStorage", STORAGE_KEY);
  if (known(chosen)) return chosen;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (known(base)) return base;
  }
  return FALLBACK;
}

/** @param {Language} code */
function use(code) {
  language = code;
  plurals = new Intl.PluralRules(code);
  numbers = new Intl.NumberFormat(code);
  document.documentElement.lang = code; // screen readers' voice, hyphenation, fonts
  document.title = t("app.name"); // until a view names itself
}

/**
 * @param {Language} code
 * @param {boolean} here
 */
function change(code, here) {
  use(code);
  for (const listener of listeners) listener(code, { here });
}

use(preferredLanguage());

export function currentLanguage() {
  return language;
}

// The person picked a language: remembered in this browser, and everything listening
// (the app's frame) draws itself again in it.
/** @param {string} code */
export function setLanguage(code) {
  if (!known(code)) return;
  write("localStorage", STORAGE_KEY, code);
  if (code !== language) change(code, true);
}

// A choice made in another tab of this browser holds here too.
window.addEventListener("storage", (event) => {
  if (event.key === STORAGE_KEY && known(event.newValue) && event.newValue !== language) change(event.newValue, false);
});

/** @param {LanguageListener} listener */
export function onLanguageChange(listener) {
  listeners.add(listener);
}

// t("likes.count", { count: 3 }) → "3 likes": a message is a string with {name}
// slots, or an object of plural forms ("one", "few", "many", "other") chosen by count.
/**
 * @param {MessageKey} key
 * @param {MessageParams} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  let message = catalogues[language][key];
  // No falling back to another language: a missing message must show up in tests.
  if (message === undefined) {
    console.error(`No message "${key}"`);
    return key;
  }
  if (typeof message === "object") {
    message = message[plurals.select(params.count ?? 0)] ?? message.other;
  }
  return message.replace(/\{(\w+)\}/g, (slot, name) => {
    if (!(name in params)) return slot;
    const value = params[name];
    return typeof value === "number" ? numbers.format(value) : String(value);
  });
}

// Marks a text slot while t() fills in the rest: private-use characters that no
// catalogue holds (the texts themselves never go through t() here, only the marks).
const SLOT_MARK = /\u{F0000}(\d+)\u{F0001}/u;

// t() as page content, each text slot's value (a name, a file name) in its own <bdi>:
// a right-to-left override in someone's name cannot turn the rest of the sentence round.
/**
 * @param {MessageKey} key
 * @param {MessageParams} [params]
 * @returns {Array<string | HTMLElement>}
 */
export function tIsolated(key, params = {}) {
  /** @type {string[]} */
  const texts = [];
  /** @type {MessageParams} */
  const marked = { ...params };
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== "string") continue;
    marked[name] = `\u{F0000}${texts.length}\u{F0001}`;
    texts.push(value);
  }
  return t(key, marked)
    .split(SLOT_MARK)
    .map((part, index) => (index % 2 === 1 ? h("bdi", null, texts[Number(part)]) : part))
    .filter((part) => part !== "");
}

/** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

// Days between the two dates' calendar days: 30 hours ago may well be "yesterday".
/**
 * @param {Date} date
 * @param {Date} now
 */
function calendarDays(date, now) {
  /** @param {Date} day */
  const midnight = (day) => new Date(day.getFullYear(), day.getMonth(), day.getDate());
  return Math.round((midnight(now).getTime() - midnight(date).getTime()) / (24 * 3600 * 1000));
}

// "5 minutes ago", "yesterday" for recent times, a date for older ones.
/**
 * @param {Date} date
 * @param {Date} [now]
 */
export function relativeTime(date, now = new Date()) {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 45) return t("time.justNow");
  if (seconds < 7 * 24 * 3600) {
    const format = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
    for (const [unit, size] of UNITS) {
      if (seconds >= size || unit === "minute") {
        const count = unit === "day" ? calendarDays(date, now) : Math.max(1, Math.round(seconds / size));
        return format.format(-count, unit);
      }
    }
  }
  /** @type {Intl.DateTimeFormatOptions} */
  const options = { day: "numeric", month: "short" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return new Intl.DateTimeFormat(language, options).format(date);
}

/** @param {Date} date */
export function fullDate(date) {
  return new Intl.DateTimeFormat(language, { dateStyle: "full", timeStyle: "short" }).format(date);
}

/** @param {number} bytes */
export function fileSize(bytes) {
  const mebibytes = bytes / (1024 * 1024);
  return t("size.megabytes", { size: Math.round(mebibytes * 10) / 10 });
}
