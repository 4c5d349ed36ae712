// @ts-check
// Home: the composer and the feed, most liked first, loading more on scroll.
/** @import { PagedList } from "../components/paged-list.js" */
/** @import { Tweet, View } from "../types.js" */
import { api } from "../api.js";
import { composer } from "../components/composer.js";
import { pagedList } from "../components/paged-list.js";
import { tweetCard } from "../components/tweet-card.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

function emptyFeed() {
  return h(
    "section",
    { class: "empty-state", "data-role": "empty-feed" },
    h("h2", null, t("feed.emptyTitle")),
    h("p", null, t("feed.emptyText")),
    h("a", { href: "/people", class: "button button-primary" }, t("feed.findPeople")),
  );
}

/** @type {View} */
export function feedView(container, _params, _query, restore) {
  /** @type {PagedList<Tweet>} */
  const list = pagedList({
    fetchPage: async (offset, limit) => (await api.feed(offset, limit)).tweets,
    renderItem: (tweet) => tweetCard(tweet, { onDeleted: () => list.removed(tweet.id) }),
    key: (tweet) => tweet.id,
    empty: emptyFeed,
    endText: t("feed.end"),
    listProps: { role: "feed", "aria-label": t("feed.title"), class: "tweets" },
  });
  const writer = composer({ onPosted: (tweet) => list.prepend(tweet) });
  container.append(h("h1", { class: "page-title" }, t("feed.title")), writer.element, list.element);
  list.start(restore);
  const leave = () => {
    list.destroy();
    writer.leave();
  };
  return { title: t("feed.title"), leave, loaded: list.loaded };
}
