// @ts-check
// Search results (/search?q=…), for the query typed in the header's field: the posts
// that match, best first, a page at a time, the words that matched marked. A new
// query typed while the page is on screen gets a new list: whatever the old one was
// still loading lands in a list no longer on the page, so an older answer never
// shows over a newer one.
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { Tweet, View, ViewState } from "../types.js" */
import { api } from "../api.js";
import { MAX_QUERY, showQuery, whenSearched } from "../components/search-box.js";
import { tweetList } from "../components/tweet-list.js";
import { h } from "../dom.js";
import { t, tIsolated } from "../i18n.js";

// A `#tag` the query asks for (not one it excludes: "-#tag"), as the API reads it.
const SEARCHED_TAG = /(?<![\p{L}\p{N}_-])#([\p{L}\p{N}_]+)/gu;

/** @param {string} q */
function searchedTags(q) {
  return [...q.matchAll(SEARCHED_TAG)].map((match) => match[1].toLowerCase());
}

/** @param {string} q */
function pageTitle(q) {
  return q ? t("search.resultsFor", { q }) : t("search.title");
}

/** @type {View} */
export function searchView(container, _params, query, restore) {
  const heading = h("h1", { class: "page-title", tabindex: "-1", dir: "auto" });
  const results = h("div", { class: "search-results" });
  container.append(heading, results);
  /** @type {PagedList<Tweet> | null} */
  let list = null;

  /**
   * @param {string} q
   * @param {ViewState | null} [restoreTo]
   */
  function show(q, restoreTo = null) {
    list?.destroy();
    list = null;
    heading.replaceChildren(...(q ? tIsolated("search.resultsFor", { q }) : [t("search.title")]));
    document.title = t("app.title", { page: pageTitle(q) });
    if (!q) {
      results.replaceChildren(h("p", { class: "empty-state", "data-role": "search-hint" }, t("search.hint")));
      return;
    }
    const tags = searchedTags(q);
    list = tweetList({
      fetchPage: (offset, limit) => api.search(q, offset, limit),
      label: pageTitle(q),
      marks: (tweet) => ({ words: tweet.highlights ?? [], tags }),
      empty: () => h("p", { class: "empty-state", "data-role": "no-results" }, tIsolated("search.nothing", { q })),
      endText: t("search.end"),
      refusal: "search.refused",
    });
    results.replaceChildren(list.element);
    list.start(restoreTo);
  }

  const q = (query.get("q") ?? "").trim().slice(0, MAX_QUERY);
  showQuery(q);
  show(q, restore);
  const stop = whenSearched((next) => {
    window.scrollTo(0, 0);
    show(next);
  });
  return {
    title: pageTitle(q),
    loaded: () => list?.loaded() ?? 0,
    leave: () => {
      stop();
      list?.destroy();
      showQuery("");
    },
  };
}
