// @ts-check
// Home: the composer and the feed, most liked first, loading more on scroll. Posts
// that start a conversation while the person reads are offered in a bar ("3 new
// posts — show") rather than moving the list under them. Under a feed with little
// in it, the hashtags in use lately, as somewhere to start.
/** @import { View } from "../types.js" */
import { api } from "../api.js";
import { composer } from "../components/composer.js";
import { newItemsBar } from "../components/new-items.js";
import { trending } from "../components/trending.js";
import { tweetList } from "../components/tweet-list.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { onLive } from "../live.js";
import { isMe } from "../session.js";

function emptyFeed() {
  return h(
    "section",
    { class: "empty-state", "data-role": "empty-feed" },
    h("h2", null, t("feed.emptyTitle")),
    h("p", null, t("feed.emptyText")),
    h("a", { href: "/people", class: "button button-primary" }, t("feed.findPeople")),
  );
}

const SHORT_FEED = 5; // posts: fewer, and the feed is followed by what is trending

/** @type {View} */
export function feedView(container, _params, _query, restore) {
  const build = () => tweetList({ fetchPage: api.feed, label: t("feed.title"), empty: emptyFeed, endText: t("feed.end") });
  let list = build();
  const heading = h("h1", { class: "page-title", tabindex: "-1" }, t("feed.title"));
  const writer = composer({ onPosted: (tweet) => list.prepend(tweet) });
  // The feed read again from its top, with the new posts in their places.
  const bar = newItemsBar("feed.newPosts", () => {
    const fresh = build();
    list.destroy();
    list.element.replaceWith(fresh.element);
    list = fresh;
    list.start();
    heading.focus({ preventScroll: true });
    heading.scrollIntoView();
  });
  const trends = trending();
  container.append(heading, writer.element, bar.element, list.element, trends.element);
  list.start(restore).then(() => {
    if (list.loaded() < SHORT_FEED) trends.show();
  });
  onLive(bar.element, (event) => {
    // Your own posts are in the list already (the composer put them there).
    if (event.type === "feed" && typeof event.data?.tweet_id === "number" && !isMe(event.data.author?.id)) bar.add(event.data.tweet_id);
  });
  const leave = () => {
    list.destroy();
    writer.leave();
  };
  return { title: t("feed.title"), leave, loaded: () => list.loaded() };
}
