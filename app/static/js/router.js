// @ts-check
// A tiny History API router: same-origin links change the view without a reload.
// The server answers index.html for every path outside /api, so any URL can be opened.
/** @import { RouteParams, View, ViewState } from "./types.js" */

/** @type {Array<{ pattern: RegExp, view: View }>} */
const routes = [];
/** @type {() => void} */
let render = () => {};
/** @type {string | null} */
let rendered = null; // the path and query the view on screen was drawn for

/**
 * @param {RegExp} pattern
 * @param {View} view
 */
export function route(pattern, view) {
  routes.push({ pattern, view });
}

/**
 * @param {string} pathname
 * @returns {{ view: View, params: RouteParams } | null}
 */
export function match(pathname) {
  for (const { pattern, view } of routes) {
    const found = pathname.match(pattern);
    if (found) return { view, params: found.slice(1) };
  }
  return null;
}

let remember = () => {};

/**
 * @param {string} url
 * @param {{ replace?: boolean }} [options]
 */
export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (target.href !== location.href) {
    if (!replace) remember(); // where the person was, for coming Back to it
    history[replace ? "replaceState" : "pushState"](null, "", target.pathname + target.search);
  }
  render();
}

// The view on screen drawn again (in another language, say), back in the same place.
export function redraw() {
  remember();
  render();
}

// What the view on screen wants back when the person returns to this entry
// (Back, Forward, reload): kept in the history entry itself.
/** @param {ViewState} state */
export function saveViewState(state) {
  history.replaceState({ ...history.state, view: state }, "");
}

/** @returns {ViewState | null} */
export function savedViewState() {
  return history.state?.view ?? null;
}

// Changes the query string without a new history entry or a re-render (search box).
/** @param {Record<string, string>} params */
export function setQuery(params) {
  const target = new URL(location.href);
  for (const [name, value] of Object.entries(params)) {
    if (value) target.searchParams.set(name, value);
    else target.searchParams.delete(name);
  }
  history.replaceState(history.state, "", target.pathname + target.search);
  rendered = target.pathname + target.search;
}

/**
 * @param {HTMLAnchorElement | null} link
 * @param {MouseEvent} event
 * @returns {link is HTMLAnchorElement}
 */
function isAppLink(link, event) {
  if (!link || link.target || link.hasAttribute("download")) return false;
  if (link.getAttribute("href")?.startsWith("#")) return false; // "skip to content" (the link has an href: a[href])
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return false;
  }
  const url = new URL(link.href, location.href);
  return url.origin === location.origin && !/^\/(api|auth\/|docs|redoc|openapi)/.test(url.pathname);
}

/**
 * @param {() => void} renderer draws the view the address names
 * @param {{ snapshot: () => ViewState }} options `snapshot` tells the view on screen's state, to keep in its history entry
 */
export function start(renderer, { snapshot }) {
  history.scrollRestoration = "manual"; // the views restore it once their lists are back
  remember = () => saveViewState(snapshot());
  /** @type {number | undefined} */
  let timer;
  window.addEventListener("scroll", () => {
    clearTimeout(timer);
    timer = setTimeout(remember, 200);
  });
  render = () => {
    rendered = location.pathname + location.search;
    return renderer();
  };
  document.addEventListener("click", (event) => {
    const link = /** @type {HTMLAnchorElement | null} */ (/** @type {Element} */ (event.target).closest("a[href]"));
    if (!isAppLink(link, event)) return;
    event.preventDefault();
    navigate(link.href);
  });
  window.addEventListener("popstate", () => {
    // Only the #fragment changed (an in-page link): the view stays as it is.
    if (location.pathname + location.search !== rendered) render();
  });
  render();
}
