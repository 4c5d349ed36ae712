// @ts-check
// The search field in the header. What is typed is searched after a pause in typing
// (or at once on Enter), at the results page's own address, /search?q=…: coming from
// another page that is a new history entry; on the results page the query changes in
// place, in the same entry, so Back leaves the search rather than undoing keystrokes.
import { h, uniqueId } from "../dom.js";
import { t } from "../i18n.js";
import { navigate, setQuery } from "../router.js";

const TYPING_PAUSE_MS = 300;
export const SEARCH_PATH = "/search";
export const MAX_QUERY = 200; // the API's limit

/** @type {((q: string) => void) | null} */
let onSearch = null; // the results page on screen, told of each new query
/** @type {HTMLInputElement | null} */
let field = null;
let typed = ""; // what the field holds, kept when the header is drawn again (in another language)
/** @type {string | null} */
let sent = null; // the last query the field searched for

/** @param {string} q */
export function searchPath(q) {
  return `${SEARCH_PATH}?${new URLSearchParams({ q })}`;
}

export function searchBox() {
  const id = uniqueId("search");
  const input = h("input", {
    id,
    type: "search",
    name: "q",
    autocomplete: "off",
    maxlength: MAX_QUERY,
    enterkeyhint: "search",
    placeholder: t("search.title"), // short: the header leaves it little room
    value: typed,
    dataset: { role: "search-box" },
  });
  field = input;
  /** @type {number | undefined} */
  let timer;

  function search() {
    clearTimeout(timer);
    const q = input.value.trim();
    const onResults = location.pathname === SEARCH_PATH && onSearch !== null;
    if (onResults && q === (new URLSearchParams(location.search).get("q") ?? "").trim()) return;
    sent = q;
    if (onResults) {
      setQuery({ q });
      onSearch?.(q);
    } else if (q) navigate(searchPath(q));
  }

  input.addEventListener("input", () => {
    typed = input.value;
    const from = location.href;
    clearTimeout(timer);
    timer = setTimeout(() => {
      // The person went elsewhere meanwhile (a link, Back): what they typed waits for Enter.
      if (location.href === from) search();
    }, TYPING_PAUSE_MS);
  });
  const form = h(
    "form",
    { class: "header-search", role: "search" },
    h("label", { for: id, class: "visually-hidden" }, t("search.label")),
    input,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
  return form;
}

// The results page shows its query in the field: on arriving at its address, by Back,
// Forward or a link, and (with "") when it is left; signing out empties it too. Not
// while the person types there: the page then shows what they typed a moment ago, and
// the field is ahead of it.
/** @param {string} q */
export function showQuery(q) {
  if (field && document.activeElement === field && q === sent) return;
  typed = q;
  if (field) field.value = q;
}

// Is the person typing in the search field? (A page it opened keeps the focus there.)
export function typingSearch() {
  return field !== null && document.activeElement === field;
}

// The results page hears each query typed while it is on screen; the function returned stops it.
/** @param {(q: string) => void} listener */
export function whenSearched(listener) {
  onSearch = listener;
  return () => {
    if (onSearch === listener) onSearch = null;
  };
}
