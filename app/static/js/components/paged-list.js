// @ts-check
// A list that loads the next page (offset/limit) when its end scrolls into view,
// with a loading indicator, a retry on failure and a note at the end.
/** @import { Props } from "../dom.js" */
/** @import { ViewState } from "../types.js" */
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";

const PAGE_SIZE = 20;
const MAX_PAGE = 100; // the API's largest limit
const AHEAD_PX = 600;
// Each page starts a few items back: if the list moved meanwhile (a tweet lost a
// like and sank), the item that slid past the offset still comes; repeats are skipped.
const OVERLAP = 5;

export function loadingIndicator() {
  return h("p", { class: "pager-loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), t("list.loading"));
}

/**
 * What pagedList() is given: how to fetch a page of items and draw one, an item's
 * key (pages may overlap: a key already shown is skipped), what to show for an
 * empty list and at its end, and the list element's tag and attributes. `refused`
 * tells what to show for an error that trying again cannot mend (a search the service
 * will not run), or null for the usual "Try again".
 * @template T
 * @typedef {object} PagedListOptions
 * @property {(offset: number, limit: number) => Promise<T[]>} fetchPage
 * @property {(item: T) => Node} renderItem
 * @property {(item: T) => number} key
 * @property {() => Node} empty
 * @property {string} endText
 * @property {"div" | "ul"} [listTag]
 * @property {Props & { class?: string }} [listProps]
 * @property {(error: Error) => Node | null} [refused]
 */

/**
 * @template T
 * @typedef {object} PagedList
 * @property {HTMLDivElement} element
 * @property {(restore?: ViewState | null) => Promise<void>} start
 * @property {() => number} loaded how many items the list has (the offset of its next page)
 * @property {(item: T) => void} prepend
 * @property {(itemKey: number) => void} removed
 * @property {(delta: number) => void} shifted
 * @property {() => void} destroy
 */

/**
 * @template T
 * @param {PagedListOptions<T>} options
 * @returns {PagedList<T>}
 */
export function pagedList({ fetchPage, renderItem, key, empty, endText, listTag = "div", listProps = {}, refused = () => null }) {
  const items = h(listTag, { ...listProps, class: ["paged-items", listProps.class] });
  // A live region from the start, so "Loading…" and the end note are announced.
  const status = h("div", { class: "pager-status", role: "status" });
  const sentinel = h("div", { class: "pager-sentinel", "aria-hidden": "true" });
  const element = h("div", { class: "paged-list" }, items, status, sentinel);
  /** @type {Set<number>} */
  const shown = new Set();
  let offset = 0;
  let finished = false;
  let failed = false;
  let destroyed = false;

  /** @param {...(Node | string)} content */
  function setStatus(...content) {
    clear(status).append(...content);
  }

  function showEnd() {
    if (shown.size === 0) setStatus(empty());
    else setStatus(h("p", { class: "pager-end" }, endText));
  }

  function nearEnd() {
    return sentinel.getBoundingClientRect().top < window.innerHeight + AHEAD_PX;
  }

  // One page at a time: a caller arriving while a page loads waits for that one.
  /** @type {Promise<void> | null} */
  let inflight = null;
  /** @returns {Promise<void>} */
  function loadMore(size = PAGE_SIZE) {
    if (inflight) return inflight;
    if (finished || failed) return Promise.resolve();
    inflight = loadPage(size).finally(() => {
      inflight = null;
    });
    return inflight;
  }

  /** @param {number} size */
  async function loadPage(size) {
    items.setAttribute("aria-busy", "true");
    setStatus(loadingIndicator());
    try {
      const from = Math.max(0, offset - OVERLAP);
      const wanted = size + offset - from;
      const page = await fetchPage(from, wanted);
      offset = from + page.length;
      // Pages can overlap when the list changed meanwhile (a new tweet, a like): skip repeats.
      for (const item of page) {
        if (shown.has(key(item))) continue;
        shown.add(key(item));
        items.append(renderItem(item));
      }
      finished = page.length < wanted;
      if (finished) showEnd();
      else setStatus();
    } catch (caught) {
      const error = /** @type {Error} */ (caught);
      failed = true;
      const said = refused(error);
      if (said) {
        setStatus(said);
        return;
      }
      const retry = h("button", { type: "button", class: "button", "data-action": "retry" }, t("action.retry"));
      retry.addEventListener("click", () => {
        failed = false;
        fill();
      });
      setStatus(h("p", { class: "pager-error" }, t("list.failed", { reason: error.message })), retry);
    } finally {
      items.removeAttribute("aria-busy");
    }
  }

  // Fills the list until its end is out of sight (and, coming back to it, up to the
  // number of items it had, so the old scroll position exists again).
  async function fill(atLeast = 0) {
    await loadMore(Math.min(MAX_PAGE, Math.max(PAGE_SIZE, atLeast)));
    while (!finished && !failed && element.isConnected && (offset < atLeast || nearEnd())) {
      await loadMore();
    }
    // The observer speaks only when the end comes into or out of view between two
    // frames. A scroll in the same frame as a page's arrival would go unheard, the
    // end in view and nothing loading; observing anew reports where the end is now.
    if (!finished && !failed && !destroyed) {
      observer.unobserve(sentinel);
      observer.observe(sentinel);
    }
  }

  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) fill();
    },
    { rootMargin: `0px 0px ${AHEAD_PX}px 0px` },
  );
  observer.observe(sentinel);

  return {
    element,
    // Loads the first page; with `restore` ({loaded, scrollY} saved when the person
    // left), as many items as there were, then the old scroll position.
    async start(restore = null) {
      await fill(restore?.loaded ?? 0);
      if (restore?.scrollY && element.isConnected) window.scrollTo(0, restore.scrollY);
    },
    loaded: () => offset,
    // An item made here (a new tweet) goes first; a later page may bring it again.
    prepend(item) {
      shown.add(key(item));
      items.prepend(renderItem(item));
      if (finished) showEnd();
    },
    // An item removed here: the server's list shifted by one, so the offset follows.
    removed(itemKey) {
      if (shown.delete(itemKey)) offset = Math.max(0, offset - 1);
      if (finished) showEnd();
    },
    // The server's list grew or shrank by `delta` before the offset while its rows
    // stay shown here (someone unfollowed on your Following tab): the next page
    // starts where the server's list now continues.
    shifted(delta) {
      offset = Math.max(0, offset + delta);
    },
    destroy() {
      destroyed = true;
      observer.disconnect();
    },
  };
}
