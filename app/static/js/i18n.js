// Every sentence the page shows comes from a message catalogue, through t().
import en from "./messages/en.js";

const catalogues = { en };
let language = "en";
let plurals = new Intl.PluralRules(language);
let numbers = new Intl.NumberFormat(language);

export function currentLanguage() {
  return language;
}

// t("likes.count", { count: 3 }) → "3 likes": a message is a string with {name}
// slots, or an object of plural forms ("one", "few", "many", "other") chosen by count.
export function t(key, params = {}) {
  let message = catalogues[language][key] ?? catalogues.en[key];
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

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

// "5 minutes ago" for recent times, a date for older ones.
export function relativeTime(date, now = new Date()) {
  const seconds = Math.round((now - date) / 1000);
  if (seconds < 45) return t("time.justNow");
  if (seconds < 7 * 24 * 3600) {
    const format = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
    for (const [unit, size] of UNITS) {
      if (seconds >= size || unit === "minute") {
        return format.format(-Math.max(1, Math.round(seconds / size)), unit);
      }
    }
  }
  const options = { day: "numeric", month: "short" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return new Intl.DateTimeFormat(language, options).format(date);
}

export function fullDate(date) {
  return new Intl.DateTimeFormat(language, { dateStyle: "full", timeStyle: "short" }).format(date);
}

export function fileSize(bytes) {
  const mebibytes = bytes / (1024 * 1024);
  return t("size.megabytes", { size: Math.round(mebibytes * 10) / 10 });
}
