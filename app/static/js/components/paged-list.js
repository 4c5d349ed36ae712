// A list that loads the next page (offset/limit) when its end scrolls into view,
// with a loading indicator, a retry on failure and a note at the end.
import { h, clear } from "../dom.js";
import { t } from "../i18n.js";

const PAGE_SIZE = 20;
const AHEAD_PX = 600;
// Each page starts a few items back: if the list moved meanwhile (a tweet lost a
// like and sank), the item that slid past the offset still comes; repeats are skipped.
const OVERLAP = 5;

export function pagedList({ fetchPage, renderItem, key, empty, endText, listTag = "div", listProps = {} }) {
  const items = h(listTag, { ...listProps, class: ["paged-items", listProps.class] });
  // A live region from the start, so "Loading…" and the end note are announced.
  const status = h("div", { class: "pager-status", role: "status" });
  const sentinel = h("div", { class: "pager-sentinel", "aria-hidden": "true" });
  const element = h("div", { class: "paged-list" }, items, status, sentinel);
  const shown = new Set();
  let offset = 0;
  let loading = false;
  let finished = false;
  let failed = false;

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

  async function loadMore() {
    if (loading || finished || failed) return;
    loading = true;
    items.setAttribute("aria-busy", "true");
    setStatus(h("p", { class: "pager-loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), t("list.loading")));
    try {
      const from = Math.max(0, offset - OVERLAP);
      const wanted = PAGE_SIZE + offset - from;
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
    } catch (error) {
      failed = true;
      const retry = h("button", { type: "button", class: "button", "data-action": "retry" }, t("action.retry"));
      retry.addEventListener("click", () => {
        failed = false;
        loadMore();
      });
      setStatus(h("p", { class: "pager-error" }, t("list.failed", { reason: error.message })), retry);
    } finally {
      loading = false;
      items.removeAttribute("aria-busy");
    }
    if (!finished && !failed && element.isConnected && nearEnd()) loadMore();
  }

  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    },
    { rootMargin: `0px 0px ${AHEAD_PX}px 0px` },
  );
  observer.observe(sentinel);

  return {
    element,
    start: loadMore,
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
    destroy() {
      observer.disconnect();
    },
  };
}
